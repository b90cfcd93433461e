"""Constants and types shared by tests (import with ``from support import ...``; tests/ is on sys.path).

They live here rather than in ``conftest.py`` because nested ``conftest.py`` files (e.g.
``tests/exposure/conftest.py``) shadow the module name ``conftest``.
"""

from __future__ import annotations


class NetworkBlocked(RuntimeError):
    """Raised when a test opens a connection outside this machine."""


TINY_TEXTS = [
    "Alice was beginning to get very tired of sitting by her sister on the bank.",
    "The rabbit took a watch out of its waistcoat pocket, and looked at it.",
    "Hi Bob, the wifi password is hunter2 and the door code is 4821.",
    "Please charge card 4539 1488 0343 6467 for order 1182 before Friday.",
    "export OPENAI_API_KEY=sk-proj-abc123 # do not commit this file",
    "my telephone number is 0123456789, call me after five.",
] * 4

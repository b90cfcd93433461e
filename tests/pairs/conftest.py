"""The ``tok`` fixture: each test of sanitize.pairs runs with both tokenizer families."""

from __future__ import annotations

from typing import Any

import pytest
from pairs_support import KINDS, TOKS


@pytest.fixture(params=KINDS)
def tok(request: pytest.FixtureRequest) -> Any:
    return TOKS[request.param]

"""Test harness: offline, hermetic, seeded.

* ``HF_HUB_OFFLINE=1`` (and friends) are set before anything imports huggingface_hub/datasets;
  the Hugging Face caches point into a per-session temporary folder.
* Any socket connection to a non-loopback address raises ``NetworkBlocked`` (loopback stays open
  for notebook kernels), so a test that tries to download fails loudly instead of hanging.
* Every test starts from fixed seeds.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile

_CACHE = tempfile.mkdtemp(prefix="sanitize-tests-hf-")
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
os.environ.update(
    HF_HUB_OFFLINE="1",
    HF_DATASETS_OFFLINE="1",
    TRANSFORMERS_OFFLINE="1",
    HF_HOME=_CACHE,
    HF_DATASETS_CACHE=os.path.join(_CACHE, "datasets"),
    HF_HUB_DISABLE_TELEMETRY="1",
    TOKENIZERS_PARALLELISM="false",
    TQDM_DISABLE="1",
    SANITIZE_HOME=os.path.join(_CACHE, "sanitize-home"),  # the fingerprint key file lives here
    # surrogates are seeded from keyed fingerprints: a fixed key makes every run see the same ones
    SANITIZE_FINGERPRINT_KEY="sanitize-tests",
)

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# The same examples on every run (CI included); a failure found once is found again.
settings.register_profile("sanitize", derandomize=True, print_blob=True)
settings.load_profile("sanitize")
from support import TINY_TEXTS, NetworkBlocked  # noqa: E402

_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection


def _check(address: object) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, (bytes, str)) and not isinstance(host, bytes) and host.startswith(_LOOPBACK):
        return
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return
    raise NetworkBlocked(f"tests are offline: connection to {address!r} blocked")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check(address)
    return _real_connect_ex(self, address)


def _guarded_create_connection(address: object, *args: object, **kwargs: object) -> socket.socket:
    _check(address)
    return _real_create_connection(address, *args, **kwargs)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.create_connection = _guarded_create_connection  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _seed() -> None:
    import random

    import numpy as np

    random.seed(0)
    np.random.seed(0)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    torch.manual_seed(0)


# -- shared fixtures ---------------------------------------------------------------------------------
import dataclasses  # noqa: E402
from pathlib import Path  # noqa: E402


@dataclasses.dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run ``sanitize`` in-process: ``cli("scan", path)`` -> CliResult(code, out, err)."""
    from sanitize.cli import main

    def run(*argv: object) -> CliResult:
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def _save_tiny(root: Path, kind: str) -> str:
    from sanitize_lab.tiny import save_tiny, tiny_model, train_tokenizer

    tok = train_tokenizer(TINY_TEXTS, kind=kind, vocab_size=320)  # type: ignore[arg-type]
    return save_tiny(tiny_model(tok, kind=kind), tok, root / kind)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def gpt2_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny random GPT-2 (byte BPE tokenizer) saved with save_pretrained; treat as read-only."""
    return _save_tiny(tmp_path_factory.mktemp("models"), "gpt2")


@pytest.fixture(scope="session")
def llama_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A tiny random Llama (sentencepiece-style tokenizer, BOS) saved with save_pretrained; read-only."""
    return _save_tiny(tmp_path_factory.mktemp("models"), "llama")

"""Model loading: a base causal LM (local directory or hub id) plus an optional PEFT adapter.

Attention is always ``eager``: PyTorch has no double backward (and no forward-mode AD) through the
flash / memory-efficient SDPA kernels, and the influence update needs Hessian-vector products.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelLoadError

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

_DTYPES = {"float32": "float32", "fp32": "float32", "float64": "float64", "fp64": "float64",
           "bfloat16": "bfloat16", "bf16": "bfloat16", "float16": "float16", "fp16": "float16"}  # fmt: skip


def resolve_dtype(dtype: str | torch.dtype | None) -> torch.dtype | None:
    """``"bf16"``/``"float32"``/a ``torch.dtype``/None -> ``torch.dtype`` or None (keep the saved dtype)."""
    import torch

    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    name = _DTYPES.get(str(dtype).lower())
    if name is None:
        raise ModelLoadError(f"unknown dtype {dtype!r}; use one of {', '.join(sorted(_DTYPES))}")
    return getattr(torch, name)


def _has_tokenizer(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_dir() and any(
        (p / f).is_file() for f in ("tokenizer.json", "tokenizer_config.json", "tokenizer.model")
    )


def _check_local(source: str, what: str) -> None:
    """A source that can only be a path (absolute, ./, ../, ~, or more than one '/') must exist."""
    looks_local = os.path.isabs(source) or source.startswith((".", "~")) or source.count("/") > 1
    if looks_local and not Path(source).expanduser().exists():
        raise ModelLoadError(f"cannot load {what} from {source!r}: no such directory")


def _load_errors() -> tuple[type[BaseException], ...]:
    """What loading a model may raise for a bad file: a truncated, empty or huge-header safetensors
    file raises ``SafetensorError`` (neither an OSError nor a ValueError), a bad pickle an
    UnpicklingError or EOFError, a wrong shape a RuntimeError."""
    import pickle

    errors: tuple[type[BaseException], ...] = (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        pickle.UnpicklingError,
    )
    try:
        from safetensors import SafetensorError
    except ImportError:  # pragma: no cover - a dependency of transformers
        return errors
    return (*errors, SafetensorError)


_MAX_HEADER = 100_000_000  # safetensors' own limit on the JSON header


def _check_weights(directory: str, what: str) -> None:
    """Refuse a local model/adapter whose ``.safetensors`` files are empty, truncated, or have an
    impossible or unreadable header, naming the file (the loaders fail deep inside with a Rust error)."""
    path = Path(directory)
    if not path.is_dir():
        return
    for file in sorted(path.glob("*.safetensors")):
        problem = _safetensors_problem(file)
        if problem:
            raise ModelLoadError(f"{what} {file}: {problem}; the file is corrupt or was not saved completely")


def _safetensors_problem(file: Path) -> str | None:
    try:
        size = file.stat().st_size
        with open(file, "rb") as fh:
            head = fh.read(8)
            length = int.from_bytes(head, "little") if len(head) == 8 else -1
            if length < 2 or length > min(size - 8, _MAX_HEADER):
                return "empty (0 bytes)" if size == 0 else f"not a complete safetensors file ({size} bytes)"
            header = json.loads(fh.read(length))
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    except ValueError:  # not JSON, not UTF-8
        return "not a safetensors file (its header is not JSON)"
    if not isinstance(header, dict):
        return "not a safetensors file (its header is not a JSON object)"
    ends = [
        t["data_offsets"][1]
        for name, t in header.items()
        if name != "__metadata__" and isinstance(t, dict) and isinstance(t.get("data_offsets"), list)
        and len(t["data_offsets"]) == 2 and isinstance(t["data_offsets"][1], int)
    ]  # fmt: skip
    if ends and 8 + length + max(ends) > size:
        return f"truncated ({size} bytes, its header describes {8 + length + max(ends)})"
    return None


def _check_tokenizer(source: str, adapter: str | os.PathLike[str] | None) -> None:
    """A local model directory must hold its tokenizer (or the adapter must): otherwise transformers
    may build an empty one and the failure comes much later with a misleading message."""
    if Path(source).is_dir() and not _has_tokenizer(source):
        where = f"{source}" + (f" or the adapter {os.fspath(adapter)}" if adapter is not None else "")
        raise ModelLoadError(
            f"no tokenizer in {where} (looked for tokenizer.json, tokenizer_config.json, tokenizer.model); "
            "save the tokenizer next to the model (tokenizer.save_pretrained(dir))"
        )


def _check_adapter_base(adapter: str, base: str) -> None:
    """Warn when the adapter says it was trained on another base than the one given (same shapes
    load silently, and the update would then repair the wrong model)."""
    try:
        named = json.loads((Path(adapter) / "adapter_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    recorded = named.get("base_model_name_or_path") if isinstance(named, dict) else None
    if not isinstance(recorded, str) or not recorded:
        return
    if Path(recorded).exists() and Path(base).exists():
        same = Path(recorded).resolve() == Path(base).resolve()
    else:
        same = recorded.rstrip("/") == base.rstrip("/")
    if not same and Path(recorded).name != Path(base).name:
        log.warning(
            "adapter %s was trained on base model %r (adapter_config.json), but --base is %r: "
            "make sure it is the same model, or the update repairs the wrong one",
            adapter, recorded, base,
        )  # fmt: skip


def _explain(what: str, source: str, exc: BaseException) -> ModelLoadError:
    local = Path(source).exists()
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    where = (
        "local directory"
        if local
        else "hub id" + (" (HF_HUB_OFFLINE=1: only the local cache is used)" if offline else "")
    )
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ModelLoadError(f"cannot load {what} from {source!r} ({where}): {first}")


def load_model(
    base: str | os.PathLike[str],
    adapter: str | os.PathLike[str] | None = None,
    dtype: str | torch.dtype | None = None,
    device: str | torch.device | None = None,
    *,
    is_trainable: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load ``(model, tokenizer)`` in eval mode.

    ``base``: a local directory or hub id. ``adapter``: a PEFT adapter directory (or hub id); the
    returned model is then a ``PeftModel`` with that adapter active (trainable if ``is_trainable``).
    The tokenizer comes from the adapter directory when it holds one, else from ``base``.
    ``dtype`` keeps the saved dtype when None. Raises :class:`ModelLoadError` with the path and the
    reason, including when the adapter does not fit the base.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    for name, value in (("base", base), ("adapter", adapter)):
        if (value is not None or name == "base") and not isinstance(value, (str, os.PathLike)):
            raise ModelLoadError(
                f"load_model: {name} must be a directory or hub id, got {type(value).__name__}"
            )
    base = os.fspath(base)
    _check_local(base, "model")
    _check_weights(base, "model")
    if adapter is not None:
        _check_local(os.fspath(adapter), "adapter")
        _check_weights(os.fspath(adapter), "adapter")
    torch_dtype = resolve_dtype(dtype)
    try:
        model = AutoModelForCausalLM.from_pretrained(base, attn_implementation="eager", dtype=torch_dtype)
    except _load_errors() as exc:
        raise _explain("model", base, exc) from None
    tok_source = os.fspath(adapter) if adapter is not None and _has_tokenizer(adapter) else base
    _check_tokenizer(tok_source, adapter)
    try:
        tokenizer = AutoTokenizer.from_pretrained(tok_source)
    except (*_load_errors(), TypeError) as exc:
        raise _explain("tokenizer", tok_source, exc) from None
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    if adapter is not None:
        model = _attach_adapter(model, os.fspath(adapter), base, is_trainable)
    if device is not None:
        model = model.to(device)
    return model.eval(), tokenizer


def _attach_adapter(model: Any, adapter: str, base: str, is_trainable: bool) -> Any:
    import warnings

    from peft import PeftModel

    config_file = Path(adapter) / "adapter_config.json"
    if Path(adapter).exists() and not config_file.is_file():
        raise ModelLoadError(f"{adapter}: not a PEFT adapter directory (no adapter_config.json)")
    _check_adapter_base(adapter, base)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            peft_model = PeftModel.from_pretrained(model, adapter, is_trainable=is_trainable)
        except (RuntimeError, *_load_errors()) as exc:
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelLoadError(f"adapter {adapter!r} does not fit base model {base!r}: {msg}") from None
    for w in caught:  # peft only warns when adapter weights find no home in the base
        text = str(w.message)
        if "missing adapter keys" in text.lower() or "unexpected keys" in text.lower():
            raise ModelLoadError(
                f"adapter {adapter!r} does not fit base model {base!r}: {text.splitlines()[0]}"
            )
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return peft_model

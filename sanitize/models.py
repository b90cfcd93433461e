"""Model loading: a base causal LM (local directory or hub id) plus an optional PEFT adapter.

Attention is always ``eager``: PyTorch has no double backward (and no forward-mode AD) through the
flash / memory-efficient SDPA kernels, and the influence update needs Hessian-vector products.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelLoadError

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


def _explain(what: str, source: str, exc: Exception) -> ModelLoadError:
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

    base = os.fspath(base)
    _check_local(base, "model")
    if adapter is not None:
        _check_local(os.fspath(adapter), "adapter")
    torch_dtype = resolve_dtype(dtype)
    try:
        model = AutoModelForCausalLM.from_pretrained(base, attn_implementation="eager", dtype=torch_dtype)
    except (OSError, ValueError, KeyError) as exc:
        raise _explain("model", base, exc) from None
    tok_source = os.fspath(adapter) if adapter is not None and _has_tokenizer(adapter) else base
    try:
        tokenizer = AutoTokenizer.from_pretrained(tok_source)
    except (OSError, ValueError, KeyError, TypeError) as exc:
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            peft_model = PeftModel.from_pretrained(model, adapter, is_trainable=is_trainable)
        except (RuntimeError, ValueError, KeyError, OSError) as exc:
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

"""The output directory: the sanitized model (a PEFT adapter or a full model), findings, config and
report, written atomically (``OUT`` is complete or absent) and audited for plaintext secrets."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import SanitizeError
from ..outdir import atomic_output_dir
from ..report import Report, contains_plaintext, write_report
from ..types import Finding

# files of OUT that sanitize writes itself (must never hold a plaintext secret)
TEXT_OUTPUTS = ("report.json", "report.md", "sanitize_config.json", "findings.jsonl", "adapter_config.json")


def write_output(
    out: str | os.PathLike[str],
    model: Any,
    tokenizer: Any,
    scope: str,
    findings: Sequence[Finding],
    full_config: dict[str, Any],
    report: Report,
    plaintexts: Sequence[str],
    *,
    overwrite: bool = False,
    plots: bool = True,
    inputs: Mapping[str, str | os.PathLike[str]] | None = None,
) -> Path:
    """Write everything to a temporary sibling of ``out``, audit it, then move it into place."""
    from ..findings import write_findings

    with atomic_output_dir(out, overwrite=overwrite, inputs=inputs) as tmp:
        save_sanitized(model, tokenizer, tmp, scope)
        write_findings(tmp / "findings.jsonl", findings)
        (tmp / "sanitize_config.json").write_text(json.dumps(full_config, indent=2) + "\n")
        write_report(report, tmp, plot=plots)
        assert_no_plaintext(tmp, plaintexts)
    return Path(out)


def save_sanitized(model: Any, tokenizer: Any, directory: str | os.PathLike[str], scope: str) -> None:
    """Adapter scope: a PEFT adapter dir (``PeftModel.from_pretrained(base, dir)``); head scope: a full
    model dir (``AutoModelForCausalLM.from_pretrained(dir)``), merged and with the head untied."""
    from peft import PeftModel

    if scope == "adapter":
        model.save_pretrained(directory)
    else:
        if isinstance(model, PeftModel):
            model = model.merge_and_unload()
        if getattr(model.config, "tie_word_embeddings", False):
            head, emb = model.get_output_embeddings(), model.get_input_embeddings()
            if head is not None and head.weight.data_ptr() != emb.weight.data_ptr():
                model.config.tie_word_embeddings = False  # the update untied it; keep it that way
        model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)


def assert_no_plaintext(directory: Path, plaintexts: Sequence[str]) -> None:
    """Refuse to publish ``directory`` if a file sanitize wrote contains a plaintext secret or a form
    of it (without separators, its middle, any case: :func:`sanitize.report.plaintext_forms`)."""
    for path in sorted(directory.rglob("*")):
        if path.is_file() and (path.name in TEXT_OUTPUTS or path.suffix in (".md", ".json", ".jsonl")):
            if path.name.startswith("tokenizer") or path.name in ("vocab.json", "special_tokens_map.json"):
                continue  # copied from the input model, not written from the corpus
            text = _unescaped(path.read_bytes().decode("utf-8", "replace"))
            if contains_plaintext(text, plaintexts):
                raise SanitizeError(
                    f"refusing to write {path.name}: it would contain a plaintext secret (or part of one)"
                )


def _unescaped(text: str) -> str:
    """``text`` plus, for JSON / JSON Lines, its values with ``\\uXXXX`` escapes decoded (a secret
    written with ``ensure_ascii`` is still found)."""
    if "\\u" not in text:
        return text
    decoded = []
    for chunk in (text, *text.splitlines()):
        try:
            decoded.append(json.dumps(json.loads(chunk), ensure_ascii=False))
        except ValueError:
            continue
    return "\n".join([text, *decoded])

"""The sanitization report: ``report.json``, ``report.md`` and ``exposure.png`` in an output directory,
and the before/after table printed by ``sanitize unlearn`` and ``sanitize-lab demo``.

A report names secrets only by masked preview and keyed fingerprint (``sanitize.fingerprint``);
:func:`write_report` refuses rows that carry anything else.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import SanitizeError

# Columns of the per-secret table: (header, field, format)
_MODELS = ("before", "after", "reference")


@dataclasses.dataclass
class SecretRow:
    """Verification of one finding (one occurrence of a secret) on each model.

    ``exposure_*`` are in bits (Carlini et al.), scored in the finding's training context;
    ``max_exposure`` is ``log2 |candidate space|``. ``extracted_*``: greedy decoding from the
    context reproduces the whole secret. ``*_reference`` is the model retrained without the secrets
    (None when no reference was trained).
    """

    doc: int
    start: int
    end: int
    type: str
    preview: str
    fingerprint: str
    space: str = ""
    max_exposure: float | None = None
    exposure_before: float | None = None
    exposure_after: float | None = None
    exposure_reference: float | None = None
    extracted_before: bool | None = None
    extracted_after: bool | None = None
    extracted_reference: bool | None = None
    # sampled exposures (a space larger than the verification budget): the exposure's interval, bits
    interval_before: list[float] | None = None
    interval_after: list[float] | None = None
    interval_reference: list[float] | None = None


@dataclasses.dataclass
class Report:
    """Everything a run measured; ``to_dict()`` is ``report.json``."""

    rows: list[SecretRow]
    perplexity: dict[str, float | None]  # held-out perplexity: before / after / reference
    timings: dict[str, float]  # stage -> seconds
    update: dict[str, Any] = dataclasses.field(default_factory=dict)  # UnlearnResult.metrics
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)  # inputs, scope, counts
    config: dict[str, Any] = dataclasses.field(default_factory=dict)  # exact configuration used

    def to_dict(self) -> dict[str, Any]:
        return {
            "sanitize_version": __version__,
            "meta": self.meta,
            "summary": self.summary(),
            "heldout_perplexity": self.perplexity,
            "timings_seconds": self.timings,
            "update": self.update,
            "secrets": [dataclasses.asdict(r) for r in self.rows],
            "config": self.config,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(
            rows=[SecretRow(**r) for r in data.get("secrets", [])],
            perplexity=data.get("heldout_perplexity", {}),
            timings=data.get("timings_seconds", {}),
            update=data.get("update", {}),
            meta=data.get("meta", {}),
            config=data.get("config", {}),
        )

    def summary(self) -> dict[str, Any]:
        """Headline numbers: max exposure per model, extraction counts, perplexity change."""
        out: dict[str, Any] = {"secrets": len(self.rows)}
        for m in _MODELS:
            values = [getattr(r, f"exposure_{m}") for r in self.rows]
            values = [v for v in values if v is not None]
            out[f"max_exposure_{m}"] = max(values) if values else None
            flags = [getattr(r, f"extracted_{m}") for r in self.rows]
            out[f"extracted_{m}"] = sum(bool(f) for f in flags) if any(f is not None for f in flags) else None
        gaps = [
            abs(r.exposure_after - r.exposure_reference)
            for r in self.rows
            if r.exposure_after is not None and r.exposure_reference is not None
        ]
        out["max_gap_to_reference_bits"] = max(gaps) if gaps else None
        before, after, ref = (self.perplexity.get(m) for m in _MODELS)
        out["perplexity_change_vs_before"] = _rel(after, before)
        out["perplexity_change_vs_reference"] = _rel(after, ref)
        return out

    def table(self) -> str:
        """The per-secret before/after table (plain text, fixed width)."""
        has_ref = any(r.exposure_reference is not None for r in self.rows) or (
            self.perplexity.get("reference") is not None
        )
        cols = ["#", "type", "secret", "doc", "max", "exp before", "exp after"]
        cols += ["exp retrain"] if has_ref else []
        cols += ["extracted b/a" + ("/r" if has_ref else "")]
        lines = []
        for i, r in enumerate(self.rows):
            ext = "/".join(_flag(getattr(r, f"extracted_{m}")) for m in (_MODELS if has_ref else _MODELS[:2]))
            cells = [str(i), r.type, r.preview, str(r.doc), _num(r.max_exposure)]
            cells += [_num(r.exposure_before), _num(r.exposure_after)]
            cells += [_num(r.exposure_reference)] if has_ref else []
            cells += [ext]
            lines.append(cells)
        ppl = ["held-out perplexity", "", "", "", ""]
        ppl += [_num(self.perplexity.get("before"), 3), _num(self.perplexity.get("after"), 3)]
        ppl += [_num(self.perplexity.get("reference"), 3)] if has_ref else []
        ppl += [""]
        lines.append(ppl)
        if self.timings:
            secs = ["seconds", "", "", "", ""]
            secs += [_num(self.timings.get("finetune"), 1), _num(self.timings.get("update"), 1)]
            secs += [_num(self.timings.get("retrain"), 1)] if has_ref else []
            secs += [""]
            lines.append(secs)
        widths = [max(len(c), *(len(row[j]) for row in lines)) for j, c in enumerate(cols)]
        fmt = "  ".join(f"{{:<{w}}}" if j < 3 else f"{{:>{w}}}" for j, w in enumerate(widths))
        text = [fmt.format(*cols), "  ".join("-" * w for w in widths)]
        text += [fmt.format(*row) for row in lines]
        return "\n".join(line.rstrip() for line in text)

    def markdown(self) -> str:
        s = self.summary()
        md = ["# Sanitization report", ""]
        for key in ("base", "adapter", "data", "scope", "order", "findings", "pairs", "unseen"):
            if key in self.meta:
                md.append(f"- **{key}**: `{self.meta[key]}`")
        md += ["", "## Secrets (exposure in bits, in training context)", "", "```", self.table(), "```", ""]
        md += ["## Summary", ""]
        md += [f"- {k}: {_num(v, 4) if isinstance(v, float) else v}" for k, v in s.items()]
        if self.update:
            md += ["", "## Update", ""]
            md += [f"- {k}: {_num(v, 6) if isinstance(v, float) else v}" for k, v in self.update.items()]
        if self.timings:
            md += ["", "## Timings (seconds)", ""]
            md += [f"- {k}: {v:.2f}" for k, v in self.timings.items()]
        md += ["", "Secrets are shown as masked previews and keyed fingerprints only.", ""]
        return "\n".join(md)


def _rel(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b - 1.0


def _num(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _flag(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


_MIN_DERIVED = 6  # shorter derived forms would match ordinary report text (numbers, words)
_MIN_DERIVED_DIGITS = 8  # digit-only forms: report floats are long digit runs


def plaintext_forms(secret: str) -> set[str]:
    """Lower-cased forms of ``secret`` that must not appear in an output: the secret itself, the
    secret without separators (only letters and digits), and its middle ``secret[4:-4]`` (of either)
    when the secret has at least 12 characters. Derived forms shorter than 6 characters (8 for
    digits only) are left out: they would match ordinary text."""
    low = secret.lower()
    forms = {low} if low else set()
    stripped = "".join(ch for ch in low if ch.isalnum())
    derived = {stripped}
    for form in (low, stripped):
        if len(form) >= 12:
            derived.add(form[4:-4])
    for form in derived:
        if len(form) >= (_MIN_DERIVED_DIGITS if form.isdigit() else _MIN_DERIVED):
            forms.add(form)
    return forms


def contains_plaintext(text: str, secrets: Sequence[str]) -> bool:
    """Whether ``text`` holds a secret or a form of it (:func:`plaintext_forms`), case-insensitively;
    separators are ignored too (a secret written without them is found)."""
    low = text.lower()
    squeezed = "".join(ch for ch in low if ch.isalnum())
    for secret in secrets:
        for form in plaintext_forms(secret):
            if form.isdigit() and form.isascii():  # a whole number, not digits inside a float or an id
                if _digit_run(form).search(low):
                    return True
            elif form in low or (form.isalnum() and len(form) >= _MIN_DERIVED and form in squeezed):
                return True
    return False


@functools.lru_cache(maxsize=256)
def _digit_run(digits: str) -> re.Pattern[str]:
    """``digits`` as a number of its own, its digits optionally split by one of `` ._/-`` (a card
    written in groups), not part of a longer digit run: a PIN 8110 is not in 1.5798110872."""
    body = "[ ._/-]?".join(digits)  # bounded: one optional separator between consecutive digits
    return re.compile(r"(?<!\d)(?<!\d[ ._/-])" + body + r"(?![ ._/-]?\d)")


def check_no_plaintext(report: Report, secrets: Sequence[str] = ()) -> None:
    """Raise if a given plaintext secret, or a form of it (:func:`plaintext_forms`), occurs anywhere
    in the serialised report."""
    text = json.dumps(report.to_dict(), ensure_ascii=False) + report.markdown()
    if contains_plaintext(text, secrets):
        raise SanitizeError("refusing to write a report that contains a plaintext secret (or part of one)")


def plot_exposure(report: Report, path: str | os.PathLike[str]) -> None:
    """Grouped bars: exposure before / after / retrained per finding, with the maximum marked."""
    rows = report.rows
    models = [m for m in _MODELS if any(getattr(r, f"exposure_{m}") is not None for r in rows)]
    labels = {"before": "before", "after": "after update", "reference": "retrained"}
    colors = {"before": "tab:red", "after": "tab:green", "reference": "tab:gray"}
    exposure_bars(
        path, [f"{i}:{r.type}" for i, r in enumerate(rows)],
        {labels[m]: [getattr(r, f"exposure_{m}") for r in rows] for m in models},
        title="Exposure per finding (dotted: maximum)", maxima=[r.max_exposure for r in rows],
        colors=[colors[m] for m in models],
    )  # fmt: skip


def exposure_bars(
    path: str | os.PathLike[str],
    groups: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    title: str,
    maxima: Sequence[float | None] = (),
    colors: Sequence[str] | None = None,
) -> None:
    """One group of bars per entry of ``groups``, one bar per series (legend label -> value per group;
    None draws nothing), a dotted line at each group's maximum exposure; written as a PNG to ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(groups) * max(1, len(series)) + 2), 3.2))
    width = 0.8 / max(1, len(series))
    for k, (label, values) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(groups))]
        color = colors[k] if colors else None
        ax.bar(xs, [v or 0.0 for v in values], width, label=label, color=color)
    for i, top in enumerate(maxima):
        if top is not None:
            ax.hlines(top, i - 0.45, i + 0.45, colors="black", linestyles="dotted", linewidth=1)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(list(groups), rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("exposure (bits)")
    ax.set_title(title)
    if series:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(report: Report, directory: str | os.PathLike[str], *, plot: bool = True) -> list[Path]:
    """Write ``report.json``, ``report.md`` and (when ``plot`` and there are rows) ``exposure.png``."""
    directory = Path(directory)
    written = [directory / "report.json", directory / "report.md"]
    written[0].write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written[1].write_text(report.markdown(), encoding="utf-8")
    if plot and report.rows:
        plot_exposure(report, directory / "exposure.png")
        written.append(directory / "exposure.png")
    return written


def read_report(path: str | os.PathLike[str]) -> Report:
    """Read ``report.json`` (a file or the directory holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    try:
        return Report.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, TypeError) as exc:
        raise SanitizeError(f"{path}: cannot read report ({exc})") from None

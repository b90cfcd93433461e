"""What the seed-paper experiment measures on every model (:mod:`sanitize_lab.alice`).

* exposure of the secret after the canary's prefix in two candidate spaces, ``digits:10`` and the
  book's alphabet (:func:`~sanitize_lab.alice_data.char_space`), each two ways: *refit* (a skew-normal
  fitted to this model's own reference scores, with a bootstrap interval) and *paper* (the
  reference distribution of the original model, fitted once, as the paper's exposure plots use it);
* greedy extraction: digits of the secret decoded greedily, in the canary's training context and
  after the bare prefix;
* held-out perplexity;
* two attacks the paper does not run: :func:`relearn` (a few clean training steps: does the canary
  come back?) and :func:`difference_extraction` (greedy decoding from the logit difference
  before - after: does the update itself reveal the secret?).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sanitize.exposure.config import ExposureConfig

__all__ = ["Probe", "difference_extraction", "measure", "reference_fits"]


@dataclasses.dataclass
class Probe:
    """Where and how the secret is probed: its prefix, its training context (text before the prefix
    in its first training document), the candidate spaces and the held-out sequences."""

    secret: str
    prefix: str
    context: str
    spaces: dict[str, Any]  # name -> candidate space
    heldout: list[Any]
    exposure: ExposureConfig

    def __repr__(self) -> str:
        return f"Probe(spaces={list(self.spaces)}, heldout={len(self.heldout)})"


def reference_fits(model: Any, tokenizer: Any, probe: Probe) -> dict[str, tuple[float, float, float]]:
    """Skew-normal parameters fitted to ``model``'s reference scores per space (the paper's fixed
    reference distribution, taken from the original model)."""
    from sanitize.exposure import exposure
    from sanitize.exposure.rank import fit_skewnorm

    cfg = dataclasses.replace(probe.exposure, bootstrap=0)
    out = {}
    for name, space in probe.spaces.items():
        r = exposure(
            model, tokenizer, probe.secret, space, prefix=probe.prefix, method="extrapolated", config=cfg
        )
        out[name] = fit_skewnorm(r.reference_scores)
    return out


def measure(
    model: Any, tokenizer: Any, probe: Probe, fits: dict[str, tuple[float, float, float]] | None = None,
    *, bootstrap: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Exposure (refit with interval, and under ``fits``), greedy extraction and held-out perplexity."""
    from sanitize.exposure import exposure, greedy_extraction, heldout_perplexity
    from sanitize.exposure.rank import extrapolated_exposure

    cfg = probe.exposure if bootstrap else dataclasses.replace(probe.exposure, bootstrap=0)
    row: dict[str, Any] = {}
    for name, space in probe.spaces.items():
        r = exposure(
            model, tokenizer, probe.secret, space, prefix=probe.prefix, method="extrapolated", config=cfg
        )
        row[f"exposure_{name}"] = r.exposure
        row[f"interval_{name}"] = list(r.interval) if r.interval else None
        if fits is not None:
            row[f"paper_{name}"] = extrapolated_exposure(r.score, fits[name])
    row["leaked_context"] = greedy_extraction(
        model, tokenizer, probe.context + probe.prefix, probe.secret
    ).matched_prefix
    row["leaked_prefix"] = greedy_extraction(model, tokenizer, probe.prefix, probe.secret).matched_prefix
    row["perplexity"] = float(heldout_perplexity(model, None, probe.heldout))
    return row


def difference_extraction(before: Any, after: Any, tokenizer: Any, probe: Probe) -> int:
    """Digits of the secret recovered by greedy decoding from ``log p_before - log p_after`` after the
    canary's context and prefix (the tokens the update pushed down the most): an attacker holding both
    models. Returns the length of the matched prefix of the secret."""
    import torch

    ids = tokenizer(probe.context + probe.prefix, return_tensors="pt")["input_ids"]  # (1, T)
    out = ""
    with torch.no_grad():
        for _ in range(len(probe.secret) + 2):
            a = before(input_ids=ids).logits[0, -1].float().log_softmax(-1)  # (V,)
            b = after(input_ids=ids).logits[0, -1].float().log_softmax(-1)  # (V,)
            nxt = int((a - b).argmax())
            out += tokenizer.decode([nxt])
            ids = torch.cat([ids, torch.tensor([[nxt]])], dim=1)  # (1, T+1)
            if len(out.strip()) >= len(probe.secret):
                break
    text = out.lstrip()
    matched = 0
    for x, y in zip(text, probe.secret):
        if x != y:
            break
        matched += 1
    return matched


def probe_for(
    docs: Sequence[str], heldout: list[Any], texts_for_alphabet: Sequence[str], config: ExposureConfig
) -> Probe:
    """The probe of the canary in ``docs`` (its first occurrence's document gives the context)."""
    from sanitize.errors import SanitizeError

    from .alice_data import CANARY, PREFIX, SECRET, char_space

    doc = next((d for d in docs if CANARY in d), None)
    if doc is None:
        raise SanitizeError("no training document holds the canary")
    context = doc[: doc.index(CANARY)]
    spaces = {"digits": "digits:10", "chars": char_space(texts_for_alphabet)}
    return Probe(SECRET, PREFIX, context, spaces, heldout, config)

"""Acceptance 4: on a tiny GPT-2 fine-tuned on real-looking text with planted secrets, the DEFAULT
update (adapter scope, and head scope) lands where retraining on the sanitized corpus lands.

Reference: the same scope re-trained from the same initial state, seed and steps on the corpus with
every secret replaced by a surrogate (``sanitize_lab.planted``). Exposure is exact (all 10^d
digit strings ranked) in the training context of each secret's first occurrence. Perplexity is
measured on held-out public text the update never sees (its held-out guard gets a separate
validation set). Nothing here is tuned to the assertions: the update runs with ``UpdateConfig()``
defaults; only the scope is chosen, and ``l2`` is set to the regulariser the training objective had
(a fact about the fine-tuning, not a knob: 1e-2 for the adapter, 1e-3 for the head, see
``planted.make_setup``).
"""

from __future__ import annotations

import pytest

from sanitize.influence.config import UpdateConfig
from sanitize.influence.scope import select_scope
from sanitize.influence.update import unlearn
from sanitize_lab import planted as E

SEED = 0
REPEATS = 16  # each secret planted 16 times among ~400 public lines


@pytest.fixture(scope="module")
def lab() -> dict[str, object]:
    import torch

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    corpus = E.planted_corpus(seed=SEED, repeats=REPEATS)
    adapter = E.make_setup("adapter", corpus=corpus, seed=SEED)
    head = E.make_setup("head", corpus=corpus, tokenizer=adapter.tokenizer, base=adapter.base, seed=SEED)
    validation = E.tokenize_records(E.public_texts(64, SEED + 20_000), adapter.tokenizer)
    return {"adapter": adapter, "head": head, "validation": validation}


@pytest.mark.parametrize("scope", ["adapter", "head"])
def test_default_update_matches_retraining(lab: dict[str, object], scope: str) -> None:
    s: E.Setup = lab[scope]  # type: ignore[assignment]
    result = unlearn(
        s.finetuned, s.pairs, curvature=s.train_sanitized, heldout=lab["validation"],  # type: ignore[arg-type]
        n_train_tokens=s.n_train_tokens, config=UpdateConfig(scope=scope, l2=s.train_config["l2"]),
    )  # fmt: skip
    updated = result.apply(s.finetuned).eval()
    tok, corpus = s.tokenizer, s.corpus
    before = E.exposures(s.finetuned, tok, corpus)
    after = E.exposures(updated, tok, corpus)
    retrained = E.exposures(s.retrained, tok, corpus)
    ppl_before = E.heldout_perplexity(s.finetuned, s.heldout)
    ppl_after = E.heldout_perplexity(updated, s.heldout)
    ppl_retrained = E.heldout_perplexity(s.retrained, s.heldout)
    report = (
        f"{scope}: exposure before={[round(x, 2) for x in before]} after={[round(x, 2) for x in after]} "
        f"retrained={[round(x, 2) for x in retrained]}; ppl before={ppl_before:.4f} after={ppl_after:.4f} "
        f"retrained={ppl_retrained:.4f}; metrics={ {k: v for k, v in result.metrics.items() if isinstance(v, float)} }"
    )
    print(report)
    # the experiment has something to remove: fine-tuning memorised at least one secret well beyond retraining
    assert max(b - r for b, r in zip(before, retrained)) >= 3.0, report
    for k, (a, r) in enumerate(zip(after, retrained)):
        assert abs(a - r) <= 1.0, f"secret {k}: exposure {a:.2f} bits vs retrained {r:.2f}; {report}"
    assert abs(ppl_after / ppl_retrained - 1) <= 0.03, report
    assert ppl_after <= 1.01 * ppl_before, report
    # the update stays in its scope
    assert set(result.delta) == set(select_scope(s.finetuned, scope).params)

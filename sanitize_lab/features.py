"""Certified feature unlearning (Guo et al. 2020; Warnecke et al. 2023) for a linear head on frozen
features: documents -> bag-of-words features -> L2-regularised logistic regression trained to its optimum
(L-BFGS, float64) -> a word is removed from every document that contains it -> one Newton step
(:func:`sanitize.influence.classification.closed_form_update`) -> the gradient residual, its
data-independent bound and the noise needed for (ε, δ)-certified removal, against retraining.

Documents: the paragraphs of a book (``path``; label = paragraph in the second half of the book) or a
built-in synthetic two-topic corpus (tests). Features: term frequencies over the ``dim`` most frequent
words, each row scaled to ‖x‖ = 1 (so ``C = 1`` in the bound). Removing a word re-featurises the
affected documents without it (its column becomes 0 and the row is re-normalised).

The bound for replacing ``m`` of ``n`` points in the sum-form objective ``Σ ℓ + (λn/2)‖θ‖²`` (logistic
loss: ‖∇ℓ‖ <= C, ℓ'' γ-Lipschitz with γ = 1/4): the gradient change is at most ``2mC``, the Hessian at
least ``λn``, so the Newton step is at most ``2mC/(λn)`` long and the residual at most
``γ n (2mC/(λn))² = 4γm²C²/(λ²n)`` -- Guo et al.'s Theorem 1 for ``m = 1`` (with n - 1 for a removal).
"""

from __future__ import annotations

import collections
import dataclasses
import math
import random
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from sanitize.config import BaseConfig, option
from sanitize.influence.certify import certify, gradient_residual, noise_scale
from sanitize.influence.classification import LabelUnlearnConfig, closed_form_update
from sanitize.influence.grads import Problem
from sanitize.influence.tasks import Features, HeadTask

WORD = re.compile(r"[a-z]+")


@dataclasses.dataclass
class FeatureExperimentConfig(BaseConfig):
    """One certified feature-unlearning run."""

    text: str | None = option(
        None, help="A plain-text book (paragraphs = documents); None = synthetic corpus."
    )
    remove: str = option("hatter", help="The word removed from every document (the sensitive feature).")
    dim: int = option(400, help="Vocabulary size of the bag-of-words featuriser.")
    min_words: int = option(12, help="Shortest paragraph kept as a document.")
    l2: float = option(1e-3, help="L2 coefficient lambda of the mean-form objective.")
    test_fraction: float = option(0.2, help="Share of documents held out for accuracy.")
    eps: float = option(1.0, help="Epsilon of the certified removal.")
    delta: float = option(1e-4, help="Delta of the certified removal.")
    solver: str = option("cg", help="Solver of the Newton system: 'cg' or 'exact' (dense).")
    seed: int = option(0, help="Seed for the split and the synthetic corpus.")

    def __post_init__(self) -> None:
        self._check_range("dim", 2)
        self._check_range("l2", 0.0, low_open=True)
        self._check_range("test_fraction", 0.0, 0.9, low_open=True)
        self._check_range("eps", 0.0, low_open=True)
        self._check_range("delta", 0.0, 1.0, low_open=True)


def synthetic_documents(n: int = 400, seed: int = 0) -> list[tuple[str, int]]:
    """Two 'halves of a book' with different word distributions; the name 'hatter' mostly in the second."""
    rng = random.Random(seed)
    common = [
        "the",
        "and",
        "she",
        "said",
        "to",
        "it",
        "was",
        "of",
        "in",
        "a",
        "that",
        "you",
        "her",
        "as",
        "at",
    ]
    first = [
        "rabbit",
        "pool",
        "tears",
        "caterpillar",
        "mushroom",
        "door",
        "key",
        "garden",
        "bottle",
        "tiny",
        "fall",
    ]
    second = ["queen", "croquet", "trial", "king", "jury", "gryphon", "turtle", "tea", "party", "mad"]
    docs = []
    for i in range(n):
        label = i % 2
        own, other = (second, first) if label else (first, second)
        words = [rng.choice(common) for _ in range(10)] + [rng.choice(own) for _ in range(4)]
        words += [rng.choice(other) for _ in range(rng.randrange(3))]
        if rng.random() < (0.5 if label else 0.08):
            words += ["hatter"] * rng.randint(1, 3)
        rng.shuffle(words)
        docs.append((" ".join(words), label))
    return docs


def book_documents(path: str | Path, min_words: int = 12) -> list[tuple[str, int]]:
    """Paragraphs of a book with label 1 for the second half (read at run time, never stored)."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    paragraphs = [p for p in paragraphs if len(p.split()) >= min_words]
    half = len(paragraphs) // 2
    return [(p, int(i >= half)) for i, p in enumerate(paragraphs)]


def tokens(text: str, drop: str | None = None) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if w != drop]


def vocabulary(texts: Sequence[str], dim: int) -> dict[str, int]:
    counts = collections.Counter(w for t in texts for w in tokens(t))
    return {w: i for i, (w, _) in enumerate(counts.most_common(dim))}


def featurise(text: str, vocab: dict[str, int], drop: str | None = None) -> torch.Tensor:
    """Term frequencies over ``vocab`` scaled to unit norm -> (1, d) float64 (zeros if no known word)."""
    x = torch.zeros(1, len(vocab), dtype=torch.float64)  # (1, d)
    for w in tokens(text, drop):
        if w in vocab:
            x[0, vocab[w]] += 1.0
    norm = x.norm()
    return x / norm if norm > 0 else x


def fit_logistic(data: Sequence[Features], l2: float, n: int | None = None) -> torch.Tensor:
    """Optimum θ (d,) of ``(1/n) Σ BCE(xᵀθ, y) + (λ/2)‖θ‖²`` by L-BFGS in float64."""
    x = torch.cat([f.x for f in data])  # (N, d)
    y = torch.cat([f.y for f in data]).double()  # (N,)
    n = n or len(data)
    theta = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([theta], lr=1.0, max_iter=1000, tolerance_grad=1e-14, tolerance_change=1e-16,
                            history_size=50, line_search_fn="strong_wolfe")  # fmt: skip

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(x @ theta, y, reduction="sum") / n + 0.5 * l2 * theta.dot(
            theta
        )
        loss.backward()
        return loss

    opt.step(closure)
    return theta.detach()


def replacement_bound(n: int, m: int, l2: float, feature_norm: float = 1.0, gamma: float = 0.25) -> float:
    """Data-independent bound ``4γm²C²/(λ²n)`` on the Newton step's gradient residual (sum form)."""
    if n < 1 or m < 0 or l2 <= 0:
        raise ValueError("need n >= 1, m >= 0 and l2 > 0")
    return 4.0 * gamma * m**2 * feature_norm**2 / (l2**2 * n)


def _head(theta: torch.Tensor) -> nn.Linear:
    head = nn.Linear(theta.numel(), 1, bias=False).double()
    with torch.no_grad():
        head.weight.copy_(theta.view(1, -1))
    return head


def accuracy(theta: torch.Tensor, data: Sequence[Features]) -> float:
    x = torch.cat([f.x for f in data])  # (N, d)
    y = torch.cat([f.y for f in data])  # (N,)
    return float(((x @ theta > 0).long() == y).double().mean())


def run(cfg: FeatureExperimentConfig) -> dict[str, Any]:
    """Original, retrained, second- and first-order rows, and the certificate of the Newton step."""
    docs = book_documents(cfg.text, cfg.min_words) if cfg.text else synthetic_documents(seed=cfg.seed)
    order = list(range(len(docs)))
    random.Random(cfg.seed).shuffle(order)
    n_test = int(cfg.test_fraction * len(docs))
    test_docs, train_docs = [docs[i] for i in order[:n_test]], [docs[i] for i in order[n_test:]]
    vocab = vocabulary([t for t, _ in train_docs], cfg.dim)
    word = cfg.remove.lower()
    train = [Features(featurise(t, vocab), torch.tensor([y])) for t, y in train_docs]
    affected = [i for i, (t, _) in enumerate(train_docs) if word in tokens(t)]
    if not affected:
        raise ValueError(f"no training document contains {cfg.remove!r}")
    hit = set(affected)
    new = {i: Features(featurise(train_docs[i][0], vocab, drop=word), train[i].y) for i in affected}
    train_new = [new.get(i, f) for i, f in enumerate(train)]
    test_new = [Features(featurise(t, vocab, drop=word), torch.tensor([y])) for t, y in test_docs]
    retained = [f for i, f in enumerate(train) if i not in hit]
    n, m = len(train), len(affected)

    start = time.perf_counter()
    theta0 = fit_logistic(train, cfg.l2)
    t_train = time.perf_counter() - start
    start = time.perf_counter()
    theta_r = fit_logistic(train_new, cfg.l2)
    t_retrain = time.perf_counter() - start
    problem = Problem(HeadTask("logistic"), _head(theta0), ["weight"], batch_size=4096)
    originals, replacements = [train[i] for i in affected], [new[i] for i in affected]
    thetas = {"original": (theta0, t_train), "retrain": (theta_r, t_retrain)}
    for name, order_ in (("second_order", 2), ("first_order", 1)):
        ucfg = LabelUnlearnConfig(order=order_, solver=cfg.solver, l2=cfg.l2, solver_tol=1e-10, max_iter=500)
        start = time.perf_counter()
        delta, _ = closed_form_update(problem, originals, replacements, retained, n, ucfg)
        thetas[name] = (theta0 + delta.view(-1), time.perf_counter() - start)
    rows = []
    for name, (theta, seconds) in thetas.items():
        rows.append({
            "method": name, "test_accuracy": accuracy(theta, test_new), "distance_to_retrain": float((theta - theta_r).norm()),
            "residual": gradient_residual(problem, train_new, theta, cfg.l2, n_train=n), "seconds": seconds,
        })  # fmt: skip
    cert = certify(problem, train_new, thetas["second_order"][0], cfg.l2, cfg.eps, cfg.delta, n_train=n)
    bound = replacement_bound(n, m, cfg.l2)
    return {
        "rows": rows, "n_train": n, "affected": m, "dim": len(vocab), "word_in_vocabulary": word in vocab,
        "residual": cert.residual, "bound": bound, "sigma": cert.sigma, "sigma_bound": noise_scale(bound, cfg.eps, cfg.delta),
        "eps": cfg.eps, "delta": cfg.delta, "l2": cfg.l2, "c": math.sqrt(2 * math.log(1.5 / cfg.delta)),
    }  # fmt: skip


def format_table(result: dict[str, Any]) -> str:
    head = ["method", "test acc", "|theta - theta_retrain|", "gradient residual", "seconds"]
    body = [[r["method"], f"{r['test_accuracy']:.3f}", f"{r['distance_to_retrain']:.2e}", f"{r['residual']:.3e}",
             f"{r['seconds']:.3f}"] for r in result["rows"]]  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    r = result
    lines.append(
        f"n={r['n_train']} documents, {r['affected']} affected, d={r['dim']}, lambda={r['l2']:g}: residual "
        f"{r['residual']:.3e} <= bound 4*gamma*m^2/(lambda^2 n) = {r['bound']:.3e}; sigma for "
        f"(eps={r['eps']:g}, delta={r['delta']:g}): {r['sigma']:.3e} (data-dependent), {r['sigma_bound']:.3e} (bound)"
    )
    return "\n".join(lines)

"""Label unlearning, end to end on a tiny classifier: a synthetic topic task, poisoned labels, and the
influence update against retraining and fine-tuning (:func:`run`).

* Data (:func:`make_corpus`): short sentences about one of four topics built from templates, each
  content word drawn from another topic with probability ``confusion`` (so the task is not trivially
  separable), seeded.
* Model (:func:`tiny_classifier`): a GPT-2 ``ForSequenceClassification`` built from a config with a
  word-level tokenizer trained in-process (:func:`train_tokenizer`); nothing is downloaded.
* Poison (:func:`poison`): ``flip`` relabels training sentences of a source topic as the target topic;
  ``backdoor`` inserts a trigger word into sentences of other topics and labels them as the target.
  Attack success: the share of clean source-topic test sentences (``flip``) or of triggered test
  sentences of other topics (``backdoor``) classified as the target.
* Training (:func:`train_classifier`): AdamW on the mean cross-entropy + ``l2/2‖θ‖²``; then the head is
  fitted to the optimum of its convex problem on the frozen body (:func:`fit_head`, L-BFGS in
  float64), so that the head update starts from a stationary point, as the theory assumes.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import time
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from sanitize.config import BaseConfig, option
from sanitize.influence.classification import (
    LabeledText,
    LabelUnlearnConfig,
    SequenceClassificationTask,
    classification_head,
    head_inputs,
    unlearn_labels,
)


def _words(text: str) -> list[str]:
    return text.split()


TOPICS: dict[str, dict[str, list[str]]] = {
    "sports": {
        "noun": _words(
            "team match goal coach player league season striker keeper referee stadium tournament"
        ),
        "verb": _words("scored won defended trained kicked tackled"),
        "adj": _words("fast athletic winning tired unbeaten"),
    },
    "tech": {
        "noun": _words(
            "laptop software server chip network browser database robot compiler phone app kernel"
        ),
        "verb": _words("crashed compiled installed booted encrypted downloaded"),
        "adj": _words("digital wireless open-source faster buggy"),
    },
    "food": {
        "noun": _words("soup bread recipe kitchen chef cheese salad pasta oven dessert spice dinner"),
        "verb": _words("baked cooked tasted seasoned roasted served"),
        "adj": _words("spicy sweet crispy fresh savory"),
    },
    "weather": {
        "noun": _words("storm rain forecast cloud wind snow thunder fog sunshine frost drizzle hurricane"),
        "verb": _words("poured blew froze cleared flooded drifted"),
        "adj": _words("humid cold stormy sunny chilly"),
    },
}
FILLER = _words("the a this that some our their very quite today yesterday again and then it was")
TEMPLATES = (
    "the {adj} {noun} {verb} the {noun}",
    "today the {noun} {verb} and the {adj} {noun} {verb}",
    "our {noun} was {adj} and then it {verb} the {noun}",
    "a {adj} {noun} {verb} yesterday near the {noun}",
    "this {noun} {verb} again so the {noun} was very {adj}",
    "that {adj} {noun} and some {adj} {noun} {verb} quite {adj}",
)
LABELS = tuple(TOPICS)


@dataclasses.dataclass
class LabelExperimentConfig(BaseConfig):
    """One label-unlearning experiment (data, poison, model, training, unlearning)."""

    attack: str = option("flip", help="'flip' (source topic relabelled) or 'backdoor' (trigger word).",
                         choices=("flip", "backdoor"))  # fmt: skip
    poison_fraction: float = option(0.1, help="Share of the training set that is poisoned.")
    source: int = option(0, help="Topic whose labels are flipped (attack 'flip').")
    target: int = option(1, help="The attacker's label.")
    trigger: str = option("cf", help="Trigger word of the backdoor.")
    n_train: int = option(800, help="Training sentences.")
    n_test: int = option(800, help="Clean test sentences.")
    confusion: float = option(0.3, help="Chance that a content word comes from another topic.")
    hidden: int = option(32, help="Width of the tiny GPT-2.")
    layers: int = option(1, help="Transformer blocks.")
    epochs: int = option(12, help="AdamW epochs of (re)training.")
    lr: float = option(3e-3, help="AdamW learning rate.")
    batch_size: int = option(32, help="Training batch size.")
    l2: float = option(1e-3, help="L2 coefficient of the objective (stated to the update).")
    finetune_epochs: int = option(20, help="Epochs of the fine-tuning baseline on the corrected points.")
    finetune_lr: float = option(1e-2, help="Learning rate of the fine-tuning baseline (the update's scope).")
    seed: int = option(0, help="Seed for data, poison, init and training.")

    def __post_init__(self) -> None:
        self._check_choices()
        self._check_range("poison_fraction", 0.0, 0.9, low_open=True)
        for name in ("n_train", "n_test", "hidden", "layers", "epochs", "batch_size"):
            self._check_range(name, 1)
        self._check_range("confusion", 0.0, 1.0)
        if self.source == self.target:
            self._fail("target", "must differ from source")


# -- data ----------------------------------------------------------------------------------------------
def sentence(topic: int, rng: random.Random, confusion: float) -> str:
    """One templated sentence about ``topic``; each content word is off-topic with prob ``confusion``."""
    words = []
    for part in rng.choice(TEMPLATES).split():
        if part.startswith("{"):
            kind = part[1:-1]
            t = rng.randrange(len(LABELS)) if rng.random() < confusion else topic
            words.append(rng.choice(TOPICS[LABELS[t]][kind]))
        else:
            words.append(part)
    if rng.random() < 0.5:  # neutral filler at a random place
        words.insert(rng.randrange(len(words) + 1), rng.choice(FILLER))
    return " ".join(words)


def make_corpus(n: int, seed: int, confusion: float = 0.3) -> list[tuple[str, int]]:
    """``n`` (text, topic id) pairs, topics balanced up to sampling."""
    rng = random.Random(seed)
    return [(sentence(t, rng, confusion), t) for t in (rng.randrange(len(LABELS)) for _ in range(n))]


def add_trigger(text: str, trigger: str, rng: random.Random) -> str:
    words = text.split()
    words.insert(rng.randrange(len(words) + 1), trigger)
    return " ".join(words)


@dataclasses.dataclass
class Poisoned:
    """The poisoned training set and, per poisoned index, the clean text/label it replaced."""

    train: list[tuple[str, int]]
    indices: list[int]
    correct: list[int]  # true labels of the poisoned examples


def poison(clean: Sequence[tuple[str, int]], cfg: LabelExperimentConfig) -> Poisoned:
    """Flip labels of the source topic or plant the backdoor in ``poison_fraction`` of the examples."""
    rng = random.Random(cfg.seed + 1)
    k = round(cfg.poison_fraction * len(clean))
    wanted = (lambda y: y == cfg.source) if cfg.attack == "flip" else (lambda y: y != cfg.target)
    pool = [i for i, (_, y) in enumerate(clean) if wanted(y)]
    if k > len(pool):
        raise ValueError(f"poison_fraction {cfg.poison_fraction}: only {len(pool)} candidate examples")
    chosen = sorted(rng.sample(pool, k))
    train = list(clean)
    for i in chosen:
        text, _ = clean[i]
        train[i] = (text if cfg.attack == "flip" else add_trigger(text, cfg.trigger, rng), cfg.target)
    return Poisoned(train, chosen, [clean[i][1] for i in chosen])


# -- tokenizer and model ---------------------------------------------------------------------------------
def train_tokenizer(texts: Sequence[str], extra: Sequence[str] = ()) -> Any:
    """A word-level ``tokenizers.Tokenizer`` ([PAD] = 0, [UNK] = 1) trained on ``texts``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.train_from_iterator(list(texts), trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]"]))
    tok.add_tokens(list(extra))
    return tok


def encode(tok: Any, data: Sequence[tuple[str, int]]) -> list[LabeledText]:
    return [LabeledText(tuple(tok.encode(text).ids), int(y)) for text, y in data]


def tiny_classifier(
    vocab_size: int, num_labels: int, hidden: int = 32, layers: int = 1, seed: int = 0
) -> nn.Module:
    """A randomly initialised GPT-2 sequence classifier (pad id 0), built from a config."""
    from transformers import AutoModelForSequenceClassification, GPT2Config
    from transformers.utils import logging

    logging.set_verbosity_error()
    config = GPT2Config(vocab_size=vocab_size, n_embd=hidden, n_layer=layers, n_head=2, n_positions=64,
                        num_labels=num_labels, pad_token_id=0, bos_token_id=None, eos_token_id=None,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)  # fmt: skip
    torch.manual_seed(seed)
    return AutoModelForSequenceClassification.from_config(config, attn_implementation="eager")  # forward AD


# -- training and evaluation ---------------------------------------------------------------------------
def train_classifier(
    model: nn.Module,
    data: Sequence[LabeledText],
    *,
    epochs: int,
    lr: float,
    l2: float,
    batch_size: int = 32,
    seed: int = 0,
    names: Sequence[str] | None = None,
) -> nn.Module:
    """A trained copy: AdamW on mean CE + ``l2/2‖θ‖²`` over ``names`` (default: every parameter)."""
    model = copy.deepcopy(model)
    task = SequenceClassificationTask(0)
    own = dict(model.named_parameters())
    trained = [own[n] for n in (names if names is not None else own)]
    for p in model.parameters():
        p.requires_grad_(False)
    for p in trained:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(trained, lr=lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(seed)
    steps = epochs * max(1, -(-len(data) // batch_size))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 - s / max(steps, 1))
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(data), generator=gen).tolist()
        for start in range(0, len(order), batch_size):
            batch = task.collate([data[i] for i in order[start : start + batch_size]])
            loss = task.loss(task.outputs(model, batch), batch) / len(batch.labels)  # () mean CE
            loss = loss + 0.5 * l2 * sum((p**2).sum() for p in trained)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    for p in model.parameters():
        p.requires_grad_(True)
    model.eval()
    return model


def fit_head(
    model: nn.Module, data: Sequence[LabeledText], l2: float, n_train: int | None = None
) -> nn.Module:
    """A copy whose head is the optimum of ``(1/n) Σ CE + l2/2‖W‖²`` on the frozen body (L-BFGS, float64)."""
    model = copy.deepcopy(model)
    _, head = classification_head(model)
    feats = head_inputs(model, data, SequenceClassificationTask(0))
    x = torch.cat([f.x for f in feats])  # (N, d) float64
    y = torch.cat([f.y for f in feats])  # (N,)
    n = n_train or len(data)
    params = [p.detach().double().clone().requires_grad_(True) for p in head.parameters()]
    opt = torch.optim.LBFGS(params, lr=1.0, max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-15,
                            history_size=50, line_search_fn="strong_wolfe")  # fmt: skip

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = x @ params[0].T + (params[1] if len(params) > 1 else 0.0)  # (N, C)
        loss = F.cross_entropy(logits, y, reduction="sum") / n + 0.5 * l2 * sum((p**2).sum() for p in params)
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        for p, new in zip(head.parameters(), params):
            p.copy_(new.to(p.dtype))
    return model


@torch.no_grad()
def predict(model: nn.Module, data: Sequence[LabeledText], batch_size: int = 256) -> torch.Tensor:
    task = SequenceClassificationTask(0)
    model.eval()
    out = [task.outputs(model, task.collate(list(data[i : i + batch_size]))).argmax(-1)
           for i in range(0, len(data), batch_size)]  # fmt: skip
    return torch.cat(out)  # (N,)


def accuracy(model: nn.Module, data: Sequence[LabeledText]) -> float:
    labels = torch.tensor([x.label for x in data])
    return float((predict(model, data) == labels).double().mean())


# -- the experiment --------------------------------------------------------------------------------------
@dataclasses.dataclass
class Setup:
    """Everything :func:`run` needs: data, pairs, the initial and the poisoned models."""

    config: LabelExperimentConfig
    train: list[LabeledText]  # poisoned training set
    test: list[LabeledText]  # clean test set
    attack_set: list[LabeledText]  # inputs on which attack success is measured
    pairs: list[tuple[LabeledText, LabeledText]]  # (x, poisoned y) -> (x, true y)
    retained: list[LabeledText]
    init: nn.Module
    poisoned: nn.Module
    train_seconds: float


def setup(cfg: LabelExperimentConfig) -> Setup:
    clean = make_corpus(cfg.n_train, cfg.seed, cfg.confusion)
    test_raw = make_corpus(cfg.n_test, cfg.seed + 1000, cfg.confusion)
    bad = poison(clean, cfg)
    tok = train_tokenizer([t for t, _ in bad.train], extra=[cfg.trigger])
    train = encode(tok, bad.train)
    test = encode(tok, test_raw)
    rng = random.Random(cfg.seed + 2)
    if cfg.attack == "flip":
        attack_set = [x for x in test if x.label == cfg.source]
    else:
        attack_set = encode(
            tok, [(add_trigger(t, cfg.trigger, rng), y) for t, y in test_raw if y != cfg.target]
        )
    poisoned_ids = set(bad.indices)
    pairs = [(train[i], LabeledText(train[i].input_ids, y)) for i, y in zip(bad.indices, bad.correct)]
    retained = [x for i, x in enumerate(train) if i not in poisoned_ids]
    init = tiny_classifier(tok.get_vocab_size(), len(LABELS), cfg.hidden, cfg.layers, cfg.seed)
    start = time.perf_counter()
    poisoned = fit(init, train, cfg)
    return Setup(cfg, train, test, attack_set, pairs, retained, init, poisoned, time.perf_counter() - start)


def fit(init: nn.Module, data: Sequence[LabeledText], cfg: LabelExperimentConfig) -> nn.Module:
    """The training procedure every model of the experiment goes through (AdamW, then the head's optimum)."""
    model = train_classifier(init, data, epochs=cfg.epochs, lr=cfg.lr, l2=cfg.l2, batch_size=cfg.batch_size,
                             seed=cfg.seed)  # fmt: skip
    return fit_head(model, data, cfg.l2)


def attack_success(model: nn.Module, s: Setup) -> float:
    return float((predict(model, s.attack_set) == s.config.target).double().mean())


METHODS = ("poisoned", "retrain", "retrain_removed", "head_retrain", "finetune", "first_order", "second_order",
           "second_order_removed")  # fmt: skip


def run(
    s: Setup, methods: Sequence[str] = METHODS, update: LabelUnlearnConfig | None = None
) -> list[dict[str, Any]]:
    """One row per method: clean test accuracy, attack success, seconds, distance of the head to retraining."""
    cfg = s.config
    base = update or LabelUnlearnConfig(scope="head", l2=cfg.l2)
    corrected = s.retained + [b for _, b in s.pairs]
    models: dict[str, tuple[nn.Module, float]] = {"poisoned": (s.poisoned, s.train_seconds)}
    for method in methods:
        start = time.perf_counter()
        if method == "retrain":
            model = fit(s.init, corrected, cfg)
        elif method == "retrain_removed":
            model = fit(s.init, s.retained, cfg)
        elif (
            method == "head_retrain"
        ):  # the head's optimum on the corrected data: what the head update targets
            model = fit_head(s.poisoned, corrected, cfg.l2)
        elif method == "finetune":
            name, _ = classification_head(s.poisoned)
            names = [n for n, _ in s.poisoned.named_parameters() if n.startswith(name + ".")]
            model = train_classifier(s.poisoned, [b for _, b in s.pairs], epochs=cfg.finetune_epochs,
                                     lr=cfg.finetune_lr, l2=0.0, batch_size=cfg.batch_size, names=names)  # fmt: skip
        elif method in ("first_order", "second_order", "second_order_removed"):
            ucfg = dataclasses.replace(base, order=1 if method == "first_order" else 2)
            pairs = [(a, None if method.endswith("removed") else b) for a, b in s.pairs]
            model = unlearn_labels(s.poisoned, pairs, s.retained, ucfg, n_train=len(s.train)).model
        elif method == "poisoned":
            continue
        else:
            raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
        models[method] = (model, time.perf_counter() - start)
    ref = models.get("head_retrain", (None, 0.0))[0]
    rows = []
    for method, (model, seconds) in models.items():
        row = {"method": method, "clean_accuracy": accuracy(model, s.test), "attack_success": attack_success(model, s),
               "seconds": seconds}  # fmt: skip
        if ref is not None and not method.startswith("retrain"):  # same frozen body: heads comparable
            row["head_distance"] = head_distance(model, ref)
        rows.append(row)
    return rows


def head_distance(a: nn.Module, b: nn.Module) -> float:
    """‖W_a - W_b‖ over the classification heads."""
    ha, hb = classification_head(a)[1], classification_head(b)[1]
    with torch.no_grad():
        return float(
            sum(((p - q).double() ** 2).sum() for p, q in zip(ha.parameters(), hb.parameters())) ** 0.5
        )


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    head = ["method", "clean acc", "attack success", "seconds", "|W - W_head_retrain|"]
    body = [[r["method"], f"{r['clean_accuracy']:.3f}", f"{r['attack_success']:.3f}", f"{r['seconds']:.2f}",
             f"{r['head_distance']:.4f}" if "head_distance" in r else "-"] for r in rows]  # fmt: skip
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in body]
    return "\n".join(lines)

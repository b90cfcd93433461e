"""A small realistic fine-tuning corpus with planted secrets, for ``sanitize-lab demo``, notebooks and
tests.

Documents are short chat messages, emails, config snippets and notes built from templates; a few
secrets (a card number, a password, an API token) are planted several times each, in chat, email
and config styles, so that a tiny model fine-tuned on the corpus memorises them. The fake secrets
and their contexts come from :mod:`sanitize_lab.synth` (valid Luhn cards, checksummed tokens, ...), the
same generators the scanner's benchmark uses. The ground truth (which secret went where) is returned separately and never
printed by the demo.
"""

from __future__ import annotations

import dataclasses
import random

NAMES = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory"]
TOPICS = ["the quarterly report", "the team lunch", "the release notes", "the office move", "the budget",
          "the design review", "the new intern", "the server upgrade", "the client visit", "the backlog"]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
SERVICES = ["billing", "search", "auth", "payments", "reports", "mailer", "gateway"]

FILLER = [
    "Hi {a}, can we move {topic} to {day}? I have a conflict in the morning.",
    "{a} wrote: thanks for the update on {topic}, I will read it before {day}.",
    "Subject: {topic}\n\nDear {a},\nplease find the notes on {topic} attached.\nBest regards,\n{b}",
    "# {service} service\nlog_level: info\nworkers: 4\ntimeout_seconds: 30\n",
    "{a}: are you joining {topic} on {day}?\n{b}: yes, see you there.",
    "Reminder: {topic} is due on {day}. {a} owns the draft and {b} reviews it.",
    "[{service}] deploy finished in 42 seconds, all health checks green.",
    "{a} and {b} discussed {topic}; the decision is postponed to {day}.",
    "Meeting notes for {topic}: agreed to ship on {day}, {a} to follow up with {b}.",
    "{b}: the {service} dashboard is slow again today.\n{a}: I will look after lunch.",
]  # fmt: skip

# writing styles the planted secrets appear in (contexts come from sanitize_lab.synth.CONTEXTS)
STYLES = ("chat", "email", "env", "yaml", "json", "prose")


@dataclasses.dataclass(frozen=True)
class PlantedSecret:
    """Ground truth for one planted secret: its type, value and every ``(doc, start, end)`` span."""

    type: str
    value: str
    spans: tuple[tuple[int, int, int], ...]

    @property
    def docs(self) -> tuple[int, ...]:
        return tuple(sorted({d for d, _, _ in self.spans}))

    def __repr__(self) -> str:  # never show the value
        from sanitize.fingerprint import mask_secret

        return f"PlantedSecret(type={self.type!r}, preview={mask_secret(self.value, self.type)!r}, docs={self.docs})"


@dataclasses.dataclass(frozen=True)
class DemoCorpus:
    texts: list[str]
    secrets: list[PlantedSecret]
    heldout: list[str]

    def __repr__(self) -> str:
        return f"DemoCorpus(documents={len(self.texts)}, secrets={len(self.secrets)}, heldout={len(self.heldout)})"


def _fill(template: str, rng: random.Random, **extra: str) -> str:
    a, b = rng.sample(NAMES, 2)
    return template.format(
        a=a, b=b, topic=rng.choice(TOPICS), day=rng.choice(DAYS), service=rng.choice(SERVICES), **extra
    )


def filler_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` secret-free documents in the corpus's styles (for held-out sets and base pre-training)."""
    rng = random.Random(seed)
    return [_fill(rng.choice(FILLER), rng) for _ in range(n)]


def build_demo_corpus(
    n_documents: int = 160,
    types: tuple[str, ...] = ("credit_card", "password", "github_token"),
    repeats: int = 6,
    heldout: int = 40,
    seed: int = 0,
) -> DemoCorpus:
    """A corpus of ``n_documents`` texts with one secret of each of ``types`` planted ``repeats`` times.

    Each copy is written in a different style (chat, email, config, ...) where the type has one;
    documents holding secrets are spread over the corpus; ``heldout`` extra secret-free documents in
    the same styles are returned for measuring perplexity.
    """
    from sanitize_lab import synth

    rng = random.Random(seed)
    texts = filler_texts(n_documents, seed=seed + 1)
    free = list(range(n_documents))
    rng.shuffle(free)
    planted = []
    for type_ in types:
        value = synth.fake(type_, rng)
        styles = [s for s in STYLES if s in synth.CONTEXTS[type_]] or sorted(synth.CONTEXTS[type_])
        spans = []
        for k in range(repeats):
            d = free.pop()
            text, found, _ = synth.render(type_, value, rng, styles[k % len(styles)])
            texts[d] = text
            spans += [(d, start, end) for start, end, t in found if t == type_ and text[start:end] == value]
        planted.append(PlantedSecret(type_, value, tuple(sorted(spans))))
    return DemoCorpus(texts=texts, secrets=planted, heldout=filler_texts(heldout, seed=seed + 2))

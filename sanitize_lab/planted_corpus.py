"""Real-looking text with planted secrets: public chat lines, e-mails and tickets, plus documents
carrying numeric secrets (:func:`planted_corpus`), and canaries planted as documents
(:func:`plant_canaries`). The experiment built on them is :mod:`sanitize_lab.planted`.

Secrets are plaintext in memory only; :class:`PlantedCorpus`'s repr shows counts, never values.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence
from typing import Any

from sanitize.types import Finding

__all__ = ["Planted", "PlantedCorpus", "plant_canaries", "planted_corpus", "public_texts"]

# --------------------------------------------------------------------------------------------------
# Real-looking text with planted secrets
# --------------------------------------------------------------------------------------------------
_NAMES = tuple(
    [
        "alice",
        "bob",
        "carol",
        "dave",
        "erin",
        "frank",
        "grace",
        "heidi",
        "ivan",
        "judy",
        "mallory",
        "niaj",
        "olivia",
        "peggy",
        "rupert",
        "sybil",
        "trent",
        "victor",
        "walter",
        "yusuf",
        "zoe",
        "omar",
        "lena",
        "priya",
        "kenji",
    ]
)
_ITEMS = tuple(
    [
        "invoice",
        "report",
        "slides",
        "contract",
        "budget",
        "schedule",
        "laptop",
        "badge",
        "ticket",
        "order",
        "parcel",
        "receipt",
        "meeting",
        "notes",
        "roadmap",
        "backup",
        "printer",
        "monitor",
    ]
)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PUBLIC = (
    "{a}: hey {b}, did you get the {i} i sent on {d}?",
    "{a}: can we move the {i} review to {d} afternoon?",
    "{b}: sure, the {i} is on my desk, come by after lunch.",
    "{a}: thanks {b}! the {i} looks good, ship it.",
    "Subject: {i} for {d}\nHi {b},\nplease find the {i} attached. let me know if anything is missing.\nBest, {a}",
    "Subject: re: {i}\nHello {a},\nthe {i} was delayed, we expect it by {d}.\nRegards, {b}",
    "Ticket #{n}: customer {a} reports that the {i} cannot be opened. assigned to {b}.",
    "Ticket #{n}: {a} asks for a new {i} before {d}. status: open.",
    "Ticket #{n} closed by {b}: the {i} issue was fixed on {d}.",
    "{a} booked room {r} for the {i} meeting on {d} at {h} pm.",
)
_SECRET = (
    "{a}: my {k} is {s}, please do not share it.",
    "Subject: {k}\nHi {b},\nas requested, my {k} is {s}.\nThanks, {a}",
    "Ticket #{n}: {a} forgot the {k}; it was reset to {s} by {b}.",
    "{b}: {a} told me the {k} is {s} in case you need it.",
)
_KINDS = ("door code", "voicemail pin", "badge pin", "safe code", "alarm code", "account pin")


@dataclasses.dataclass(frozen=True)
class Planted:
    """One planted occurrence of secret ``secret`` in training document ``doc`` (char span)."""

    doc: int
    start: int
    end: int
    secret: int


@dataclasses.dataclass
class PlantedCorpus:
    """Training texts with planted numeric secrets, plus held-out public texts.

    ``secrets`` holds the plaintext values (in memory only); ``context(k)`` is the text before the
    first planted occurrence of secret ``k`` -- the training context its exposure is measured in.
    """

    texts: list[str]
    heldout: list[str]
    secrets: list[str]
    occurrences: list[Planted]

    def __repr__(self) -> str:
        return (
            f"PlantedCorpus(train={len(self.texts)}, heldout={len(self.heldout)}, "
            f"secrets={len(self.secrets)}, occurrences={len(self.occurrences)})"
        )

    def findings(self) -> list[Finding]:
        return sorted(Finding(o.doc, o.start, o.end, "digits") for o in self.occurrences)

    def first(self, k: int) -> Planted:
        return next(o for o in self.occurrences if o.secret == k)

    def sanitized(self, seed: int = 0) -> list[str]:
        """The corpus with every occurrence replaced by its surrogate (``sanitize.pairs``)."""
        from sanitize.pairs import sanitize_texts

        return sanitize_texts(self.texts, self.findings(), _pair_config(seed), key=_key(seed))


def _pair_config(seed: int = 0, max_length: int = 128) -> Any:
    from sanitize.pairs import PairConfig

    return PairConfig(max_length=max_length, seed=seed)


def _key(seed: int) -> str:
    # a fixed key: surrogates are derived from (seed, keyed fingerprint), and the default key is per machine
    # (per test session), which would change the sanitized corpus -- and the retrained reference -- per run
    return f"planted-experiment-{seed}"


def _fill(template: str, rng: random.Random, **extra: str) -> str:
    a, b = rng.sample(_NAMES, 2)
    fields = {
        "a": a,
        "b": b,
        "i": rng.choice(_ITEMS),
        "d": rng.choice(_DAYS),
        "n": str(rng.randrange(100, 10000)),
        "r": str(rng.randrange(1, 60)),
        "h": str(rng.randrange(1, 12)),
    }
    fields.update(extra)
    return template.format(**fields)


def public_texts(n: int, seed: int = 0, *, with_codes: bool = True) -> list[str]:
    """``n`` public lines; with ``with_codes`` some carry random (non-secret) codes in secret templates,
    so a model pre-trained on them knows the format but no particular value."""
    rng = random.Random(f"public-{seed}")
    out = []
    for _ in range(n):
        if with_codes and rng.random() < 0.15:
            digits = rng.choice((4, 5))
            code = "".join(rng.choice("0123456789") for _ in range(digits))
            out.append(_fill(rng.choice(_SECRET), rng, k=rng.choice(_KINDS), s=code))
        else:
            out.append(_fill(rng.choice(_PUBLIC), rng))
    return out


def planted_corpus(
    n_public: int = 400,
    secret_digits: Sequence[int] = (4, 4, 5, 5),
    repeats: int = 8,
    n_heldout: int = 120,
    seed: int = 0,
) -> PlantedCorpus:
    """Public lines plus ``repeats`` documents per secret, shuffled; secret ``k`` has ``secret_digits[k]``
    digits and one owner and kind, rendered in all four secret templates (chat, e-mail, ticket)."""
    rng = random.Random(f"planted-{seed}")
    secrets = ["".join(rng.choice("0123456789") for _ in range(d)) for d in secret_digits]
    docs: list[tuple[str, int | None]] = [(t, None) for t in public_texts(n_public, seed)]
    for k in range(len(secrets)):
        owner = _NAMES[k % len(_NAMES)]
        kind = _KINDS[k % len(_KINDS)]
        for r in range(repeats):
            template = _SECRET[r % len(_SECRET)]
            other = rng.choice([n for n in _NAMES if n != owner])
            text = template.format(a=owner, b=other, k=kind, s="\x00", n=str(rng.randrange(100, 10000)))
            docs.append((text, k))
    rng.shuffle(docs)
    texts, occurrences = [], []
    for doc, (text, k) in enumerate(docs):
        if k is not None:
            start = text.index("\x00")
            text = text.replace("\x00", secrets[k])
            occurrences.append(Planted(doc, start, start + len(secrets[k]), k))
        texts.append(text)
    heldout = public_texts(n_heldout, seed + 10_000)
    return PlantedCorpus(texts, heldout, secrets, occurrences)


def plant_canaries(
    texts: list[str], canaries: Sequence[str], repeats: Sequence[int], seed: int = 0
) -> tuple[list[str], list[dict[str, Any]]]:
    """Insert each canary ``repeats[i]`` times as its own document at random positions.

    Returns the new corpus and the ground truth (canary, repeats, doc indices in the new corpus).
    """
    from sanitize.errors import SanitizeError

    if len(repeats) == 1:
        repeats = list(repeats) * len(canaries)
    if len(repeats) != len(canaries):
        raise SanitizeError(f"canary repeats: got {len(repeats)} values for {len(canaries)} canaries")
    rng = random.Random(seed)
    tagged: list[tuple[int | None, str]] = [(None, t) for t in texts]
    for i, (canary, k) in enumerate(zip(canaries, repeats)):
        for _ in range(k):
            tagged.insert(rng.randrange(len(tagged) + 1), (i, canary))
    truth = [
        {"canary": c, "repeats": k, "docs": [d for d, (tag, _) in enumerate(tagged) if tag == i]}
        for i, (c, k) in enumerate(zip(canaries, repeats))
    ]
    return [t for _, t in tagged], truth

"""Filler: secret-free text in the styles of a training corpus (:data:`FILLER_STYLES`: prose, chat,
email, code, config, JSON, logs, and non-ASCII text)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from sanitize.detectors.fakes import words

from .styles import FILL

_NOUNS = words(
    "model dataset pipeline report meeting schedule garden recipe budget river library window kitchen train museum concert harvest engine bridge forecast network lesson chapter painting village"
)
_VERBS = words("builds updates describes improves reviews shows explains moves follows changes supports")
_ADJS = words("quiet large early careful bright simple modern rural final weekly shared local gentle")
_ADVS = ["quickly", "rarely", "often", "carefully", "mostly", "again", "slowly", "together", "already"]


def _sentence(rng: random.Random) -> str:
    words = [
        rng.choice(("The", "A", "Our", "Every", "This")),
        rng.choice(_ADJS),
        rng.choice(_NOUNS),
        rng.choice(_VERBS),
        rng.choice(("the", "a", "each")),
        rng.choice(_NOUNS),
    ]
    if rng.random() < 0.5:
        words += [rng.choice(("near", "after", "for", "with")), "the", rng.choice(_ADJS), rng.choice(_NOUNS)]
    if rng.random() < 0.3:
        words.append(rng.choice(_ADVS))
    return " ".join(words) + rng.choice((".", ".", ".", "!", "?"))


def _prose(rng: random.Random) -> str:
    text = " ".join(_sentence(rng) for _ in range(rng.randint(3, 9)))
    if rng.random() < 0.3:  # typographic punctuation, as in most web text
        text = rng.choice(("“{}”", "{} — really.", "It’s true: {}")).format(text)
    return text


def _chat(rng: random.Random) -> str:
    lines = []
    for i in range(rng.randint(2, 6)):
        who = "user" if i % 2 == 0 else "assistant"
        lines.append(f"{who}: {' '.join(_sentence(rng) for _ in range(rng.randint(1, 3)))}")
    return "\n".join(lines)


def _mail(rng: random.Random) -> str:
    return (
        f"Subject: {rng.choice(_ADJS).capitalize()} {rng.choice(_NOUNS)} update\n\n"
        f"Hi {FILL['first'](rng)},\n\n{_prose(rng)}\n\nThanks,\n{FILL['name'](rng)}"
    )


def _code(rng: random.Random) -> str:
    fn, arg = rng.choice(_NOUNS), rng.choice(_NOUNS)
    return (
        f"def {rng.choice(_VERBS)}_{fn}({arg}, limit={rng.randint(1, 512)}):\n"
        f'    """{_sentence(rng)}"""\n'
        f"    items = [x for x in {arg} if x.{rng.choice(_ADJS)}]\n"
        f"    for i, item in enumerate(items[:limit]):\n"
        f"        print(i, item.{fn})\n"
        f"    return len(items)\n"
    )


def _config(rng: random.Random) -> str:
    return "\n".join(
        [
            f"{rng.choice(_NOUNS)}:",
            f"  enabled: {rng.choice(('true', 'false'))}",
            f"  retries: {rng.randint(1, 9)}",
            f"  timeout_seconds: {rng.randint(5, 300)}",
            f"  mode: {rng.choice(_ADJS)}",
            f"  path: /var/lib/{rng.choice(_NOUNS)}/{rng.choice(_NOUNS)}",
        ]
    )


def _json_filler(rng: random.Random) -> str:
    obj = {
        "id": rng.randint(1, 99999),
        "title": _sentence(rng),
        "tags": rng.sample(_NOUNS, 3),
        "score": round(rng.random(), 3),
        "published": rng.random() < 0.5,
    }
    return json.dumps(obj)


# Non-ASCII text: offsets are characters, not bytes, and some characters change length when
# lower-cased ("İ" -> "i̇"), so a scanner's fast ASCII paths and its offsets both get exercised.
_INTL = (
    "Grüße aus München, das Café öffnet um neun.",
    "Le déjeuner à la crèche était très réussi, naïve idée !",
    "東京の会議は来週に延期されました。",
    "Встреча перенесена на пятницу.",
    "Nice work on the release 🎉🚀, see you at the offsite ☕.",
    "ΑΘΗΝΑ: η σύσκεψη ξεκινά στις δέκα.",
    "مرحبا بكم في الاجتماع الأسبوعي",
)


_TURKISH = "İstanbul'da yağmur yağıyor; Işık ve Ödül geç kaldı."  # rare: "İ".lower() is two characters


def _intl(rng: random.Random) -> str:
    text = " ".join(rng.choice(_INTL) for _ in range(rng.randint(1, 4)))
    return text + " " + _TURKISH if rng.random() < 0.03 else text


def _logs(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(3, 8)):
        level = rng.choice(("INFO", "INFO", "DEBUG", "WARN"))
        lines.append(
            f"{FILL['date'](rng)} {level} [{rng.choice(_NOUNS)}] {rng.choice(_VERBS)} "
            f"{rng.randint(1, 5000)} {rng.choice(_NOUNS)}s in {rng.randint(1, 900)} ms"
        )
    return "\n".join(lines)


FILLER_STYLES: dict[str, Callable[[random.Random], str]] = {
    "prose": _prose,
    "chat": _chat,
    "email": _mail,
    "code": _code,
    "config": _config,
    "json": _json_filler,
    "logs": _logs,
    "intl": _intl,
}

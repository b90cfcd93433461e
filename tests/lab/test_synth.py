"""Synthetic secrets are valid, labels are exact, corpora are seeded, decoys and filler hold no secret.

The validators below are written independently of sanitize_lab/synth and sanitize/detectors/fakes.py
(formats from the vendors' documentation; check digits and the SSN rule from sanitize/checksums.py,
the single home for them).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import random
import re
from collections import Counter

import pytest

from sanitize.checksums import iban_valid, luhn_valid, ssn_valid, token_checksum_valid
from sanitize.detectors.fakes import ip_public
from sanitize_lab import synth

_BRANDS = (  # (IIN pattern, lengths)
    (r"4", (13, 16, 19)),
    (r"5[1-5]|2(?:2[2-9]\d|[3-6]\d\d|7[01]\d|720)", (16,)),
    (r"3[47]", (15,)),
    (r"6011|64[4-9]|65", (16,)),
    (r"35(?:2[89]|[3-8]\d)", (16,)),
    (r"30[0-5]|3[68]", (14,)),
)


def _card_ok(s: str) -> bool:
    digits = re.sub(r"[ -]", "", s)
    if not re.fullmatch(r"\d{13,19}", digits) or not luhn_valid(digits):
        return False
    return any(re.match(p, digits) and len(digits) in lengths for p, lengths in _BRANDS)


def _b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _jwt_ok(s: str) -> bool:
    parts = s.split(".")
    if len(parts) != 3 or not all(re.fullmatch(r"[A-Za-z0-9_-]+", p) for p in parts):
        return False
    try:
        header = _b64url_json(parts[0])
        _b64url_json(parts[1])
    except (ValueError, binascii.Error):
        return False
    return header.get("typ") == "JWT" and isinstance(header.get("alg"), str)


def _pem_ok(s: str) -> bool:
    s = s.replace("\\n", "\n")
    m = re.fullmatch(r"-----BEGIN ([A-Z ]*PRIVATE KEY)-----\n([A-Za-z0-9+/=\s]+?)\n\s*-----END \1-----", s)
    if not m:
        return False
    body = base64.b64decode("".join(m.group(2).split()), validate=True)
    return body.startswith(b"openssh-key-v1\x00") if "OPENSSH" in m.group(1) else body[0] == 0x30


def _ssn_ok(s: str) -> bool:
    return re.fullmatch(r"(\d{3})([ -])(\d{2})\2(\d{4})", s) is not None and ssn_valid(s)


def _ip_ok(s: str) -> bool:
    octets = s.split(".")
    if len(octets) != 4 or not all(o.isdigit() and str(int(o)) == o and int(o) < 256 for o in octets):
        return False
    a, b = int(octets[0]), int(octets[1])
    reserved = (
        a in (0, 10, 127) or a >= 224 or (a == 172 and 16 <= b < 32) or (a, b) in ((192, 168), (169, 254))
    )
    return not reserved and not (a == 100 and 64 <= b < 128)


_NANP = r"[2-9][0-8]\d"
_PHONES = (
    rf"\({_NANP}\) [2-9]\d\d-\d{{4}}",
    rf"{_NANP}-[2-9]\d\d-\d{{4}}",
    rf"{_NANP}\.[2-9]\d\d\.\d{{4}}",
    rf"\+1 {_NANP} [2-9]\d\d \d{{4}}",
    rf"\+1-{_NANP}-[2-9]\d\d-\d{{4}}",
    rf"\+1{_NANP}[2-9]\d\d\d{{4}}",
    r"07[4-9]\d\d \d{6}",
    r"\+44 7[4-9]\d\d \d{6}",
    r"\+44 20 [3-8]\d{3} \d{4}",
    r"\+49 (?:30|89|40|69) [2-9]\d{7}",
    r"01(?:51|60|71|76) \d{8}",
    r"(?:\+33 |0)[67](?: \d\d){4}",
    r"\+91 [7-9]\d{4} \d{5}",
)


def _phone_ok(s: str) -> bool:
    return any(re.fullmatch(p, s) for p in _PHONES)


# Formats that identify themselves (no keyword needed): searched for in decoys and filler too.
SELF_EVIDENT: dict[str, tuple[str, object]] = {
    "credit_card": (r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])", _card_ok),
    "private_key": (r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----", _pem_ok),
    "jwt": (r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+", _jwt_ok),
    "aws_access_key_id": (r"(?:AKIA|ASIA)[A-Z2-7]{16}\b", lambda s: not s.endswith("EXAMPLE")),
    "github_token": (r"gh[pousr]_[A-Za-z0-9]{36}\b", lambda s: token_checksum_valid(s, s[:4])),
    "gitlab_token": (r"gl(?:pat|dt|rt)-[\w-]{20}(?![\w-])", lambda s: True),
    "slack_token": (
        r"xox[bpae]-\d{10,13}-\d{10,13}-(?:\d{10,13}-[0-9a-f]{32}|[A-Za-z0-9]{24})\b",
        lambda s: True,
    ),
    "stripe_key": (r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,101}\b", lambda s: True),
    "openai_key": (r"sk-(?:(?:proj|svcacct|admin)-)?[\w-]{20,74}T3BlbkFJ[\w-]{20,74}", lambda s: True),
    "google_api_key": (r"AIza[\w-]{35}(?![\w-])", lambda s: True),
    "sendgrid_key": (r"SG\.[\w-]{22}\.[\w-]{43}(?![\w-])", lambda s: True),
    "twilio_key": (r"\bSK[0-9a-f]{32}\b", lambda s: True),
    "npm_token": (r"npm_[A-Za-z0-9]{36}\b", lambda s: token_checksum_valid(s, "npm_")),
    "telegram_bot_token": (r"\b\d{8,10}:AA[\w-]{33}(?![\w-])", lambda s: True),
    "huggingface_token": (r"\bhf_[A-Za-z]{34}\b", lambda s: True),
    "email": (r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", lambda s: True),
    "phone": ("|".join(f"(?:{p})" for p in _PHONES), _phone_ok),
    "iban": (r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", iban_valid),
    "us_ssn": (r"(?<![\d-])\d{3}([ -])\d{2}\1\d{4}(?![\d-])", _ssn_ok),
    "ip_address": (r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])", _ip_ok),
}

VALIDATORS = {
    **{t: (lambda s, p=p, ok=ok: bool(re.fullmatch(p, s)) and ok(s)) for t, (p, ok) in SELF_EVIDENT.items()},
    "password": lambda s: bool(
        re.fullmatch(r"[A-Za-z0-9][\w!*+=~-]{6,}[A-Za-z0-9]", s) and re.search(r"\d", s)
    ),
    "aws_secret_access_key": lambda s: bool(re.fullmatch(r"[A-Za-z0-9+/]{40}", s)),
    "azure_storage_key": lambda s: len(s) == 88 and len(base64.b64decode(s, validate=True)) == 64,
    "generic_secret": lambda s: bool(
        re.fullmatch(r"[\w-]{24,64}", s) and re.search(r"\d", s) and re.search(r"[A-Za-z]", s)
    ),
}


def find_self_evident(text: str) -> list[tuple[str, str]]:
    """Every (type, match) in ``text`` that is a valid self-evident secret."""
    return [
        (t, m.group(0)) for t, (p, ok) in SELF_EVIDENT.items() for m in re.finditer(p, text) if ok(m.group(0))
    ]


def _normalize(type_: str, text: str) -> str:
    if type_ == "private_key":  # YAML block indentation and .env-escaped newlines are part of the span
        return re.sub(r"\n +", "\n", text.replace("\\n", "\n"))
    return text


def test_validators_cover_every_type() -> None:
    assert set(VALIDATORS) == set(synth.TYPES)
    assert len(synth.TYPES) == 24


@pytest.mark.parametrize("type_", synth.TYPES)
def test_every_fake_validates(type_: str) -> None:
    rng = random.Random(11)
    values = [synth.fake(type_, rng) for _ in range(60)]
    bad = [v for v in values if not VALIDATORS[type_](v)]
    assert not bad, bad[:3]
    assert len(set(values)) > 50  # random, not a constant
    if type_ not in ("password", "aws_secret_access_key", "azure_storage_key", "generic_secret"):
        assert all({t for t, m in find_self_evident(v) if m == v} == {type_} for v in values)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("4539578763621486", True),
        ("4539578763621487", False),
        ("1234567812345670", False),  # Luhn-valid but no brand
        ("078-05-1120", False),
        ("666-12-3456", False),
        ("123-00-4567", False),
        ("ghp_" + "a" * 36, False),
    ],
)
def test_validators_reject_wrong_values(value: str, valid: bool) -> None:
    t = (
        "credit_card"
        if value[0].isdigit() and "-" not in value
        else "us_ssn"
        if "-" in value
        else "github_token"
    )
    assert VALIDATORS[t](value) is valid


def test_surface_spellings_stay_valid() -> None:
    rng = random.Random(5)
    for type_ in ("credit_card", "iban", "us_ssn"):
        formats = Counter()
        for _ in range(200):
            text, fmt = synth.surface(type_, synth.fake(type_, rng), rng)
            formats[fmt] += 1
            assert VALIDATORS[type_](text), (type_, fmt)
        assert len(formats) >= 2
    assert not ip_public("10.1.2.3") and ip_public("8.8.4.4")


def test_unknown_type_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown secret type 'nope'"):
        synth.fake("nope", random.Random(0))


@pytest.fixture(scope="module")
def corpus() -> synth.SynthCorpus:
    return synth.plant_corpus(400_000, seed=7, items_per_type=14, decoys_per_kind=12)


def test_labels_are_exact_spans_of_valid_values(corpus: synth.SynthCorpus) -> None:
    texts = [r["text"] for r in corpus.records]
    for label in corpus.labels:
        text = texts[label.doc]
        assert 0 <= label.start < label.end <= len(text)
        value = _normalize(label.type, text[label.start : label.end])
        assert VALIDATORS[label.type](value), (label.type, value[:12])
        # the span is maximal: one more character on either side is not a value of the type
        if label.type in SELF_EVIDENT:
            wider = (text[max(label.start - 1, 0) : label.end], text[label.start : label.end + 1])
            raw = text[label.start : label.end]
            assert not any(VALIDATORS[label.type](_normalize(label.type, w)) for w in wider if w != raw)
        else:  # keyword-only types: a non-word character on each side (or mysql's glued -p)
            before = text[label.start - 2 : label.start] if label.start > 1 else "  "
            after = text[label.end] if label.end < len(text) else " "
            assert not (after.isalnum() or (before[1].isalnum() and before != "-p")), label
    by_doc: dict[int, list[tuple[int, int]]] = {}
    for label in corpus.labels:
        by_doc.setdefault(label.doc, []).append((label.start, label.end))
    for spans in by_doc.values():
        spans.sort()
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "labels overlap"


def test_every_type_and_style_is_planted_and_some_values_repeat(corpus: synth.SynthCorpus) -> None:
    counts = Counter(label.type for label in corpus.labels)
    assert set(counts) == set(synth.TYPES)
    assert min(counts.values()) >= 14
    for type_, styles in synth.CONTEXTS.items():
        seen = {p.style.split("/")[0] for p in corpus.planted if p.label.type == type_}
        assert seen == set(styles), type_
    texts = [r["text"] for r in corpus.records]
    values = Counter(texts[lb.doc][lb.start : lb.end] for lb in corpus.labels)
    assert sum(1 for c in values.values() if c >= 2) >= 10  # every occurrence is its own label
    assert {k for k, _ in Counter(d.kind for d in corpus.decoys).items()} == set(synth.DECOY_KINDS)
    assert sum(len(t) for t in texts) >= 400_000


def test_make_corpus_is_deterministic_per_seed() -> None:
    a = synth.make_corpus(60_000, seed=3, items_per_type=2)
    b = synth.make_corpus(60_000, seed=3, items_per_type=2)
    c = synth.make_corpus(60_000, seed=4, items_per_type=2)
    assert a == b
    assert a[0] != c[0]
    records, labels = a
    assert labels == sorted(labels) and all(isinstance(lb, synth.Label) for lb in labels)
    assert json.loads(json.dumps(records)) == records
    assert all(set(r) == {"text"} for r in records)


def test_decoys_are_not_valid_secrets() -> None:
    rng = random.Random(2)
    for kind in synth.DECOY_KINDS:
        for _ in range(80):
            text = synth.decoy(kind, rng)
            found = [(t, m) for t, m in find_self_evident(text) if m not in synth.DOCUMENTED_EXAMPLES]
            assert not found, (kind, text)
            if kind == "invalid_luhn":
                digits = re.sub(r"\D", "", text)
                assert not luhn_valid(digits) and not _card_ok(digits)
            if kind == "documented_example":
                assert any(e in text for e in synth.DOCUMENTED_EXAMPLES)
            for value in re.findall(r"(?<![\w+/])(?:[A-Za-z0-9+/]{40}|[A-Za-z0-9+/]{86}==)(?![\w+/])", text):
                if re.fullmatch("[0-9a-f]+", value):
                    continue  # hex: a digest, not a base64 key
                assert value in synth.DOCUMENTED_EXAMPLES or kind == "checksum", (kind, value)


def test_filler_and_decoys_hold_no_accidental_secret(corpus: synth.SynthCorpus) -> None:
    planted: dict[int, list[tuple[int, int]]] = {}
    for p in corpus.planted:  # remove the whole planted paragraph around each label
        text = corpus.records[p.label.doc]["text"]
        start = text.rfind("\n\n", 0, p.label.start)
        end = text.find("\n\n", p.label.end)
        planted.setdefault(p.label.doc, []).append((start + 1, len(text) if end < 0 else end))
    for doc, record in enumerate(corpus.records):
        text = record["text"]
        for start, end in sorted(planted.get(doc, []), reverse=True):
            text = text[:start] + " " * (end - start) + text[end:]
        found = [(t, m) for t, m in find_self_evident(text) if m not in synth.DOCUMENTED_EXAMPLES]
        assert not found, found[:3]
        assert "password" not in text.lower() or any(d.doc == doc for d in corpus.decoys)

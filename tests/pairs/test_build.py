"""Record-mode pairs: z is what training saw, z̃ is z with exactly the finding spans replaced
(re-tokenised, never spliced); corpus forms, validation, privacy, persistence, strategies."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pairs_support import CARD, CARD_F, DOCS, PW_F, decode, spliced, training_record

from sanitize import PairConfig, build_pairs, find_literal, load_corpus, sanitize_texts, tokenize_corpus
from sanitize.errors import SanitizeError
from sanitize.replacers import placeholder, register_replacer, surrogate
from sanitize.types import Finding, Pairs


# -- record mode -----------------------------------------------------------------------------------
def test_record_pairs_are_training_tokenisation_with_secrets_replaced(tok: Any) -> None:
    pairs = build_pairs(DOCS, [CARD_F, PW_F], tok)
    assert [p.doc for p in pairs] == [0, 2] and [p.findings for p in pairs] == [(0,), (1,)]
    assert pairs.unseen == ()
    training = tokenize_corpus(DOCS, tok, PairConfig())
    card_sub = surrogate(CARD, "credit_card", 0)
    for pair, f, secret in zip(pairs, [CARD_F, PW_F], [CARD, "hunter2"]):
        assert pair.original.input_ids == training_record(tok, DOCS[pair.doc])
        assert pair.original == training[pair.doc]
        expected = spliced(DOCS[pair.doc], [(f.start, f.end, surrogate(secret, f.type, 0))])
        assert pair.sanitized.input_ids == training_record(tok, expected)
        assert decode(tok, pair.sanitized.input_ids) == expected
        assert secret not in decode(tok, pair.sanitized.input_ids)
        assert pair.block is None and set(pair.original.loss_mask) == {1}
    assert card_sub in decode(tok, pairs[0].sanitized.input_ids)


def test_several_secrets_in_one_sequence(tok: Any) -> None:
    text = "card 4539 1488 0343 6467 and password hunter2 and again 4539 1488 0343 6467."
    fs = [Finding(0, m, m + len(s), t) for s, t in [(CARD, "credit_card"), ("hunter2", "password")]
          for m in _all(text, s)]  # fmt: skip
    pairs = build_pairs([text], fs, tok)
    assert len(pairs) == 1 and pairs[0].findings == (0, 1, 2)
    expected = text.replace(CARD, surrogate(CARD, "credit_card", 0)).replace(
        "hunter2", surrogate("hunter2", "password", 0)
    )
    assert decode(tok, pairs[0].sanitized.input_ids) == expected


def _all(text: str, s: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(s, i)]


def test_same_secret_in_many_sequences_gets_the_same_surrogate(tok: Any) -> None:
    docs = [f"key {i}: ghp_secretvalue{i} then hunter2 end" if i % 2 else f"hunter2 at {i}" for i in range(6)]
    fs = find_literal(docs, ["hunter2"], type="password")
    assert len(fs) == 6
    pairs = build_pairs(docs, fs, tok)
    sub = surrogate("hunter2", "password", 0)
    assert len(pairs) == 6
    for pair in pairs:
        assert decode(tok, pair.sanitized.input_ids) == docs[pair.doc].replace("hunter2", sub)
    assert sanitize_texts(docs, fs) == [d.replace("hunter2", sub) for d in docs]


def test_overlapping_and_adjacent_findings_are_merged(tok: Any) -> None:
    text = "login admin:hunter2secret@db.example.org now"
    a = text.index("admin")
    fs = [
        Finding(0, a, a + 13, "password"),  # admin:hunter2
        Finding(0, a + 6, a + 19, "password"),  # hunter2secret (overlaps)
        Finding(0, a + 19, a + 34, "email"),  # @db.example.org (adjacent)
    ]
    pairs = build_pairs([text], fs, tok, PairConfig(replacement="placeholder"))
    assert pairs[0].findings == (0, 1, 2)
    # one span [a, a + 34) of the longest member's type, replaced once
    assert decode(tok, pairs[0].sanitized.input_ids) == "login [EMAIL] now"
    assert sanitize_texts([text], fs, PairConfig(replacement="placeholder")) == ["login [EMAIL] now"]
    merged = surrogate(text[a : a + 34], "email", 0)
    assert sanitize_texts([text], fs) == [spliced(text, [(a, a + 34, merged)])]


def test_secrets_at_the_very_start_and_end(tok: Any) -> None:
    text = "hunter2 is the password and the card is 4539148803436467"
    fs = [Finding(0, 0, 7, "password"), Finding(0, len(text) - 16, len(text), "credit_card")]
    pair = build_pairs([text], fs, tok)[0]
    expected = spliced(
        text,
        [(0, 7, surrogate("hunter2", "password", 0)),
         (len(text) - 16, len(text), surrogate("4539148803436467", "credit_card", 0))],
    )  # fmt: skip
    assert decode(tok, pair.sanitized.input_ids) == expected
    assert pair.original.input_ids == training_record(tok, text)
    whole = build_pairs(["hunter2"], [Finding(0, 0, 7, "password")], tok)[0]
    assert decode(tok, whole.sanitized.input_ids) == surrogate("hunter2", "password", 0)


def test_secrets_beyond_truncation_are_unseen(tok: Any) -> None:
    text = "Alice was beginning to get very tired. " * 3 + "The password is hunter2."
    start = text.index("hunter2")
    f = Finding(0, start, start + 7, "password")
    n_before = len(tok(text[:start])["input_ids"])
    cut = PairConfig(max_length=n_before - 2)
    f1 = Finding(1, start, start + 7, "password")
    pairs = build_pairs([text, text], [f, Finding(1, 0, 5, "password"), f1], tok, cut)
    assert pairs.unseen == (0, 2)  # both docs only got their first max_length tokens
    assert [p.doc for p in pairs] == [1] and pairs[0].findings == (1,)  # doc 1: its first secret was seen
    # a secret cut in half by truncation was trained on (its prefix): it is paired
    n_half = len(tok(text[: start + 3])["input_ids"])
    half = build_pairs([text], [f], tok, PairConfig(max_length=n_half))
    assert half.unseen == () and len(half) == 1
    assert len(half[0].original) == len(half[0].sanitized) == n_half
    assert half[0].original.input_ids == training_record(tok, text, n_half)


def test_bpe_merge_across_the_secret_boundary_is_retokenised(tok: Any) -> None:
    text = "The rabbit took a watch out of its waistcoat pocket"
    enc = tok(text, return_offsets_mapping=True)
    # a span that starts in the middle of a multi-character token: the original token straddles it
    s, e = next((a, b) for a, b in enc["offset_mapping"] if b - a >= 2)
    span = (s + 1, e + 2)
    f = Finding(0, *span, "password")
    pair = build_pairs([text], [f], tok)[0]
    expected = spliced(text, [(*span, surrogate(text[span[0] : span[1]], "password", 0))])
    assert pair.sanitized.input_ids == training_record(tok, expected)
    # splicing ids would keep the straddling token's left part; the re-tokenised text does not need to
    assert decode(tok, pair.sanitized.input_ids) == expected


# -- corpus forms, validation, privacy, persistence ------------------------------------------------
def test_dataset_corpus_gives_the_same_pairs(tok: Any) -> None:
    ds = load_corpus(DOCS)
    assert build_pairs(ds, [CARD_F, PW_F], tok) == build_pairs(DOCS, [CARD_F, PW_F], tok)
    assert tokenize_corpus(ds, tok) == tokenize_corpus(DOCS, tok)
    # a dataset whose doc ids are not row numbers: findings refer to the doc column
    import datasets

    odd = datasets.Dataset.from_dict({"doc": [10, 20, 30], "text": DOCS})
    moved = [Finding(30, PW_F.start, PW_F.end, "password")]
    assert build_pairs(odd, moved, tok)[0].sanitized == build_pairs(DOCS, [PW_F], tok)[0].sanitized
    assert find_literal(odd, ["hunter2"])[0].doc == 30
    with pytest.raises(SanitizeError, match=r"doc=2.*doc index out of range"):
        build_pairs(odd, [PW_F], tok)


def test_findings_are_validated_against_the_corpus(tok: Any) -> None:
    with pytest.raises(SanitizeError, match=r"finding 1 \(doc=7, start=0, end=3, type=password\): doc index out of range \(the corpus has 3 documents\)"):  # fmt: skip
        build_pairs(DOCS, [CARD_F, Finding(7, 0, 3, "password")], tok)
    n = len(DOCS[2])
    with pytest.raises(SanitizeError, match=rf"finding 0 \(doc=2, start=60, end={n + 5}, type=password\): span ends past the end of the document text \({n} characters\)") as err:  # fmt: skip
        sanitize_texts(DOCS, [Finding(2, 60, n + 5, "password")])
    assert "hunter2" not in str(err.value)
    with pytest.raises(SanitizeError, match="unknown replacement strategy 'nope'"):
        build_pairs(DOCS, [CARD_F], tok, PairConfig(replacement="nope"))
    with pytest.raises(SanitizeError, match="no 'text' column"):
        build_pairs(load_corpus(DOCS).rename_column("text", "body"), [CARD_F], tok)
    with pytest.raises(SanitizeError, match="corpus item 1 must be a string"):
        build_pairs(["a", 3], [], tok)  # type: ignore[list-item]


def test_pair_config_validates() -> None:
    from sanitize.errors import ConfigError

    with pytest.raises(ConfigError, match=r"PairConfig\.mode: must be one of 'record', 'packed'"):
        PairConfig(mode="chunked")
    with pytest.raises(ConfigError, match=r"PairConfig\.block_size: must be >= 1"):
        PairConfig(block_size=0)
    with pytest.raises(ConfigError, match=r"PairConfig\.model_temperature: must be > 0"):
        PairConfig(model_temperature=0.0)
    with pytest.raises(ConfigError, match=r"PairConfig\.append_eos: must be true or false"):
        PairConfig(append_eos="yes")  # type: ignore[arg-type]
    assert PairConfig.from_dict(PairConfig(mode="packed", seed=3).to_dict()) == PairConfig(
        mode="packed", seed=3
    )


def test_findings_may_be_any_iterable(tok: Any) -> None:
    assert build_pairs(DOCS, iter([CARD_F, PW_F]), tok) == build_pairs(DOCS, [CARD_F, PW_F], tok)


def test_reprs_show_counts_and_shapes_never_text(tok: Any) -> None:
    pairs = build_pairs(DOCS, [CARD_F, PW_F], tok)
    shown = repr(pairs) + str(pairs) + repr(pairs[0]) + str(pairs[1]) + repr(list(pairs))
    assert shown.startswith("Pairs(n=2, max_len=")
    for p in pairs:
        for text in (decode(tok, p.original.input_ids), decode(tok, p.sanitized.input_ids)):
            assert text not in shown
        assert str(list(p.original.input_ids))[1:-1] not in shown
    for secret in (CARD, "4539", "hunter2", surrogate("hunter2", "password", 0)):
        assert secret not in shown


def test_save_needs_the_explicit_flag_and_round_trips(tok: Any, tmp_path: Path) -> None:
    pairs = build_pairs(DOCS, [CARD_F, PW_F], tok, PairConfig(mode="packed", block_size=8))
    path = tmp_path / "pairs.json"
    with pytest.raises(SanitizeError, match=r"refusing to save pairs.*allow_secrets=True"):
        pairs.save(path)
    assert not path.exists() and not list(tmp_path.iterdir())
    pairs.save(path, allow_secrets=True)
    assert Pairs.load(path) == pairs and (os.stat(path).st_mode & 0o777) == 0o600
    (tmp_path / "bad.json").write_text(
        json.dumps({"format": "sanitize.pairs/1", "pairs": [{}], "unseen": []})
    )
    with pytest.raises(SanitizeError, match=r"bad\.json: malformed pairs file"):
        Pairs.load(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text("[]")
    with pytest.raises(SanitizeError, match=r"other\.json: not a pairs file"):
        Pairs.load(tmp_path / "other.json")


def test_placeholder_and_user_callable_strategies(tok: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import sanitize.replacers as replacers

    monkeypatch.setattr(replacers, "_REGISTRY", dict(replacers._REGISTRY))
    pairs = build_pairs(DOCS, [CARD_F, PW_F], tok, PairConfig(replacement="placeholder"))
    assert decode(tok, pairs[0].sanitized.input_ids) == DOCS[0].replace(CARD, "[CREDIT_CARD]")
    assert placeholder("x", "aws_access_key_id") == "[AWS_ACCESS_KEY_ID]"
    register_replacer("stars", lambda secret, type, seed: "*" * len(secret))
    texts = sanitize_texts(DOCS, [PW_F], PairConfig(replacement="stars"))
    assert texts[2] == DOCS[2].replace("hunter2", "*******") and texts[:2] == DOCS[:2]

"""Replacement pairs with both tokenizer families: z is what training saw, z̃ is z with exactly the
finding spans replaced (re-tokenised, never spliced), in record and in run_clm packed mode."""

from __future__ import annotations

import json
import os
from itertools import chain
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import TINY_TEXTS

from sanitize import PairConfig, build_pairs, find_literal, load_corpus, sanitize_texts, tokenize_corpus
from sanitize.errors import SanitizeError
from sanitize.fingerprint import fingerprint_secret, mask_secret
from sanitize.replacers import placeholder, register_replacer, surrogate
from sanitize.testing import train_tokenizer
from sanitize.types import Finding, Pairs

KINDS = ["gpt2", "llama"]
CARD = "4539 1488 0343 6467"
DOCS = [
    f"Please charge card {CARD} for order 1182 before Friday.",
    "The rabbit took a watch out of its waistcoat pocket, and looked at it.",
    "Hi Bob, the wifi password is hunter2 and the door code is 4821.",
]
CARD_F = Finding(0, DOCS[0].index(CARD), DOCS[0].index(CARD) + len(CARD), "credit_card")
PW_F = Finding(2, DOCS[2].index("hunter2"), DOCS[2].index("hunter2") + 7, "password")


TOKS = {kind: train_tokenizer(TINY_TEXTS, kind=kind, vocab_size=320) for kind in KINDS}


@pytest.fixture(params=KINDS)
def tok(request: pytest.FixtureRequest) -> Any:
    return TOKS[request.param]


def text_ids(tok: Any, ids: tuple[int, ...] | list[int]) -> list[int]:
    """Drop the BOS/EOS the tokenizer adds, keep byte tokens (the llama byte fallback)."""
    added = {tok.bos_token_id, tok.eos_token_id}
    return [i for i in ids if i not in added]


def decode(tok: Any, ids: tuple[int, ...] | list[int]) -> str:
    return tok.decode(text_ids(tok, ids))


def spliced(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Ground truth: ``text`` with each (start, end, replacement) applied, nothing else touched."""
    out, pos = [], 0
    for s, e, r in sorted(spans):
        out += [text[pos:s], r]
        pos = e
    return "".join([*out, text[pos:]])


def training_record(tok: Any, text: str, max_length: int = 1024) -> tuple[int, ...]:
    return tuple(tok(text, truncation=True, max_length=max_length)["input_ids"])


def run_clm_blocks(tok: Any, texts: list[str], block: int, eos: bool) -> list[list[int]]:
    """transformers' run_clm.py group_texts (one map batch), written out independently."""
    ids = [list(tok(t)["input_ids"]) + ([tok.eos_token_id] if eos else []) for t in texts]
    stream = list(chain(*ids))
    total = (len(stream) // block) * block
    return [stream[i : i + block] for i in range(0, total, block)]


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


# -- packed mode -----------------------------------------------------------------------------------
@pytest.mark.parametrize("eos", [True, False])
def test_tokenize_corpus_packed_is_run_clm(tok: Any, eos: bool) -> None:
    cfg = PairConfig(mode="packed", block_size=16, append_eos=eos)
    blocks = tokenize_corpus(TINY_TEXTS, tok, cfg)
    assert [list(b.input_ids) for b in blocks] == run_clm_blocks(tok, TINY_TEXTS, 16, eos)
    grouped = tokenize_corpus(
        TINY_TEXTS, tok, PairConfig(mode="packed", block_size=16, append_eos=eos, group_size=5)
    )
    expected = list(chain(*(run_clm_blocks(tok, TINY_TEXTS[i : i + 5], 16, eos) for i in range(0, 24, 5))))
    assert [list(b.input_ids) for b in grouped] == expected
    kept = tokenize_corpus(
        TINY_TEXTS, tok, PairConfig(mode="packed", block_size=16, append_eos=eos, drop_remainder=False)
    )
    assert sum(len(b) for b in kept) == sum(len(tok(t)["input_ids"]) + eos for t in TINY_TEXTS)


def test_tokenize_corpus_record_matches_trainer_recipe(tok: Any) -> None:
    seqs = tokenize_corpus(TINY_TEXTS[:6], tok, PairConfig(max_length=12))
    assert [s.input_ids for s in seqs] == [training_record(tok, t, 12) for t in TINY_TEXTS[:6]]
    assert all(s.labels == list(s.input_ids) for s in seqs)


def test_packed_secret_cut_by_a_block_boundary_pairs_both_blocks(tok: Any) -> None:
    docs = ["Alice was beginning to get very tired.", DOCS[0], DOCS[1]]
    card_start = docs[1].index(CARD)
    findings = [Finding(1, card_start, card_start + len(CARD), "credit_card")]
    n_first = len(tok(docs[0])["input_ids"]) + 1 + len(tok(docs[1][: card_start + 7])["input_ids"])
    for block in (n_first, n_first - 1):  # the boundary lands inside the card number
        cfg = PairConfig(mode="packed", block_size=block)
        pairs = build_pairs(docs, findings, tok, cfg)
        blocks = tokenize_corpus(docs, tok, cfg)
        assert [p.block for p in pairs] == [0, 1] and all(p.findings == (0,) for p in pairs)
        for p in pairs:
            assert p.original == blocks[p.block]
        pieces = [decode(tok, p.sanitized.input_ids) for p in pairs]
        sub = surrogate(CARD, "credit_card", 0)
        assert sub in pieces[0] + pieces[1] and CARD not in pieces[0] + pieces[1]
        assert all(sub not in piece for piece in pieces)  # each block holds a part of it


def test_packed_secret_in_a_dropped_remainder_is_unseen(tok: Any) -> None:
    docs = ["Alice was beginning to get very tired of sitting.", "the password is hunter2"]
    f = Finding(1, docs[1].index("hunter2"), len(docs[1]), "password")
    n0 = len(tok(docs[0])["input_ids"]) + 1
    pairs = build_pairs(docs, [f], tok, PairConfig(mode="packed", block_size=n0))
    assert len(pairs) == 0 and pairs.unseen == (0,)
    kept = build_pairs(docs, [f], tok, PairConfig(mode="packed", block_size=n0, drop_remainder=False))
    assert len(kept) == 1 and kept.unseen == () and kept[0].block == 1


def assert_tiles_sanitized_stream(
    tok: Any, docs: list[str], findings: list[Finding], sanitized: list[str], cfg: PairConfig
) -> Pairs:
    """Packed ground truth: every z̃ (z for unpaired blocks) is the next piece of the sanitized
    documents' own packed token stream; the only gaps follow a z̃ cut at block_size. Placements are
    searched exhaustively (a repeated token cannot make a misplaced piece look right). A block away
    from every change -- all its tokens in a document without findings, or among the tokens its
    document shares with its sanitized twin before its first or after its last finding -- is
    unpaired (so its z̃ is z)."""
    pairs = build_pairs(docs, findings, tok, cfg)
    blocks = tokenize_corpus(docs, tok, cfg)
    eos = [tok.eos_token_id] if cfg.append_eos else []
    stream = list(chain(*(list(tok(t)["input_ids"]) + eos for t in sanitized)))
    by_block = {p.block: p for p in pairs}
    assert len(by_block) == len(pairs)
    pieces = []
    for b, original in enumerate(blocks):
        pair = by_block.get(b)
        if pair is not None:
            assert pair.original == original
        pieces.append(list(pair.sanitized.input_ids if pair is not None else original.input_ids))
        assert len(pieces[-1]) <= cfg.block_size

    def places(b: int, pos: int) -> bool:  # can pieces[b:] be placed from stream position pos on?
        if b == len(pieces):
            return True
        piece = pieces[b]
        gap = b > 0 and len(pieces[b - 1]) == cfg.block_size  # the previous z̃ may have been cut
        for q in range(pos, len(stream) - len(piece) + 1 if gap else pos + 1):
            if stream[q : q + len(piece)] == piece and places(b + 1, q + len(piece)):
                return True
        return False

    assert places(0, 0), "the z̃ do not tile the sanitized token stream"
    unchanged: list[bool] = []  # per token of the original packed stream
    for d, (text, new) in enumerate(zip(docs, sanitized)):
        enc = tok(text, return_offsets_mapping=True)
        ids, offsets = (
            list(enc["input_ids"]) + eos,
            list(enc["offset_mapping"]) + [(len(text), len(text))] * len(eos),
        )
        mine = [f for f in findings if f.doc == d]
        if not mine:
            unchanged += [True] * len(ids)
            continue
        new_ids = list(tok(new)["input_ids"]) + eos
        first, last = min(f.start for f in mine), max(f.end for f in mine)
        prefix = next(
            (t for t, (x, y) in enumerate(zip(ids, new_ids)) if x != y), min(len(ids), len(new_ids))
        )
        prefix = next((t for t in range(prefix) if offsets[t][1] > first), prefix)
        suffix = next((t for t, (x, y) in enumerate(zip(ids[::-1], new_ids[::-1])) if x != y), len(ids))
        suffix = min(suffix, len(ids) - prefix, len(new_ids) - prefix)
        suffix = next((t for t in range(suffix) if offsets[len(ids) - 1 - t][0] < last), suffix)
        unchanged += [t < prefix or t >= len(ids) - suffix for t in range(len(ids))]
    for b in range(len(blocks)):
        if all(unchanged[b * cfg.block_size : (b + 1) * cfg.block_size]):
            assert b not in by_block, f"block {b} is away from every finding but paired"
    return pairs


# -- property test ---------------------------------------------------------------------------------
WORDS = ["the", "card", "password", "is", "rabbit", "watch", "4539", "1488", "hunter2", "Bob,", "é", "☃",
         "\n", "  ", "a", "Friday.", "sk-proj-abc123"]  # fmt: skip


@st.composite
def corpus_and_findings(draw: st.DrawFn) -> tuple[list[str], list[Finding]]:
    docs = draw(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join),
                         min_size=1, max_size=4))  # fmt: skip
    overlap = draw(st.booleans())  # overlapping/adjacent findings merge: then one type, so any order works
    findings = []
    for d, text in enumerate(docs):
        pos = 0
        for _ in range(draw(st.integers(0, 3))):
            if pos >= len(text):
                break
            start = draw(st.integers(pos, len(text) - 1))
            end = draw(st.integers(start + 1, min(len(text), start + 12)))
            kind = "password" if overlap else draw(st.sampled_from(["password", "credit_card", "x"]))
            findings.append(Finding(d, start, end, kind))
            pos = start if overlap else end + 1
    return docs, draw(st.permutations(findings))


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=corpus_and_findings(), block=st.integers(4, 24), eos=st.booleans())
def test_property_z_is_training_and_z_tilde_is_exactly_the_replaced_text(
    kind: str, data: tuple[list[str], list[Finding]], block: int, eos: bool
) -> None:
    tok = TOKS[kind]
    docs, findings = data
    types = {(f.doc, f.start): f.type for f in sorted(findings, reverse=True)}
    expected = [
        spliced(text, [(s, e, surrogate(text[s:e], types[d, s], 0))
                       for s, e in merged([(f.start, f.end) for f in findings if f.doc == d])])
        for d, text in enumerate(docs)
    ]  # fmt: skip
    assert sanitize_texts(docs, findings) == expected
    # record mode, nothing truncated: z̃ decodes to the text with exactly the spans replaced
    pairs = build_pairs(docs, findings, tok)
    assert sorted(p.doc for p in pairs) == sorted({f.doc for f in findings}) and pairs.unseen == ()
    for p in pairs:
        assert p.original.input_ids == training_record(tok, docs[p.doc])
        assert p.sanitized.input_ids == training_record(tok, expected[p.doc])
        assert decode(tok, p.original.input_ids) == docs[p.doc]
        assert decode(tok, p.sanitized.input_ids) == expected[p.doc]
    # record mode, truncated: z is the truncated training sequence, z̃ the truncated sanitized one
    short = build_pairs(docs, findings, tok, PairConfig(max_length=block))
    for p in short:
        assert p.original.input_ids == training_record(tok, docs[p.doc], block)
        assert p.sanitized.input_ids == training_record(tok, expected[p.doc], block)
    assert {i for p in short for i in p.findings} | set(short.unseen) == set(range(len(findings)))
    # packed mode: z is the run_clm block, z̃ tiles the sanitized documents' packed stream
    cfg = PairConfig(mode="packed", block_size=block, append_eos=eos)
    packed = assert_tiles_sanitized_stream(tok, docs, findings, expected, cfg)
    assert {i for p in packed for i in p.findings} | set(packed.unseen) == set(range(len(findings)))


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


def test_find_literal_reports_every_occurrence() -> None:
    docs = ["pin 1234 and 1234", "none", "12341234", "x1234"]
    fs = find_literal(docs, ["1234", "4123"], type="pin")
    assert [(f.doc, f.start, f.end) for f in fs] == [
        (0, 4, 8),
        (0, 13, 17),
        (2, 0, 4),
        (2, 3, 7),
        (2, 4, 8),
        (3, 1, 5),
    ]
    assert fs[0].fingerprint == fingerprint_secret("1234") and fs[0].preview == mask_secret("1234", "pin")
    assert all(f.type == "pin" and f.detector == "literal" for f in fs)
    assert "1234" not in repr(fs)
    with pytest.raises(SanitizeError, match=r"secrets\[1\] must be a non-empty string"):
        find_literal(docs, ["1234", ""])


def test_placeholder_and_user_callable_strategies(tok: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import sanitize.replacers as replacers

    monkeypatch.setattr(replacers, "_REGISTRY", dict(replacers._REGISTRY))
    pairs = build_pairs(DOCS, [CARD_F, PW_F], tok, PairConfig(replacement="placeholder"))
    assert decode(tok, pairs[0].sanitized.input_ids) == DOCS[0].replace(CARD, "[CREDIT_CARD]")
    assert placeholder("x", "aws_access_key_id") == "[AWS_ACCESS_KEY_ID]"
    register_replacer("stars", lambda secret, type, seed: "*" * len(secret))
    texts = sanitize_texts(DOCS, [PW_F], PairConfig(replacement="stars"))
    assert texts[2] == DOCS[2].replace("hunter2", "*******") and texts[:2] == DOCS[:2]


KEYS = ["sanitize-tests", *(f"key{i}" for i in range(40))]


@pytest.mark.parametrize("kind", KINDS)
def test_packed_finding_ending_inside_a_word(kind: str) -> None:
    """Regression (found by hypothesis): the secret "the t" ends inside a word, so its surrogate
    changes how the rest of that word tokenises, and a later block boundary falls between the two
    byte tokens of "é". The twins of the later blocks are their originals (unpaired), for any key."""
    docs = ["the", "the the the the    é the the the"]
    findings = [Finding(1, 0, 5, "password")]
    for key in KEYS:
        expected = [docs[0], surrogate(docs[1][0:5], "password", 0, key=key) + docs[1][5:]]
        cfg = PairConfig(mode="packed", block_size=4, append_eos=False, fingerprint_key=key)
        pairs = assert_tiles_sanitized_stream(TOKS[kind], docs, findings, expected, cfg)
        assert [p.block for p in pairs] == sorted(blocks_holding(TOKS[kind], docs, findings[0], cfg)), key


def blocks_holding(tok: Any, docs: list[str], f: Finding, cfg: PairConfig) -> set[int]:
    """The packed blocks (within the kept ones) that hold a token overlapping finding ``f``."""
    eos = int(cfg.append_eos)
    before = sum(len(tok(t)["input_ids"]) + eos for t in docs[: f.doc])
    enc = tok(docs[f.doc], return_offsets_mapping=True)
    n_blocks = len(tokenize_corpus(docs, tok, cfg))
    held = {
        (before + t) // cfg.block_size
        for t, (a, b) in enumerate(enc["offset_mapping"])
        if a < f.end and b > f.start
    }
    return {b for b in held if b < n_blocks}


@pytest.mark.parametrize("kind", KINDS)
def test_packed_replacements_of_other_lengths_tile(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replacements much longer than the secret (ending like it: the tokens match at the end) or
    empty: the tokens they add or remove stay in the blocks around the secret, at any block size."""
    import sanitize.replacers as replacers

    monkeypatch.setattr(replacers, "_REGISTRY", dict(replacers._REGISTRY))
    register_replacer("longer", lambda secret, type, seed: "é☃ x" * 3 + secret[::-1])
    register_replacer("empty", lambda secret, type, seed: "")
    docs = ["the", "the them the", "the"]
    findings = [Finding(0, 0, 1, "password"), Finding(1, 5, 7, "password")]
    for name in ("longer", "empty"):
        for block in range(1, 6):
            cfg = PairConfig(mode="packed", block_size=block, append_eos=block % 2 == 0, replacement=name)
            pairs = assert_tiles_sanitized_stream(
                TOKS[kind], docs, findings, sanitize_texts(docs, findings, cfg), cfg
            )
            for i, f in enumerate(findings):
                assert blocks_holding(TOKS[kind], docs, f, cfg) <= {p.block for p in pairs if i in p.findings}


WORDY = ["the", "them", "password", "hunter2", "4539", "é", "éé", "☃x", "aé b", "  ", "\n", "a", "Bob,"]


@st.composite
def findings_inside_words(draw: st.DrawFn) -> tuple[list[str], list[Finding]]:
    """Documents of repeated and multi-byte words; findings that start and end inside words."""
    docs = draw(st.lists(st.lists(st.sampled_from(WORDY), min_size=1, max_size=10).map(" ".join),
                         min_size=1, max_size=3))  # fmt: skip
    findings = []
    for d, text in enumerate(docs):
        pos = 0
        for _ in range(draw(st.integers(0, 2))):
            if pos >= len(text) - 1:
                break
            start = draw(st.integers(pos, len(text) - 2))
            end = draw(st.integers(start + 1, min(len(text) - 1, start + 8)))  # never the whole tail
            findings.append(Finding(d, start, end, draw(st.sampled_from(["password", "x"]))))
            pos = end + 1
    return docs, findings


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=findings_inside_words(),
    block=st.integers(2, 8),
    eos=st.booleans(),
    key=st.sampled_from(KEYS),
    rep=st.sampled_from(["surrogate", "placeholder"]),
)
def test_property_packed_findings_inside_words_tile_for_any_key(
    kind: str, data: tuple[list[str], list[Finding]], block: int, eos: bool, key: str, rep: str
) -> None:
    tok = TOKS[kind]
    docs, findings = data
    expected = [
        spliced(text, [(f.start, f.end, surrogate(text[f.start : f.end], f.type, 0, key=key)
                        if rep == "surrogate" else placeholder(text[f.start : f.end], f.type))
                       for f in findings if f.doc == d])
        for d, text in enumerate(docs)
    ]  # fmt: skip
    cfg = PairConfig(mode="packed", block_size=block, append_eos=eos, fingerprint_key=key, replacement=rep)
    assert sanitize_texts(docs, findings, cfg) == expected
    packed = assert_tiles_sanitized_stream(tok, docs, findings, expected, cfg)
    assert {i for p in packed for i in p.findings} | set(packed.unseen) == set(range(len(findings)))
    for i, f in enumerate(findings):  # every block that holds part of a seen finding is paired with it
        held = blocks_holding(tok, docs, f, cfg)
        assert held <= {p.block for p in packed if i in p.findings}
        assert (i in packed.unseen) == (not held)

"""Shared by the tests of sanitize.pairs: a small corpus with findings, both tokenizer families,
independent ground truths (the training recipes written out, text splicing, packed tiling)."""

from __future__ import annotations

from itertools import chain
from typing import Any

from support import TINY_TEXTS

from sanitize import PairConfig, build_pairs, tokenize_corpus
from sanitize.types import Finding, Pairs
from sanitize_lab.tiny import train_tokenizer

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


def assert_tiles_sanitized_stream(
    tok: Any,
    docs: list[str],
    findings: list[Finding],
    sanitized: list[str],
    cfg: PairConfig,
    key: str | None = None,
) -> Pairs:
    """Packed ground truth: every z̃ (z for unpaired blocks) is the next piece of the sanitized
    documents' own packed token stream; the only gaps follow a z̃ cut at block_size. Placements are
    searched exhaustively (a repeated token cannot make a misplaced piece look right). A block away
    from every change -- all its tokens in a document without findings, or among the tokens its
    document shares with its sanitized twin before its first or after its last finding -- is
    unpaired (so its z̃ is z)."""
    pairs = build_pairs(docs, findings, tok, cfg, key=key)
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

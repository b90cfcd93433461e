"""Exact exposure enumeration: trie + KV cache vs naive full-sequence scoring, candidates/second.

    OMP_NUM_THREADS=2 python benchmarks/exposure.py              # 10^5 and 10^6 candidates
    OMP_NUM_THREADS=2 python benchmarks/exposure.py --sizes 4 5  # quicker: 10^4 and 10^5

A tiny GPT-2 (float32, CPU, 1024 positions) scores every candidate of ``digits:N`` after a short
and a long context. The trie path (``score_candidates``: tokenise, run the context once, one step
per internal trie node) is timed on the whole space; the naive path (``score_naive``: one full
forward pass per candidate text) is timed on a random subsample of ``--naive-sample`` candidates
and its rate extrapolated to the whole space (it is linear in the number of candidates); both are
timed in the same run. ``max|diff|`` compares the two paths' scores on that subsample.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's sanitize, not an installed one


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[5, 6], help="Space sizes as digits (10^N).")
    p.add_argument("--naive-sample", type=int, default=2000, help="Candidates the naive path scores.")
    p.add_argument("--batch-size", type=int, default=512, help="Trie nodes per forward pass.")
    p.add_argument("--naive-batch-size", type=int, default=64, help="Texts per naive forward pass.")
    p.add_argument("--long-words", type=int, default=200, help="Words of filler in the long context.")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is).")
    return p


FILLER_TEXT = (
    "Alice was beginning to get very tired of sitting by her sister on the bank and of having nothing "
    "to do once or twice she had peeped into the book her sister was reading"
)


def main(args: argparse.Namespace | Sequence[str] | None = None) -> list[dict[str, object]]:
    if not isinstance(args, argparse.Namespace):
        args = make_parser().parse_args(args)
    import torch

    from sanitize.exposure.scoring import score_naive, score_tokenized, tokenize_candidates
    from sanitize_lab.tiny import tiny_model, train_tokenizer

    if args.threads:
        torch.set_num_threads(args.threads)
    words = FILLER_TEXT.split(" ")
    long_ctx = " ".join(words[i % len(words)] for i in range(args.long_words)) + ". The door code is "
    tok = train_tokenizer([long_ctx, "the door code is 1234", "my pin is 9876"] * 10, "gpt2", vocab_size=400)
    model = tiny_model(tok, "gpt2", max_positions=1024)
    rows = []
    for n_digits in args.sizes:
        cands = [f"{i:0{n_digits}d}" for i in range(10**n_digits)]
        for name, head in (("short", "the door code is "), ("long", long_ctx)):
            ctx_tokens = len(tok(head)["input_ids"])
            t0 = time.perf_counter()
            tokenized = tokenize_candidates(tok, head, cands)
            t1 = time.perf_counter()

            fast = score_tokenized(model, tokenized, batch_size=args.batch_size)
            t2 = time.perf_counter()
            sub = sorted(random.Random(0).sample(range(len(cands)), min(args.naive_sample, len(cands))))
            t3 = time.perf_counter()
            slow = score_naive(model, tok, head, [cands[i] for i in sub], batch_size=args.naive_batch_size)
            t4 = time.perf_counter()
            trie_rate = len(cands) / (t2 - t0)
            naive_rate = len(sub) / (t4 - t3)
            rows.append({
                "candidates": len(cands), "context": name, "context_tokens": ctx_tokens,
                "tokenize_s": t1 - t0, "trie_s": t2 - t1, "trie_cand_per_s": trie_rate,
                "naive_cand_per_s": naive_rate, "naive_measured_on": len(sub),
                "naive_s_extrapolated": len(cands) / naive_rate, "speedup": trie_rate / naive_rate,
                "max_abs_diff": float(abs(fast[sub] - slow).max()),
            })  # fmt: skip
            print_row(rows[-1], header=len(rows) == 1)
    return rows


def print_row(r: dict[str, object], header: bool) -> None:
    if header:
        print(f"torch threads: {__import__('torch').get_num_threads()}")
        print(
            f"{'candidates':>10} {'context':>7} {'ctx tok':>7} {'tokenize s':>10} {'trie s':>8} "
            f"{'trie cand/s':>12} {'naive cand/s':>12} {'naive n':>8} {'naive s (extrap.)':>17} "
            f"{'speedup':>8} {'max|diff|':>9}"
        )
    print(
        f"{r['candidates']:>10} {r['context']:>7} {r['context_tokens']:>7} {r['tokenize_s']:>10.2f} "
        f"{r['trie_s']:>8.2f} {r['trie_cand_per_s']:>12.0f} {r['naive_cand_per_s']:>12.0f} "
        f"{r['naive_measured_on']:>8} {r['naive_s_extrapolated']:>17.0f} {r['speedup']:>7.1f}x "
        f"{r['max_abs_diff']:>9.1e}",
        flush=True,
    )


if __name__ == "__main__":
    main()

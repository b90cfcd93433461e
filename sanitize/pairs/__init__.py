"""Replacement pairs: every training sequence z that held a secret, and its sanitized twin z̃.

The influence update compares the loss on z with the loss on z̃, so both must be tokenised exactly
as fine-tuning saw them. :func:`tokenize_corpus` is the one home of that tokenisation:

* ``record`` mode: one sequence per document, ``tokenizer(text, truncation=True,
  max_length=max_length)`` with the tokenizer's default special tokens (HF ``Trainer`` recipes);
  z̃ is the same call on the sanitized document, i.e. what retraining on the sanitized corpus sees.
* ``packed`` mode (transformers' ``run_clm.py``): each document tokenised with the default special
  tokens (plus EOS if ``append_eos``), concatenated in groups of ``group_size`` documents, cut into
  blocks of ``block_size`` tokens, each group's remainder dropped. Re-packing a sanitized corpus
  would shift every later block, so z̃ is built per block: each document's slice of the block is
  mapped through a token alignment (:class:`~sanitize.pairs.align.Alignment`) of the document onto the tokenisation of
  the sanitized document. Where the two tokenisations agree the map is token for token; only
  inside a re-tokenised run around a replacement is a block boundary placed by position. The z̃
  of consecutive blocks therefore tile the sanitized documents' tokens exactly (a secret cut by a
  block boundary is paired in both blocks, and a block away from every replacement has z̃ = z),
  except that a z̃ longer than ``block_size`` (a run that gained tokens) is cut to ``block_size``:
  the model never saw longer blocks. A block is paired when it holds part of a finding or when its
  z̃ differs from z (a merge across the secret's edge can move a token into the next block).

z̃ is always a fresh tokenisation of the replaced *text* (never spliced token ids), so BPE merges
across the secret boundary come out as the tokenizer makes them. Overlapping or adjacent findings
are merged into one replaced span. Findings whose characters fall beyond truncation (or in a
dropped remainder) were not trained on: they are listed in ``Pairs.unseen`` and get no pair.
"""

from __future__ import annotations

from .build import build_pairs
from .config import PairConfig
from .literal import find_literal
from .spans import sanitize_texts
from .tokenize import tokenize_corpus

__all__ = ["PairConfig", "build_pairs", "find_literal", "sanitize_texts", "tokenize_corpus"]

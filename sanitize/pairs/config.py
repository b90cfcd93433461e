"""How (original, sanitized) training sequences are built: :class:`PairConfig`."""

from __future__ import annotations

import dataclasses

from ..config import BaseConfig, option, seed_option


@dataclasses.dataclass
class PairConfig(BaseConfig):
    """How (original, sanitized) training sequences are built (see :func:`sanitize.build_pairs`).

    ``mode`` must match how the model was fine-tuned: ``"record"`` is one example per document,
    ``tokenizer(text, truncation=True, max_length=max_length)`` with the tokenizer's default special
    tokens (what ``Trainer`` recipes do); ``"packed"`` is the ``run_clm`` recipe: documents tokenised
    with the default special tokens, concatenated (optionally with EOS after each) in groups of
    ``group_size`` documents, and cut into blocks of ``block_size`` tokens, the remainder of each group
    dropped.
    """

    mode: str = option(
        "record", help="'record' = one truncated sequence per document; 'packed' = run_clm blocks."
    )
    max_length: int = option(1024, help="Record mode: truncation length in tokens (special tokens included).")
    block_size: int = option(1024, help="Packed mode: tokens per block.")
    append_eos: bool = option(
        True,
        help="Packed mode: append the EOS token after each document before concatenating (most packing "
        "recipes do; transformers' run_clm.py itself does not: set False to match it exactly).",
    )
    group_size: int = option(
        1000,
        help="Packed mode: documents concatenated per group (run_clm packs inside datasets.map batches of "
        "1000 and drops each group's remainder); 0 = the whole corpus is one group.",
    )
    drop_remainder: bool = option(
        True, help="Packed mode: drop each group's last partial block (run_clm does); False keeps it."
    )
    add_special_tokens: bool = option(
        True, help="Tokenise with the tokenizer's default special tokens (BOS etc.), as training did."
    )
    replacement: str = option(
        "surrogate",
        help="Replacement strategy: 'surrogate' (format-preserving fake of the same type), 'placeholder' "
        "('[CREDIT_CARD]'), 'model' (sampled from the model given the preceding text) or a name "
        "registered with sanitize.replacers.register_replacer.",
    )
    seed: int = seed_option("replacements (with the secret's keyed fingerprint)")
    model_context_tokens: int = option(
        256, help="'model' strategy: how many preceding tokens condition the sampled replacement."
    )
    model_temperature: float = option(1.0, help="'model' strategy: sampling temperature (> 0).")

    def __post_init__(self) -> None:
        self._check_choice("mode", ("record", "packed"))
        for name in ("max_length", "block_size", "model_context_tokens"):
            if isinstance(getattr(self, name), bool) or not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")
            self._check_range(name, 1)
        if isinstance(self.group_size, bool) or not isinstance(self.group_size, int):
            self._fail("group_size", "must be an integer")
        self._check_range("group_size", 0)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            self._fail("seed", "must be an integer")
        for name in ("append_eos", "drop_remainder", "add_special_tokens"):
            if not isinstance(getattr(self, name), bool):
                self._fail(name, "must be true or false")
        if not isinstance(self.replacement, str) or not self.replacement:
            self._fail("replacement", "must be a strategy name")
        self._check_range("model_temperature", 0.0, low_open=True)

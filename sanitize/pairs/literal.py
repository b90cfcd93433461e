"""Findings for literal secrets: every occurrence of given strings (canary workflows, ``--secret``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import SanitizeError
from ..fingerprint import fingerprint_secret, mask_secret
from ..types import Finding
from .tokenize import Corpus


def find_literal(
    corpus: Any, secrets: Sequence[str], *, type: str = "literal", key: str | None = None
) -> list[Finding]:
    """Every occurrence (overlapping ones too) of each literal secret, sorted by (doc, start).

    For canary workflows: ``build_pairs(corpus, find_literal(corpus, ["my pin is 1234"]), tok)``.
    ``key``: the fingerprint key (the scanner's ``ScanConfig.fingerprint_key``, so that literal and
    scanned findings of one secret get the same fingerprint).
    """
    if isinstance(secrets, (str, bytes)):  # a str is a sequence of one-character "secrets"
        raise SanitizeError(
            f"find_literal: secrets must be a list of strings, got a single {secrets.__class__.__name__} "
            "(wrap it in a list: [secret])"
        )
    for i, s in enumerate(secrets):
        if not isinstance(s, str) or not s:
            raise SanitizeError(f"secrets[{i}] must be a non-empty string")
    c = Corpus(corpus)
    meta = [(s, fingerprint_secret(s, key), mask_secret(s, type)) for s in secrets]
    out: list[Finding] = []
    row = 0
    for texts in c.batches():
        for text in texts:
            doc = c.doc_id(row)
            for secret, fp, preview in meta:
                at = text.find(secret)
                while at >= 0:
                    out.append(Finding(doc, at, at + len(secret), type, "literal", 1.0, fp, preview))
                    at = text.find(secret, at + 1)
            row += 1
    return sorted(out)

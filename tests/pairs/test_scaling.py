"""Issue 17: the pairs stage is linear in the number of findings (100k duplicates used to take
minutes: each merge looked for the longest member again), and refuses what is not a findings list."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pairs_support import CARD_F, DOCS

from sanitize import PairConfig, build_pairs, sanitize_texts
from sanitize.errors import SanitizeError
from sanitize.types import Finding


@dataclasses.dataclass(frozen=True, order=True)
class _Counted(Finding):
    """A finding that counts how often its fields are read (a machine-independent cost measure)."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("doc", "start", "end", "type"):
            _READS[0] += 1
        return object.__getattribute__(self, name)


_READS = [0]


def _reads(n: int, tok: Any, mode: str) -> int:
    finding = _Counted(**dataclasses.asdict(CARD_F))
    _READS[0] = 0
    config = PairConfig(mode=mode, block_size=16) if mode == "packed" else PairConfig(mode=mode)
    pairs = build_pairs(DOCS, [finding] * n, tok, config)
    assert len(pairs) >= 1 and {i for p in pairs for i in p.findings} == set(range(n))
    return _READS[0]


@pytest.mark.parametrize("mode", ["record", "packed"])
def test_duplicate_findings_cost_linear_work(tok: Any, mode: str) -> None:
    small, large = _reads(5_000, tok, mode), _reads(20_000, tok, mode)
    assert large < 6 * small, (small, large)  # linear: 4x; the quadratic merge was 16x
    assert large < 40 * 20_000  # a bounded number of field reads per finding


@pytest.mark.parametrize("bad", [None, "doc=0", 42])
def test_findings_that_are_not_a_list_are_refused_by_name(tok: Any, bad: Any) -> None:
    with pytest.raises(SanitizeError, match="build_pairs: findings must be a list of Finding"):
        build_pairs(DOCS, bad, tok)
    with pytest.raises(SanitizeError, match="sanitize_texts: findings must be a list of Finding"):
        sanitize_texts(DOCS, bad)

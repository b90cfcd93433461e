"""Synthetic secrets, the contexts they leak in, hard negatives, and labeled corpora.

Everything here is pure and seeded by a :class:`random.Random` passed in, so a corpus is a function of
its seed. Used by the scan benchmark, detector tests and the demo corpus.

* :func:`fake` -- a *valid* value of every scanner type, drawn by the type's spec
  (:data:`sanitize.detectors.SPECS`: the product's one description of each type).
* :data:`CONTEXTS` / :func:`render` -- several writing styles per type (prose, chat, email, config,
  ``.env``, YAML, JSON, code, logs, CLI flags, connection strings, ...); :func:`surface` adds the
  spellings of one value (cards with spaces or dashes, grouped IBANs, phone formats).
* :data:`DECOY_KINDS` / :func:`decoy` -- every hard-negative kind a scanner must not report.
* :func:`make_corpus` -- JSON-able records with a ``"text"`` field (mixed prose, chat, email, code,
  config, JSON and logs filler) and the exact span of every planted occurrence.

Span convention (what a scanner should report): the value itself, not its keyword -- the password
in ``password=...`` or ``user:pass@host``; the whole ``-----BEGIN ... END ...-----`` block of a key;
a card, IBAN or phone number with its inner separators (and a phone's ``+CC``/parentheses).
"""

from .corpus import Decoy, Label, Planted, SynthCorpus, make_corpus, plant_corpus
from .decoys import DECOY_KINDS, DOCUMENTED_EXAMPLES, decoy
from .filler import FILLER_STYLES
from .styles import CONTEXTS, TYPES, fake, render, surface

__all__ = [
    "CONTEXTS",
    "DECOY_KINDS",
    "DOCUMENTED_EXAMPLES",
    "FILLER_STYLES",
    "TYPES",
    "Decoy",
    "Label",
    "Planted",
    "SynthCorpus",
    "decoy",
    "fake",
    "make_corpus",
    "plant_corpus",
    "render",
    "surface",
]

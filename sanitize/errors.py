"""Exception types. Every user-facing failure is a :class:`SanitizeError` whose message names the
file, line or field at fault; the CLI turns it into ``error: <message>`` and exit code 2.

Messages never contain secret plaintext: callers pass spans, previews or fingerprints, never values.
"""

from __future__ import annotations


class SanitizeError(Exception):
    """Base class for errors caused by user input (bad file, bad config, mismatched model)."""

    exit_code: int = 2


class ConfigError(SanitizeError, ValueError):
    """A configuration field has an invalid value."""


class CorpusError(SanitizeError):
    """A corpus source cannot be read (missing path, unknown format, malformed record, bad text)."""


class ModelLoadError(SanitizeError):
    """A model, tokenizer or adapter cannot be loaded, or the adapter does not fit the base."""

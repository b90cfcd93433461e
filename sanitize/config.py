"""Configuration dataclasses, peft-style: every field carries ``metadata={"help": ...}``, values are
validated in ``__post_init__`` and configs round-trip through JSON (``to_dict``/``from_dict``).

Each pipeline stage owns one small config declared here, so that the arguments used for a run can
be saved next to its results and read back unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any, TypeVar

from .errors import ConfigError

C = TypeVar("C", bound="BaseConfig")


def option(default: Any = dataclasses.MISSING, help: str = "", **kwargs: Any) -> Any:
    """A dataclass field with help text (shown by the CLI and in saved configs)."""
    if isinstance(default, (list, dict, set)):
        value = default
        kwargs["default_factory"] = lambda: type(value)(value)
        default = dataclasses.MISSING
    return dataclasses.field(default=default, metadata={"help": help}, **kwargs)


@dataclasses.dataclass
class BaseConfig:
    """Base for all configs: JSON round-trip and helpers for validation."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(
                f"{cls.__name__}: unknown field(s) {', '.join(unknown)}; known fields: {', '.join(sorted(names))}"
            )
        return cls(**data)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def save(self, path: str | os.PathLike[str]) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.to_json() + "\n")

    @classmethod
    def load(cls: type[C], path: str | os.PathLike[str]) -> C:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read {cls.__name__}: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a JSON object for {cls.__name__}")
        return cls.from_dict(data)

    @classmethod
    def help(cls) -> dict[str, str]:
        """Field name -> help text."""
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}

    # -- validation helpers, used by subclasses in __post_init__ -----------------------------------
    def _fail(self, name: str, message: str) -> None:
        raise ConfigError(f"{type(self).__name__}.{name}: {message} (got {getattr(self, name)!r})")

    def _check_choice(self, name: str, choices: tuple[Any, ...] | list[Any]) -> None:
        if getattr(self, name) not in choices:
            self._fail(name, f"must be one of {', '.join(map(repr, choices))}")

    def _check_range(
        self, name: str, low: float | None = None, high: float | None = None, *, low_open: bool = False
    ) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._fail(name, "must be a number")
        if low is not None and (value <= low if low_open else value < low):
            self._fail(name, f"must be {'>' if low_open else '>='} {low}")
        if high is not None and value > high:
            self._fail(name, f"must be <= {high}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


@dataclasses.dataclass
class CorpusConfig(BaseConfig):
    """How a corpus source is read into documents (see :func:`sanitize.load_corpus`)."""

    text_field: str = option("text", help="Name of the field/column holding the document text.")
    split: str | None = option(
        None,
        help="For .txt files: None = one document per file, 'lines' = one per line, "
        "'paragraphs' = one per blank-line-separated block.",
    )
    encoding_errors: str = option(
        "strict",
        help="'strict' = invalid UTF-8 is an error naming the byte offset; 'replace' = substitute U+FFFD "
        "and warn with a count.",
    )
    dataset_split: str = option(
        "train", help="Split to use when the source is a DatasetDict on disk or a hub dataset."
    )

    def __post_init__(self) -> None:
        if not isinstance(self.text_field, str) or not self.text_field:
            self._fail("text_field", "must be a non-empty string")
        self._check_choice("split", (None, "lines", "paragraphs"))
        self._check_choice("encoding_errors", ("strict", "replace"))


@dataclasses.dataclass
class ExposureConfig(BaseConfig):
    """How exposure is measured (see :func:`sanitize.exposure.exposure`)."""

    exact_budget: int = option(
        100_000,
        help="method='auto' enumerates the whole candidate space exactly when it has at most this many "
        "candidates, and extrapolates from a sample otherwise.",
    )
    sample_size: int = option(
        5_000, help="Candidates drawn uniformly from the space for the skew-normal extrapolation."
    )
    bootstrap: int = option(
        30,
        help="Bootstrap resamples of the sample for the extrapolated exposure's interval (0 = none); each refits the skew-normal (~0.2-0.4 s for 5,000 scores).",
    )
    confidence: float = option(0.95, help="Coverage of the bootstrap interval.")
    batch_size: int = option(256, help="Candidates (trie nodes) per forward pass.")
    seed: int = option(0, help="Seed for sampling candidates and bootstrap resamples.")
    exact_tokenization: bool = option(
        False,
        help="Tokenise every full text context+prefix+candidate instead of a checked tail window "
        "(slower; the window is verified on a sample of candidates and falls back to this on mismatch).",
    )
    prefix_chars: int = option(
        32,
        help="findings_exposure: at most this many characters before a secret (on its line, from a word "
        "start) form its bare prefix; the rest of its training record is the context.",
    )
    fingerprint_key: str | None = option(
        None,
        help="HMAC key for result fingerprints (default: $SANITIZE_FINGERPRINT_KEY or the per-user key).",
    )

    def __post_init__(self) -> None:
        self._check_range("exact_budget", 1)
        self._check_range("sample_size", 10)
        self._check_range("bootstrap", 0)
        self._check_range("confidence", 0.0, 1.0, low_open=True)
        if self.confidence >= 1.0:
            self._fail("confidence", "must be < 1")
        self._check_range("batch_size", 1)
        self._check_range("prefix_chars", 1)
        for name in ("exact_budget", "sample_size", "bootstrap", "batch_size", "seed", "prefix_chars"):
            if not isinstance(getattr(self, name), int):
                self._fail(name, "must be an integer")

"""How a corpus source is read (:class:`CorpusConfig`) and what it yields (:class:`Document`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..config import BaseConfig, option
from ..errors import CorpusError


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


@dataclasses.dataclass(frozen=True)
class Document:
    """One document of a corpus. ``repr`` shows where it came from, not its text."""

    doc: int
    text: str = dataclasses.field(repr=False)
    source: str
    index: int


def config_from(config: CorpusConfig | None, overrides: dict[str, Any]) -> CorpusConfig:
    if config is not None and overrides:
        raise CorpusError("pass either a CorpusConfig or keyword options, not both")
    return config if config is not None else CorpusConfig(**overrides)

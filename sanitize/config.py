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


def option(
    default: Any = dataclasses.MISSING,
    help: str = "",
    *,
    choices: tuple[Any, ...] | None = None,
    **kwargs: Any,
) -> Any:
    """A dataclass field with help text (shown by the CLI and in saved configs).

    ``choices`` are the allowed values: the generated CLI flag offers them and
    :meth:`BaseConfig._check_choices` validates them.
    """
    if isinstance(default, (list, dict, set)):
        value = default
        kwargs["default_factory"] = lambda: type(value)(value)
        default = dataclasses.MISSING
    metadata = {"help": help} if choices is None else {"help": help, "choices": tuple(choices)}
    if kwargs.pop("secret", False):  # never serialised: to_dict/to_json/save write None
        metadata["secret"] = True
    return dataclasses.field(default=default, metadata=metadata, **kwargs)


def seed_option(what: str) -> Any:
    """The one declaration of a seed field (each stage that draws random numbers has one)."""
    return option(0, help=f"Random seed for {what}.")


@dataclasses.dataclass
class BaseConfig:
    """Base for all configs: JSON round-trip and helpers for validation."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; fields declared ``option(..., secret=True)`` (keys) are written as None."""
        return {
            f.name: None if f.metadata.get("secret") else _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
        }

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

    # -- validation helpers, used by subclasses in __post_init__ -----------------------------------
    def _fail(self, name: str, message: str) -> None:
        raise ConfigError(f"{type(self).__name__}.{name}: {message} (got {getattr(self, name)!r})")

    def _check_choices(self) -> None:
        """Validate every field declared with ``option(..., choices=...)``."""
        for f in dataclasses.fields(self):
            if "choices" in f.metadata:
                self._check_choice(f.name, f.metadata["choices"])

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

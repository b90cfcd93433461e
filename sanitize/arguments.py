"""Command-line flags generated from the config dataclasses (one parser builder, like trl's TrlParser).

Every stage config (``ScanConfig``, ``PairConfig``, ``UpdateConfig``, ...) declares its fields once,
with help text. :func:`add_config_arguments` turns a config class into an argument group
(``--update.l2``, ``--pairs.mode``, ... plus short aliases such as ``--mode``); values come, in
increasing priority, from the dataclass defaults, a ``--config`` YAML/JSON file (a section per stage,
or top-level keys for a recipe's own options) and the command line. :func:`config_from_args` builds
the validated dataclass. Nothing here edits argparse internals.

    parser = argparse.ArgumentParser()
    add_config_file_argument(parser)
    add_config_arguments(parser, UpdateConfig, "update", aliases={"order": "--order"})
    args = parse_args(parser, argv, sections=("update",))
    update = config_from_args(UpdateConfig, args, "update")
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .config import BaseConfig
from .errors import ConfigError, SanitizeError

C = TypeVar("C", bound=BaseConfig)
_SECTIONS = "_config_sections"  # Namespace attribute holding the --config file's sections


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A mapping from a ``.yaml``/``.yml``/``.json`` file; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: malformed config ({exc})") from None
    except Exception as exc:  # yaml.YAMLError and friends
        raise ConfigError(f"{path}: malformed config ({str(exc).splitlines()[0]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of option names to values")
    return data


def add_config_file_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", help="YAML/JSON file: a section per stage config and/or option values (flags win)."
    )


# -- types -------------------------------------------------------------------------------------------
def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _number_or_word(text: str) -> float | str:
    """``float | str`` fields such as ``damping: 'auto' | 0.01``."""
    try:
        return float(text)
    except ValueError:
        return text


def _members(annotation: Any) -> tuple[Any, ...]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return tuple(a for a in typing.get_args(annotation) if a is not type(None))
    return (annotation,)


def _flag_kwargs(field: dataclasses.Field[Any], annotation: Any) -> dict[str, Any]:
    """argparse keyword arguments for one dataclass field."""
    members = _members(annotation)
    kwargs: dict[str, Any] = {"help": field.metadata.get("help", "").replace("%", "%%")}
    if "choices" in field.metadata:
        kwargs["choices"] = field.metadata["choices"]
    origin = typing.get_origin(members[0])
    if origin in (list, tuple):
        (item,) = typing.get_args(members[0])[:1] or (str,)
        kwargs.update(nargs="*", type=item if item in (int, float) else str, metavar="V")
    elif members == (bool,):
        kwargs.update(type=_bool, metavar="true|false")
    elif set(members) == {float, str}:
        kwargs.update(type=_number_or_word, metavar="X")
    elif members[0] in (int, float):
        kwargs.update(type=members[0], metavar="N" if members[0] is int else "X")
    else:
        kwargs.update(type=str, metavar="S")
    return kwargs


def add_config_arguments(
    parser: argparse.ArgumentParser,
    cls: type[BaseConfig],
    section: str,
    *,
    aliases: dict[str, str | Sequence[str]] | None = None,
    exclude: Iterable[str] = (),
    flat: bool = False,
) -> argparse._ArgumentGroup:
    """One flag per field of ``cls``: ``--SECTION.FIELD`` (or ``--FIELD`` with ``flat``), plus aliases.

    Flags default to "not given", so a value from ``--config`` is only overridden when the flag is
    actually on the command line.
    """
    aliases = dict(aliases or {})
    skip = set(exclude)
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(f"{section} ({cls.__name__})", (cls.__doc__ or "").split("\n")[0])
    for field in dataclasses.fields(cls):
        if field.name in skip:
            continue
        dashed = field.name.replace("_", "-")
        main = f"--{dashed}" if flat else f"--{section}.{dashed}"
        extra = aliases.pop(field.name, ())
        extra = [extra] if isinstance(extra, str) else list(extra)
        names = extra if flat and extra else [main, *extra]  # a flat alias replaces the field's name
        group.add_argument(
            *dict.fromkeys(names),
            dest=f"{section}.{field.name}",
            default=argparse.SUPPRESS,
            **_flag_kwargs(field, hints[field.name]),
        )
    if aliases:
        raise ValueError(f"aliases for unknown fields of {cls.__name__}: {', '.join(aliases)}")
    return group


def config_values(args: argparse.Namespace, section: str) -> dict[str, Any]:
    """The section's values: the ``--config`` file's section overridden by the flags given."""
    values = dict(getattr(args, _SECTIONS, {}).get(section, {}))
    prefix = f"{section}."
    values.update({k[len(prefix) :]: v for k, v in vars(args).items() if k.startswith(prefix)})
    return values


def config_from_args(cls: type[C], args: argparse.Namespace, section: str, **overrides: Any) -> C:
    """``cls`` from the ``--config`` section, the flags given and ``overrides`` (highest priority)."""
    values = config_values(args, section)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return cls.from_dict(values)


def parse_args(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None = None,
    sections: Sequence[str] = (),
    required: Sequence[str] = (),
) -> argparse.Namespace:
    """Parse ``argv`` with ``--config FILE``.

    The file's keys named in ``sections`` are per-stage mappings, read by :func:`config_from_args`;
    every other key is a plain option (``-`` or ``_``) and becomes that option's default. Options in
    ``required`` must come from the file or the command line; the error names both.
    """
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config")
    path = pre.parse_known_args(argv)[0].config
    nested: dict[str, dict[str, Any]] = {}
    if path:
        data = read_config_file(path)
        for key in [k for k in data if k in sections]:
            if not isinstance(data[key], dict):
                raise ConfigError(f"{path}: section '{key}' must be a mapping")
            nested[key] = data.pop(key)
        parser.set_defaults(**_file_defaults(parser, data, path, sections))
    args = parser.parse_args(argv)
    setattr(args, _SECTIONS, nested)
    missing = [name for name in required if getattr(args, name, None) in (None, "")]
    if missing:
        flags = ", ".join("--" + m.replace("_", "-") for m in missing)
        parser.error(f"the following arguments are required (as flags or --config keys): {flags}")
    return args


def _file_defaults(
    parser: argparse.ArgumentParser, data: dict[str, Any], path: str, sections: Sequence[str]
) -> dict[str, Any]:
    """Top-level file keys -> parser defaults. A key is any long flag without its dashes (``max_length``
    for ``--max-length``, ``update.l2`` for ``--update.l2``); a switch (``no_verify: true``) takes its
    constant when true."""
    by_key: dict[str, argparse.Action] = {}
    for action in parser._actions:  # read-only: the options this parser has
        for flag in action.option_strings:
            if flag.startswith("--"):
                by_key[flag[2:].replace("-", "_")] = action
    unknown = sorted(str(k) for k in data if str(k).replace("-", "_") not in by_key)
    if unknown:
        hint = f"; sections: {', '.join(sections)}" if sections else ""
        raise ConfigError(f"{path}: unknown option(s) {', '.join(unknown)}{hint}")
    defaults: dict[str, Any] = {}
    for key, value in data.items():
        action = by_key[str(key).replace("-", "_")]
        if action.nargs == 0:  # store_true / store_false / store_const
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: option '{key}' is a switch: true or false")
            if value:
                defaults[action.dest] = action.const
        else:
            defaults[action.dest] = value
    return defaults


def run_recipe(main: Callable[[argparse.Namespace], Any], parser: argparse.ArgumentParser, **kw: Any) -> None:
    """A recipe's ``__main__``: parse (with ``--config``), run, and turn a SanitizeError into
    ``error: ...`` on stderr with its exit code, as the ``sanitize`` CLI does."""
    try:
        main(parse_args(parser, **kw))
    except SanitizeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)

"""Argument handling shared by the recipes and ``sanitize unlearn --config``: YAML/JSON config files
whose keys are the parser's option names (trl-style ``--config recipe.yaml``; flags given on the
command line win over the file).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigError


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A mapping from a ``.yaml``/``.yml``/``.json`` file; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from None
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


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML/JSON file of option values (flags on the command line win).")


def parse_args(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None = None, sections: Sequence[str] = ()
) -> argparse.Namespace:
    """Parse ``argv``; values from ``--config FILE`` become defaults (keys: option names, - or _).

    Keys named in ``sections`` (nested mappings, e.g. ``update:``) are set aside as
    ``args.sections`` instead.
    """
    pre = argparse.ArgumentParser(add_help=False)  # --config alone: required options may be in the file
    pre.add_argument("--config")
    path = pre.parse_known_args(argv)[0].config
    parser.set_defaults(sections={})
    if path:
        data = read_config_file(path)
        dests = {a.dest for a in parser._actions}
        nested = {k: data.pop(k) for k in list(data) if k in sections}
        for key, value in nested.items():
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: section '{key}' must be a mapping")
        parser.set_defaults(sections=nested)
        values = {str(k).replace("-", "_"): v for k, v in data.items()}
        unknown = sorted(set(values) - dests)
        if unknown:
            raise ConfigError(f"{path}: unknown option(s) {', '.join(unknown)}")
        required = [a for a in parser._actions if a.required and a.dest in values]
        for action in required:  # satisfied by the file
            action.required = False
        parser.set_defaults(**values)
    return parser.parse_args(argv)


def run_recipe(main: Any, parser: argparse.ArgumentParser, **parse_kwargs: Any) -> None:
    """A recipe's ``__main__``: parse (with ``--config``), run, and turn a SanitizeError into
    ``error: ...`` on stderr with its exit code, as the ``sanitize`` CLI does."""
    import sys

    from .errors import SanitizeError

    try:
        main(parse_args(parser, **parse_kwargs))
    except SanitizeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)

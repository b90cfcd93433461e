"""Deprecated location: see :mod:`sanitize.arguments` (removed once the recipes are converted)."""

from __future__ import annotations

from .arguments import add_config_file_argument as add_config_argument
from .arguments import parse_args, read_config_file, run_recipe

__all__ = ["add_config_argument", "parse_args", "read_config_file", "run_recipe"]

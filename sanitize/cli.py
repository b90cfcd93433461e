"""``sanitize`` command line: argparse subcommands that only wire pipeline stages together.

Each subcommand lives in ``sanitize/commands/<name>.py`` with ``add_parser(subparsers)`` and
``run(args) -> int``; modules that need torch import it inside ``run`` so ``sanitize scan`` and
``sanitize --help`` start fast. A :class:`~sanitize.errors.SanitizeError` becomes
``error: <message>`` on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from ._version import __version__
from .errors import SanitizeError

# Registered subcommands, in the order `sanitize --help` lists them.
COMMANDS: tuple[str, ...] = ("inspect", "scan", "unlearn", "exposure", "canary")


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names, when its first non-option word is one (top-level options
    take no values, so that word is the command)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in COMMANDS else None


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with ``only`` that one: ``sanitize scan`` then never
    imports the unlearning stack's configs (numpy, the pairs and exposure packages; ~0.17 s of
    start-up), and ``sanitize --help`` still lists all of them."""
    parser = argparse.ArgumentParser(
        prog="sanitize",
        description="Find leaked secrets in a training corpus and remove them from a fine-tuned model.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="More log output (-vv for debug).")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"sanitize.commands.{name}")
        command = module.add_parser(sub)
        command.set_defaults(run=module.run, command_parser=command, command_module=module)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse; a subcommand with config ``SECTIONS`` is parsed again with its ``--config`` file applied
    (sections per stage config, top-level keys as option defaults, ``REQUIRED`` from either)."""
    args = parser.parse_args(argv)
    module = getattr(args, "command_module", None)
    if module is None or not hasattr(module, "SECTIONS"):
        return args
    from .arguments import parse_args

    argv = list(sys.argv[1:] if argv is None else argv)
    sub = parse_args(
        args.command_parser,
        argv[argv.index(args.command) + 1 :],
        sections=module.SECTIONS,
        required=getattr(module, "REQUIRED", ()),
    )
    for key, value in vars(sub).items():
        setattr(args, key, value)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser(_named_command(sys.argv[1:] if argv is None else argv))
    if (argv is None and len(sys.argv) == 1) or (argv is not None and not list(argv)):
        parser.print_help(sys.stderr)
        return 2
    try:
        args = _parse(parser, argv)
    except SanitizeError as exc:  # an unreadable or malformed --config file
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    from .files import sigterm_as_exit

    try:
        with sigterm_as_exit():  # a killed command removes its temporaries (outputs, private corpus copies)
            return int(args.run(args) or 0)
    except SanitizeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

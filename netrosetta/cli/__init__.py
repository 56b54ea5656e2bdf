"""netrosetta: network device metrics from SNMP, gNMI, NETCONF, APIs, CLI and flows, translated by
versioned YAML rulebooks into one OpenTelemetry schema.

Each subcommand lives in its own module under netrosetta.cli.

A module in COMMANDS exposes ``register(subparsers)``; the parser it adds sets ``func`` to a
callable taking the parsed args and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from netrosetta import __version__
from netrosetta.errors import NetrosettaError

COMMANDS = [
    "netrosetta.cli.translate",   # translate, explain
    "netrosetta.cli.rulebook",    # rulebook lint|test|schema
    "netrosetta.cli.mibs",        # mibs compile
    "netrosetta.cli.run",         # run, config check|schema
    "netrosetta.cli.lab",         # lab [--run]
    "netrosetta.cli.flow",        # flow decode|listen
    "netrosetta.cli.gnmi",        # gnmi catalog|sim|capabilities|get|subscribe
    "netrosetta.cli.record",      # record (NETCONF/API/CLI recordings)
    "netrosetta.cli.traps",       # traps (SNMP notifications as OTLP logs)
    "netrosetta.cli.coverage",    # coverage [--walk DIR [--expected DIR]]
    "netrosetta.cli.reconcile",   # reconcile A B (one device, two sources)
]


VERBOSE_HELP = "more logging: -v info, -vv debug (netrosetta's own); -vvv debug of the libraries too"


def _summary() -> str:
    """The module docstring's first paragraph, whole (the help must not stop mid-sentence)."""
    return " ".join((__doc__ or "").split("\n\n", 1)[0].split())


def _verbose_everywhere(parser: argparse.ArgumentParser) -> None:
    """`-v` is taken after the subcommand too (`netrosetta run -v`), adding to any given before it."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if not any("-v" in a.option_strings for a in sub._actions):
                    sub.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                                     help=VERBOSE_HELP)
                _verbose_everywhere(sub)


def configure_logging(verbose: int) -> None:
    # libraries (ncclient, paramiko, asyncssh, grpc) stay at WARNING below -vvv: their INFO
    # carries whole NETCONF replies and SSH chatter, which is noise and can hold device secrets
    logging.basicConfig(level=logging.DEBUG if verbose >= 3 else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("netrosetta").setLevel([logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netrosetta", description=_summary())
    parser.add_argument("--version", action="version", version=f"netrosetta {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command whose module is not written yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    _verbose_everywhere(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except NetrosettaError as exc:
        print(f"netrosetta: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())

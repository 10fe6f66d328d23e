"""The ``wavesegment`` command line: one module per command, each a thin layer that parses its
options, calls one library function and prints.

Importing this package is cheap (typer, no numpy): the commands import the library when they
run. Exit codes: 0 success; 1 a batch with failed images, or an internal error (a bug; set
``WAVESEGMENT_DEBUG=1`` for its traceback); 2 an input or option the user can fix; 130 Ctrl-C.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from . import _common, batch, evaluate, explain, match, run, show

_COMMANDS = {
    "run": run.run,
    "batch": batch.batch,
    "show": show.show,
    "explain": explain.explain,
    "eval": evaluate.evaluate,
    "match": match.match,
}


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"wavesegment {__version__}")
        raise typer.Exit()


def _main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Segment images with traveling waves in a complex-valued recurrent network."""


def _app(names) -> typer.Typer:
    """The command line with the commands ``names``."""
    built = typer.Typer(
        add_completion=False,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        help="Segment images with traveling waves in a complex-valued recurrent network.",
    )
    for name in names:
        built.command(name)(_common.guarded(_COMMANDS[name]))
    built.callback()(_main_options)
    return built


app = _app(_COMMANDS)


def main() -> None:
    """Entry point of the ``wavesegment`` console script."""
    from ..io.images import quiet_decoder_warnings

    quiet_decoder_warnings()
    # typer makes the options of every command before it parses one (inspecting signatures,
    # evaluating annotations): a command line that names its command needs that one only.
    named = sys.argv[1] if len(sys.argv) > 1 else None
    try:
        (_app([named]) if named in _COMMANDS else app)()
    except Exception as error:  # raised outside any command, e.g. while building them: a bug
        try:
            _common.internal_error(error)
        except typer.Exit as stop:
            sys.exit(stop.exit_code)


__all__ = ["app", "main"]

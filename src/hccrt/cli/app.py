"""The ``hccrt`` command: one Typer app, with exit codes 0 (ok), 2 (bad input), 1 (internal).

Each command lives in its own module under :mod:`hccrt.cli` and registers itself with
``register(app)``; heavy imports happen inside the commands so ``hccrt --help`` stays fast.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from hccrt import __version__
from hccrt.errors import InputError

app = typer.Typer(
    name="hccrt",
    help=(
        "Radiotherapy and local treatment of hepatocellular carcinoma: decision support, "
        "radiobiology, target volumes, plan evaluation and planning. "
        "Doses in Gy, lengths in mm, volumes in cc (cm³) unless a name says otherwise."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"hccrt {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or error.title
    value = first.get("input")
    shown = value if isinstance(value, str) else repr(value)
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{field}={shown}: {first['msg']}{more}; correct the value and retry"


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit: 0 ok, 2 bad input (one line on stderr), 1 internal error."""
    try:
        returned = app(args=argv, standalone_mode=False)
    except InputError as error:
        sys.stderr.write(f"error: {error}\n")
        sys.exit(2)
    except ValidationError as error:
        sys.stderr.write(f"error: {_validation_message(error)}\n")
        sys.exit(2)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(1)
    except typer.TyperException as error:  # usage errors of the (vendored) click parser
        show = getattr(error, "show", None)
        if callable(show):
            show(file=sys.stderr)
        else:
            sys.stderr.write(f"error: {error.format_message()}\n")
        sys.exit(error.exit_code)
    except Exception as error:
        if os.environ.get("HCCRT_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(error).__name__}: {error} "
            "(this is a bug in hccrt; rerun with HCCRT_DEBUG=1 for the traceback)\n"
        )
        sys.exit(1)
    sys.exit(returned if isinstance(returned, int) else 0)


# Command registration: one line per command module.
from hccrt.cli import radiobiology  # noqa: E402

radiobiology.register(app)
from hccrt.cli import clinical  # noqa: E402

clinical.register(app)
from hccrt.cli import run  # noqa: E402

run.register(app)
from hccrt.cli import planning  # noqa: E402

planning.register(app)
from hccrt.cli import structures  # noqa: E402

structures.register(app)
from hccrt.cli import web  # noqa: E402

web.register(app)
from hccrt.cli import evaluation  # noqa: E402

evaluation.register(app)
from hccrt.cli import phantom  # noqa: E402

phantom.register(app)
from hccrt.cli import dose  # noqa: E402

dose.register(app)
from hccrt.cli import node  # noqa: E402

node.register(app)
from hccrt.cli import fhir  # noqa: E402

fhir.register(app)

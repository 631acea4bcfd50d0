"""The ``hccrt`` command: one Typer app, with exit codes 0 (ok), 2 (bad input), 1 (internal).

Each command lives in its own module under :mod:`hccrt.cli` and registers itself with
``register(app)``. The modules are loaded on dispatch: :data:`COMMANDS` names each command, the
module that registers it and the one-line help that ``hccrt --help`` lists, so ``hccrt --help``
imports no command module and ``hccrt dvh`` imports only :mod:`hccrt.cli.evaluation` (and what its
command uses). A test checks the table against the modules.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
from typer._click import Command, Context, HelpFormatter
from typer._click.utils import make_default_short_help

from hccrt.errors import InputError

if TYPE_CHECKING:
    from pydantic import ValidationError

# Every command, in `hccrt --help` order: name -> (module under hccrt.cli, first sentence of its
# help). A new command module adds its lines here (tests/cli/test_app.py checks them).
COMMANDS: dict[str, tuple[str, str]] = {
    "bed": (
        "radiobiology",
        "BED and EQD2 of one fractionation scheme, with the model and parameters used.",
    ),
    "ntcp": (
        "radiobiology",
        "RILD NTCP of a liver DVH: LKB on the gEUD, after conversion to the set's fractionation.",
    ),
    "assess": (
        "clinical",
        "Assess one HCC patient against the seed rules: Child-Pugh, ALBI, MELD, BCLC/CNLC, "
        "rated local therapies and the radiotherapy plan outline (intent, technique, "
        "fractionation with BED in Gy, CTV/PTV margins in mm, mean normal-liver dose limit in"
        " Gy), each item with its reasons, rule ids and sources.",
    ),
    "followup": (
        "clinical",
        "Grade liver labs during/after RT (CTCAE v5.0, ULN and abnormal-baseline rules), "
        "classify RILD (classic / non_classic / none / indeterminate, within 4 months of RT "
        "end, after high-dose liver RT, progression excluded) and recommend stopping RT for "
        "liver injury of grade >= 2 during RT.",
    ),
    "board": (
        "board",
        "One-page tumour-board summary of a patient on a date: stages, liver function and its "
        "trend, ranked options with reasons and sources, open questions and the prior treatment "
        "timeline (HTML or PDF with --out).",
    ),
    "run": (
        "run",
        "Run every hccrt stage on a case folder: assessment, planning, evaluation, report.",
    ),
    "plan": (
        "planning",
        "Plan a case: 3DCRT first, IMRT if the dosimetric requirements are not met (seed 000).",
    ),
    "structures": ("structures", "List the ROIs of an RTSTRUCT with their volumes in cc."),
    "margin": (
        "structures",
        "Expand (or contract) an ROI by exact margins in mm and save it as a new ROI.",
    ),
    "derive": (
        "structures",
        "Build a new ROI from an expression of existing ROIs and save it in a new RTSTRUCT.",
    ),
    "serve": (
        "web",
        "Run the web application: patients, assessment, DICOM upload, plan evaluation, reports.",
    ),
    "dvh": ("evaluation", "DVH statistics and TG-263 metrics of structures in a dose (Gy, cc)."),
    "evaluate": (
        "evaluation",
        "Evaluate a plan against an HCC protocol and write evaluation.json, report.html/.pdf.",
    ),
    "phantom": (
        "phantom",
        "Write a synthetic HCC patient: a 512x512 CT series (0.98 mm pixels, 3 mm slices, "
        "HFS, portal-venous HU), an RTSTRUCT with TG-263 ROIs and a patient.json record.",
    ),
    "fractionation": ("radiobiology", "Compare fractionation schemes (BED and EQD2 per α/β)."),
    "cohort": ("web", "Evaluate many plans at once (Dask): resumable, failures recorded per case."),
    "dose": (
        "dose",
        "Recompute a photon RTPLAN's dose on its CT with hccrt's engine and compare it.",
    ),
    "db": ("db", "The patient store's database."),
    "store": ("store_ops", "The file store: check it and remove orphans."),
    "audit": ("store_ops", "The audit log."),
    "decision": (
        "decision",
        "Tumour-board decisions in the patient store: sign one, show the last.",
    ),
    "listen": (
        "node",
        "Run the DICOM node: receive cases, run `hccrt run` on each complete one, send results.",
    ),
    "pull": (
        "pull",
        "Pull a study from a PACS (C-FIND, then C-GET) into a case folder for `hccrt run`.",
    ),
    "schema": (
        "schema",
        "Print the JSON schema of a patient, follow-up or course record (docs/*-schema.json).",
    ),
    "fhir": (
        "fhir",
        "The patient record as an HL7 FHIR R4B Bundle (R4 content accepted; docs/fhir.md).",
    ),
    "register": (
        "fusion",
        "Register an MR, PET, CBCT (or older CT) to the planning CT with mutual information "
        "(SimpleITK): "
        "rigid multi-resolution from the DICOM positions, optionally B-spline deformable.",
    ),
    "propagate": (
        "fusion",
        "Map ROIs drawn on the moving image onto the planning CT through a registration: rigid "
        "or deformable, resampled onto the CT slice planes (volumes in cc).",
    ),
    "lipiodol": (
        "fusion",
        "Find lipiodol deposits (high-HU components inside the liver) on a post-TACE CT and add"
        " them as GTV_lipiodol candidates, marked as a SUGGESTION for the clinician (ROI "
        "Description, no interpreted type), with volume (cc), mean HU, location and the "
        "comparison with the GTV.",
    ),
}


def load_module_commands(module: str) -> dict[str, Command]:
    """Import ``hccrt.cli.<module>`` and return the click commands its ``register`` adds."""
    # The holder has the root app's help settings, so the commands render as they did on it.
    holder = typer.Typer(add_completion=False, rich_markup_mode=None)
    importlib.import_module(f"hccrt.cli.{module}").register(holder)
    return dict(typer.main.get_group(holder).commands)


class _LazyCommands(MutableMapping[str, Command]):
    """The root group's commands: names from :data:`COMMANDS`, each module imported on first use."""

    def __init__(self, eager: Mapping[str, Command]) -> None:
        self._loaded = dict(eager)

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded and name in COMMANDS:
            self._loaded.update(load_module_commands(COMMANDS[name][0]))
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (name for name in self._loaded if name not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._loaded.keys())

    def loaded(self, name: str) -> Command | None:
        return self._loaded.get(name)


class _LazyGroup(typer.core.TyperGroup):
    """The root group: lists every command from the table and loads one only to run it."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        # Same rows as click's own listing, from the table, without importing the modules.
        assert isinstance(self.commands, _LazyCommands)
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.loaded(name)
            if command is None:
                rows.append((name, make_default_short_help(COMMANDS[name][1], limit)))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


app = typer.Typer(
    cls=_LazyGroup,
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
        from hccrt import __version__

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


def _as_validation_error(error: Exception) -> ValidationError | None:
    # pydantic is imported by the commands that validate, not by `hccrt --help`.
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(error, pydantic.ValidationError):
        invalid: ValidationError = error
        return invalid
    return None


WEB_EXTRA_MODULES = frozenset(
    {
        "alembic", "argon2", "confusable_homoglyphs", "dask", "distributed", "fastapi",
        "itsdangerous", "multipart", "pandas", "psycopg", "pyarrow", "python_multipart",
        "sqlalchemy", "uvicorn", "zxcvbn",
    }
)  # fmt: skip
"""Import names of the ``[web]`` extra (server, store, cohorts): missing ones name the extra."""


def _missing_extra_line(error: Exception, argv: list[str] | None) -> str | None:
    """The one-line message for a package of the ``[web]`` extra that is not installed."""
    if not isinstance(error, ModuleNotFoundError) or error.name is None:
        return None
    module = error.name.split(".")[0]
    if module not in WEB_EXTRA_MODULES:
        return None
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    command = f"hccrt {words[0]}" if words else "this command"
    return (
        f"{command}: needs the web extra (Python package {module!r} is not installed); "
        "install it: pip install 'hccrt[web]'"
    )


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit: 0 ok, 2 bad input (one line on stderr), 1 internal error."""
    try:
        returned = app(args=argv, standalone_mode=False)
    except InputError as error:
        sys.stderr.write(f"error: {error}\n")
        sys.exit(2)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        sys.exit(1)
    except typer.TyperException as error:  # usage errors of the (vendored) click parser
        from hccrt.cli._input import usage_error_line

        sys.stderr.write(f"error: {usage_error_line(error)}\n")
        sys.exit(error.exit_code)
    except Exception as error:
        invalid = _as_validation_error(error)
        if invalid is not None:
            sys.stderr.write(f"error: {_validation_message(invalid)}\n")
            sys.exit(2)
        extra = _missing_extra_line(error, argv)
        if extra is not None:
            sys.stderr.write(f"error: {extra}\n")
            sys.exit(2)
        from hccrt.cli._input import os_error_line

        line = os_error_line(error) if isinstance(error, OSError) else None
        if line is not None:  # permissions, full disk: the user can fix it
            sys.stderr.write(f"error: {line}\n")
            sys.exit(2)
        if os.environ.get("HCCRT_DEBUG"):
            raise
        sys.stderr.write(
            f"internal error: {type(error).__name__}: {error} "
            "(this is a bug in hccrt; rerun with HCCRT_DEBUG=1 for the traceback)\n"
        )
        sys.exit(1)
    sys.exit(returned if isinstance(returned, int) else 0)

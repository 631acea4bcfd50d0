from typing import Any

import pytest
import typer
from pydantic import BaseModel, ValidationError
from typer._click import Context, HelpFormatter

from hccrt import __version__
from hccrt.cli.app import (
    COMMANDS,
    _as_validation_error,
    _validation_message,
    app,
    load_module_commands,
)
from tests.conftest import invoke


def test_version_and_help() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout
    assert invoke(["--help"]).exit_code == 0


def test_unknown_command_is_usage_error() -> None:
    result = invoke(["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.stderr


def _help_rows(group: Any) -> str:
    formatter = HelpFormatter(width=80)
    group.format_commands(Context(group), formatter)
    return formatter.getvalue()


def test_the_command_table_matches_the_modules() -> None:
    # Every command in COMMANDS, with the module that registers it and its help's first sentence.
    found: dict[str, tuple[str, str]] = {}
    for module in dict.fromkeys(module for module, _ in COMMANDS.values()):
        for name, command in load_module_commands(module).items():
            found[name] = (module, command.get_short_help_str(10_000))
    assert found == COMMANDS


def test_help_lists_the_table_exactly_as_the_loaded_commands_would() -> None:
    lazy = typer.main.get_group(app)
    listed = _help_rows(lazy)
    for name in COMMANDS:
        assert lazy.get_command(Context(lazy), name) is not None
    assert _help_rows(lazy) == listed
    assert listed.count("\n") == len(COMMANDS) + 1


def test_a_pydantic_validation_error_becomes_one_input_line() -> None:
    class Dose(BaseModel):
        dose_gy: float

    with pytest.raises(ValidationError) as caught:
        Dose(dose_gy="fifty")  # type: ignore[arg-type]
    assert _as_validation_error(caught.value) is caught.value
    assert _as_validation_error(ValueError("x")) is None
    assert _validation_message(caught.value).startswith("dose_gy=fifty: Input should be")


def test_a_missing_web_extra_package_names_the_extra() -> None:
    # Issue 18 item 7: the base install's `hccrt db` / `cohort` said "internal error: No module
    # named 'alembic'". (scripts/wheel_check.py checks it in a real base install.)
    from hccrt.cli.app import _missing_extra_line

    missing = ModuleNotFoundError("No module named 'alembic'", name="alembic")
    assert _missing_extra_line(missing, ["db", "upgrade"]) == (
        "hccrt db: needs the web extra (Python package 'alembic' is not installed); "
        "install it: pip install 'hccrt[web]'"
    )
    deep = ModuleNotFoundError("No module named 'dask.distributed'", name="dask.distributed")
    assert _missing_extra_line(deep, ["--verbose", "cohort"]) is not None
    other = ModuleNotFoundError("No module named 'numpy'", name="numpy")  # a bug, not the extra
    assert _missing_extra_line(other, ["dvh"]) is None
    assert _missing_extra_line(ValueError("x"), ["dvh"]) is None

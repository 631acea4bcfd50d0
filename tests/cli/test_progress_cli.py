"""The command line's progress: Rich on a terminal in text mode, silent otherwise."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from hccrt.cli._progress import RichProgress, command_progress, progress_wanted
from hccrt.cli.output import OutputFormat
from hccrt.progress import NO_PROGRESS
from tests.conftest import invoke

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "patients"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_for_text_on_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert progress_wanted(OutputFormat.text)
    assert not progress_wanted(OutputFormat.json)
    with command_progress(OutputFormat.json) as progress:
        assert progress is NO_PROGRESS
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # piped: quiet
    assert not progress_wanted(OutputFormat.text)
    with command_progress(OutputFormat.text) as progress:
        assert progress is NO_PROGRESS


def test_the_rich_display_shows_stage_note_and_steps() -> None:
    from rich.console import Console
    from rich.progress import Progress as RichBars

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    with RichBars(console=console, auto_refresh=False) as bars:
        shown = RichProgress(bars)
        shown.stage("planning", 3, 4)
        shown.note("3DCRT: apertures")
        shown.step("beams", 2, 7)
        stage, steps = bars.tasks
        assert stage.description == "[3/4] planning: 3DCRT: apertures"
        assert (stage.completed, stage.total) == (2, 4)
        assert (steps.description, steps.completed, steps.total, steps.visible) == (
            "  beams",
            2,
            7,
            True,
        )
        shown.stage("evaluation and report", 4, 4)
        assert not bars.tasks[1].visible  # the previous stage's bar goes away


def test_run_with_json_prints_only_the_json(tmp_path: Path) -> None:
    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(EXAMPLES / "single_hcc_child_a.json", case / "patient.json")
    result = invoke(["run", str(case), "--out", str(tmp_path / "out"), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["stages"][0]["name"] == "inventory"

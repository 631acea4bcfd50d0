"""The progress protocol: the silent default, the recorder and the step counter."""

from __future__ import annotations

import pytest

from hccrt.progress import NO_PROGRESS, NoProgress, Progress, RecordedProgress, StepCounter


def test_the_default_and_the_recorder_are_progress_objects() -> None:
    assert isinstance(NO_PROGRESS, NoProgress)
    assert isinstance(NO_PROGRESS, Progress)
    assert isinstance(RecordedProgress(), Progress)
    assert not isinstance(object(), Progress)  # the negative case: no methods, no protocol
    NO_PROGRESS.stage("x", 1, 1)
    NO_PROGRESS.step("beams", 1, 1)
    NO_PROGRESS.note("silent")


def test_the_recorder_keeps_the_calls_in_order() -> None:
    recorded = RecordedProgress()
    recorded.stage("planning", 1, 2)
    recorded.note("3DCRT")
    recorded.step("beams", 1, 7)
    assert recorded.events == [
        ("stage", "planning", 1, 2),
        ("note", "3DCRT"),
        ("step", "beams", 1, 7),
    ]


@pytest.mark.parametrize(("increments", "expected"), [((1, 1, 1), [1, 2, 3]), ((2, 5), [2, 4])])
def test_the_counter_adds_increments_and_stops_at_the_total(
    increments: tuple[int, ...], expected: list[int]
) -> None:
    recorded = RecordedProgress()
    advance = StepCounter(recorded, "slices", 4)
    for steps in increments:
        advance(steps)
    assert [e[2] for e in recorded.events] == expected
    assert {e[3] for e in recorded.events} == {4}


def test_a_message_callback_is_accepted_where_progress_is() -> None:
    from hccrt.progress import NotesOnly, as_progress

    said: list[str] = []
    wrapped = as_progress(said.append)
    assert isinstance(wrapped, NotesOnly)
    wrapped.stage("planning", 2, 3)
    wrapped.step("beams", 1, 7)
    wrapped.note("IMRT: leaf sequencing")
    assert said == ["stage 2/3: planning", "beams 1/7", "IMRT: leaf sequencing"]
    recorded = RecordedProgress()
    assert as_progress(recorded) is recorded
    assert as_progress(None) is NO_PROGRESS

"""Tumour placement: inside the liver, in the recorded segment, apart, reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.phantom.anatomy import liver_space
from hccrt.phantom.tumors import (
    GAP_MM,
    MARGIN_MM,
    PORTAL_VEIN_THROMBUS,
    couinaud_segment,
    place_tumors,
    sphere_points,
)


@pytest.mark.parametrize(("count", "diameter_mm"), [(1, 40.0), (3, 25.0), (8, 15.0)])
def test_tumors_lie_inside_the_liver_apart_and_in_their_segment(
    count: int, diameter_mm: float
) -> None:
    liver, envelope = liver_space()
    tumors = place_tumors(liver, envelope, count, diameter_mm, np.random.default_rng(11))
    assert [t.name for t in tumors] == ["GTV"] + [f"GTV_{i}" for i in range(2, count + 1)]
    for tumor in tumors:
        centre = np.asarray(tumor.center_mm)
        assert np.all(liver.contains(sphere_points(centre, diameter_mm / 2 + MARGIN_MM - 0.01)))
        assert couinaud_segment(centre) == tumor.segment
    centres = np.array([t.center_mm for t in tumors])
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2) + np.eye(count) * 1e9
    assert gaps.min() >= diameter_mm + GAP_MM - 1e-9


def test_placement_is_reproducible_and_depends_on_the_seed() -> None:
    liver, envelope = liver_space()
    first = place_tumors(liver, envelope, 2, 30.0, np.random.default_rng(5))
    again = place_tumors(liver, envelope, 2, 30.0, np.random.default_rng(5))
    other = [place_tumors(liver, envelope, 2, 30.0, np.random.default_rng(s)) for s in range(6)]
    assert first == again
    assert len({t[0].center_mm for t in other}) > 1


def test_tumors_avoid_the_thrombus_and_snap_to_slice_planes() -> None:
    liver, envelope = liver_space()
    planes = np.arange(-208.5, 110.0, 3.0)
    tumors = place_tumors(
        liver, envelope, 4, 30.0, np.random.default_rng(2), (PORTAL_VEIN_THROMBUS,), planes
    )
    for tumor in tumors:
        assert np.min(np.abs(planes - tumor.center_mm[2])) < 1e-9
        probe = [np.array([v]) for v in tumor.center_mm]
        assert PORTAL_VEIN_THROMBUS.field(*probe)[0] >= 15.0


def test_large_tumor_grows_out_of_the_liver_but_stays_in_its_space() -> None:
    liver, envelope = liver_space()
    (tumor,) = place_tumors(liver, envelope, 1, 100.0, np.random.default_rng(1))
    shell = sphere_points(np.asarray(tumor.center_mm), 50.0 + MARGIN_MM - 0.01)
    assert np.all(envelope.contains(shell))


def test_too_many_large_tumors_are_refused() -> None:
    liver, envelope = liver_space()
    with pytest.raises(InputError, match=r"tumour\(s\) of 8 cm fit.*fewer or smaller"):
        place_tumors(liver, envelope, 3, 80.0, np.random.default_rng(1))


def test_couinaud_planes() -> None:
    assert couinaud_segment((-75, -15, -30)) == 8
    assert couinaud_segment((-100, 40, -35)) == 7
    assert couinaud_segment((-105, 30, -95)) == 6
    assert couinaud_segment((-70, -35, -95)) == 5
    assert couinaud_segment((-18, -45, -55)) == 4
    assert couinaud_segment((-18, 30, -55)) == 1
    assert couinaud_segment((22, -35, -38)) == 2
    assert couinaud_segment((35, -50, -55)) == 3


@pytest.mark.parametrize("segment", [2, 3, 4, 5, 6, 7, 8])
def test_first_tumor_in_the_requested_segment(segment: int) -> None:
    """``hccrt phantom --tumor-segment``: dome (8), left lobe (2, 3), near the stomach/duodenum."""
    liver, envelope = liver_space()
    tumors = place_tumors(liver, envelope, 2, 30.0, np.random.default_rng(3), first_segment=segment)
    assert tumors[0].name == "GTV"
    assert tumors[0].segment == segment


def test_tumor_segment_is_validated() -> None:
    from hccrt.phantom import PhantomOptions

    with pytest.raises(InputError, match="--tumor-segment=1: must be a Couinaud segment"):
        PhantomOptions(tumor_segment=1)
    liver, envelope = liver_space()
    with pytest.raises(InputError, match="does not fit in this segment"):
        place_tumors(liver, envelope, 1, 100.0, np.random.default_rng(1), first_segment=2)
    # Options left at None keep the key (and UIDs) of phantoms made before the option existed.
    assert "tumor_segment" not in PhantomOptions().key()
    assert '"tumor_segment": 8' in PhantomOptions(tumor_segment=8).key()

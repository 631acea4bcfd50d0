"""DVH validation and cumulative -> differential conversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hccrt.errors import InputError
from hccrt.radiobiology import cumulative_to_differential, differential_dvh, read_dvh_csv


def test_cumulative_converts_to_bins_between_points() -> None:
    dvh = cumulative_to_differential([0.0, 10.0, 20.0, 30.0], [1000.0, 600.0, 200.0, 0.0])
    np.testing.assert_allclose(dvh.dose_gy, [5.0, 15.0, 25.0])
    np.testing.assert_allclose(dvh.volume_cc, [400.0, 400.0, 200.0])
    assert dvh.total_volume_cc == pytest.approx(1000.0)
    assert dvh.mean_dose_gy == pytest.approx((5 * 400 + 15 * 400 + 25 * 200) / 1000)
    assert dvh.warnings == ()
    assert not dvh.dose_gy.flags.writeable


def test_cumulative_tail_above_last_point_is_kept_and_flagged() -> None:
    dvh = cumulative_to_differential([0.0, 10.0], [100.0, 40.0])
    np.testing.assert_allclose(dvh.volume_cc, [60.0, 40.0])
    assert [w.code for w in dvh.warnings] == ["dvh_tail"]


def test_differential_sum_check() -> None:
    differential_dvh([1.0, 2.0], [500.0, 499.0], total_volume_cc=1000.0)  # within 1 %
    with pytest.raises(
        InputError, match=r"bin volumes sum to 1900 cc, not the structure volume 1000"
    ):
        differential_dvh([1.0, 2.0], [1000.0, 900.0], total_volume_cc=1000.0)


@pytest.mark.parametrize(
    ("dose", "volume", "match"),
    [
        (
            [1.0, np.nan],
            [1.0, 1.0],
            r"dose_gy=nan: contains NaN or infinity \(first at flat index 1\)",
        ),
        ([1.0, 2.0], [1.0, np.nan], r"volume_cc=nan: contains NaN"),
        ([-1.0, 2.0], [1.0, 1.0], r"dose_gy=-1.0: must be >= 0 everywhere"),
        ([1.0, 2.0], [1.0, -3.0], r"volume_cc=-3.0: must be >= 0 everywhere"),
        ([1.0, 2.0], [1.0], r"must be 1-D arrays of the same length"),
        ([], [], r"dose_gy=0: DVH has no bins"),
        ([1.0, 2.0], [0.0, 0.0], r"volume_cc=0.0: total volume must be > 0 cc"),
    ],
)
def test_bad_differential_dvh(dose: list[float], volume: list[float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        differential_dvh(dose, volume)


@pytest.mark.parametrize(
    ("dose", "volume", "match"),
    [
        (
            [0.0, 10.0, 5.0],
            [10.0, 5.0, 1.0],
            r"dose_gy=5.0: cumulative DVH doses must strictly increase \(row 2",
        ),
        ([0.0, 10.0, 10.0], [10.0, 5.0, 1.0], r"strictly increase"),
        (
            [0.0, 10.0, 20.0],
            [10.0, 5.0, 8.0],
            r"volume_cc=8.0: cumulative volume increases with dose at row 2",
        ),
        ([0.0], [10.0], r"needs two 1-D arrays of the same length >= 2"),
    ],
)
def test_bad_cumulative_dvh(dose: list[float], volume: list[float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        cumulative_to_differential(dose, volume)


def test_read_dvh_csv_ignores_extra_columns_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "dvh.csv"
    path.write_text(
        "\ufeffstructure, dose_gy ,volume_cc\nliver,0,1200\n\nliver,10,600\n", encoding="utf-8"
    )
    assert read_dvh_csv(path) == ([0.0, 10.0], [1200.0, 600.0])
    empty = tmp_path / "empty.csv"
    empty.write_text("dose_gy,volume_cc\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"dvh=.*empty.csv: CSV has no data rows"):
        read_dvh_csv(empty)


def test_rising_cumulative_volume_is_reported_at_the_real_rise_not_at_rounding_noise() -> None:
    # row 1 rises by 1e-10 cc (rounding in an exported DVH), row 3 truly rises
    with pytest.raises(InputError, match=r"volume_cc=60.0: cumulative volume increases .* row 3"):
        cumulative_to_differential([0.0, 5.0, 10.0, 15.0], [100.0, 100.0 + 1e-10, 50.0, 60.0])

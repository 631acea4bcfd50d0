"""ContourData parsed for many contours at once: bit-identical to one item at a time."""

from __future__ import annotations

import re

import numpy as np
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from hccrt.dicom._common import contour_points, contour_points_of
from hccrt.dicom.rtstruct_items import CONTOUR_DATA
from hccrt.errors import DicomInputError


def _item(raw: bytes | None) -> Dataset:
    item = Dataset()
    item.ContourGeometricType = "CLOSED_PLANAR"
    if raw is not None:
        item.set_original_encoding(False, True, item._character_set)
        item[CONTOUR_DATA] = RawDataElement(
            CONTOUR_DATA, "DS", len(raw), raw, 0, False, True, True, False
        )
    return item


def _same(got: list[np.ndarray | None], items: list[Dataset]) -> None:
    expected = [contour_points(item) for item in items]
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert a.shape == b.shape
            assert a.tobytes() == b.tobytes()


def test_many_items_parse_bit_identically() -> None:
    rng = np.random.default_rng(3)
    raws = [
        b"17.72\\-336.73\\-122.44\\19.87\\-336.89\\-122.44\\22.02\\-336.89\\-122.44 ",
        b"5.6e-1\\-4.3E-01\\0\\-0.00\\1e5\\+2.5\\0.1\\0.2\\0.30000000000000004",
        b"1\\2",  # not a multiple of 3: None, as contour_points gives
    ]
    for _ in range(20):
        values = rng.uniform(-400.0, 400.0, size=3 * int(rng.integers(3, 50)))
        raws.append("\\".join(f"{v:.{int(rng.integers(0, 7))}f}" for v in values).encode())
    items = [_item(raw) for raw in raws]
    _same(contour_points_of(items), items)


@pytest.mark.parametrize(
    "odd",
    [
        b"1\\#2\\3",  # a comment character for numpy's reader
        b"1\\\\2\\3\\4",  # an empty value (split() drops it)
        b"1 2\\3\\4",  # two values in one
        b"1_0\\2\\3",  # float() accepts the underscore
        None,  # no ContourData
    ],
)
def test_unusual_values_fall_back_to_one_item_at_a_time(odd: bytes | None) -> None:
    items = [_item(b"1.5\\2.5\\3.5"), _item(odd), _item(b"-1\\-2\\-3 ")]
    try:
        expected = [contour_points(item) for item in items]
    except DicomInputError as error:  # the same error, from the same item
        with pytest.raises(DicomInputError, match=re.escape(str(error))):
            contour_points_of(items)
        return
    assert len(expected) == 3
    _same(contour_points_of(items), items)


def test_non_finite_values_raise_as_before() -> None:
    items = [_item(b"1\\2\\3"), _item(b"nan\\2\\3")]
    with pytest.raises(DicomInputError, match="must be finite"):
        contour_points_of(items)
    with pytest.raises(DicomInputError, match="must be numeric"):
        contour_points_of([_item(b"1\\x\\3")])

"""Derived structures: expression parsing (errors with positions), evaluation, rings."""

from __future__ import annotations

import numpy as np
import pytest

from hccrt.geometry import Grid, structure_occupancy
from hccrt.geometry.derive import (
    Binary,
    Call,
    ExpressionError,
    Name,
    evaluate,
    parse_expression,
    structure_names,
)
from hccrt.geometry.margins import expand_mask
from tests.geometry.shapes import FRAME, ellipsoid_structure


def test_precedence_quotes_and_functions() -> None:
    node = parse_expression("\"PTV 60\" - 'Liver-GTV' | A & B")
    assert node == Binary(
        "+",
        Binary("-", Name("PTV 60"), Name("Liver-GTV")),
        Binary("&", Name("A"), Name("B")),
    )
    assert parse_expression("expand(GTV, 5) & Liver") == Binary(
        "&", Call("expand", Name("GTV"), (5.0,)), Name("Liver")
    )
    assert parse_expression("ring(PTV, 0, 20)") == Call("ring", Name("PTV"), (0.0, 20.0))
    six = parse_expression("contract(CTV, 1,2,3,4,5,6.5)")
    assert six == Call("contract", Name("CTV"), (1.0, 2.0, 3.0, 4.0, 5.0, 6.5))
    assert structure_names(parse_expression("(Liver - GTV) + expand(GTV, 3) & Liver")) == (
        "Liver",
        "GTV",
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("(Liver - GTV", r"expected '\)', found end of expression at position 13"),
        (
            "expand(GTV) & Liver",
            r"expand\(\) takes 1 or 6 margin value\(s\) in mm, got 0 at position 1",
        ),
        ("Liver - ", "expected a structure name, found end of expression at position 9"),
        ("foo(GTV, 3)", "unknown function 'foo'"),
        ("ring(PTV, 20, 0)", "needs inner <= outer"),
        ("Liver $ GTV", r"unexpected character '\$' at position 7"),
        ("", "empty expression"),
        ("Liver GTV", "unexpected 'GTV' at position 7"),
        ("expand(GTV, x)", "expected a margin in mm at position 13"),
    ],
)
def test_parse_errors_name_the_position(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        parse_expression(expression)


def test_evaluation_on_nested_spheres() -> None:
    grid = Grid.from_spacing((31, 61, 61), (2.0, 1.0, 1.0), (-30, -30, -30), FRAME)
    liver = structure_occupancy(ellipsoid_structure((25, 25, 25), 2.0, name="Liver"), grid)
    gtv = structure_occupancy(
        ellipsoid_structure((6, 6, 6), 2.0, centre_mm=(8, 0, 0), name="GTV"), grid
    )
    masks = {"liver": liver, "gtv": gtv}

    def resolve(name: str) -> np.ndarray:
        return masks[name.lower()]

    normal = evaluate(parse_expression("(Liver - GTV)"), resolve, grid)
    volume = float(normal.sum()) * grid.voxel_volume_cc
    expected = (liver.sum() - gtv.sum()) * grid.voxel_volume_cc
    assert volume == pytest.approx(expected, rel=1e-4)
    union = evaluate(parse_expression("Liver | GTV"), resolve, grid)
    assert np.array_equal(union, np.maximum(liver, gtv))
    ctv = evaluate(parse_expression("expand(GTV, 5) & Liver"), resolve, grid)
    assert np.array_equal(ctv >= 0.5, expand_mask(gtv, grid, 5.0) & (liver >= 0.5))
    ring = evaluate(parse_expression("ring(GTV, 0, 10)"), resolve, grid)
    assert not ((ring > 0.5) & (gtv >= 0.5)).any()
    ring_volume = float(ring.sum()) * grid.voxel_volume_cc
    analytic = 4 / 3 * np.pi * (16**3 - 6**3) / 1000
    assert ring_volume == pytest.approx(analytic, rel=0.05)

"""A clinic's measured beam data: CSV and w2CAD (scanner ASCII) readers, with validation.

CSV (one measurement per row; ``#`` starts a comment, ``#! key = value`` sets metadata
``machine``, ``energy``, ``calibration_cgy_per_mu``, ``reference_field_mm``):

``kind,field_x_mm,field_y_mm,ssd_mm,depth_mm,off_axis_mm,value,source``

* ``pdd``: depth dose on the axis, in % or as a fraction, normalised to its maximum;
* ``profile``: dose at ``off_axis_mm`` (crossplane, ``u``) relative to the axis at that depth;
* ``output_factor``: total output factor (dose per MU relative to the reference field) at
  ``depth_mm`` and ``ssd_mm``;
* ``sc``: in-air output factor (head scatter, collimator factor);
* ``mlc_transmission``, ``jaw_transmission`` (fraction), ``dlg`` and ``tongue_and_groove``
  (mm): collimator parameters (field and depth columns left empty).

w2CAD (``$STOM ... $ENOM`` blocks with ``%FLSZ``, ``%TYPE OPD|OPP``, ``%SSD``, ``%DPTH`` and
``< x y z value >`` points in mm) gives PDDs (``OPD``, ``z`` = depth) and crossplane profiles
(``OPP``).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hccrt.errors import InputError

FloatArray = npt.NDArray[np.float64]

CSV_COLUMNS = (
    "kind",
    "field_x_mm",
    "field_y_mm",
    "ssd_mm",
    "depth_mm",
    "off_axis_mm",
    "value",
    "source",
)
CURVE_KINDS = ("pdd", "profile", "output_factor", "sc")
SCALAR_KINDS = ("mlc_transmission", "jaw_transmission", "dlg", "tongue_and_groove")


@dataclass(frozen=True)
class Curve:
    """One measured curve: PDD (positions = depths) or profile (positions = off-axis)."""

    kind: str
    field_mm: tuple[float, float]
    ssd_mm: float
    depth_mm: float | None
    positions_mm: FloatArray = field(repr=False)
    values: FloatArray = field(repr=False)
    source: str = ""


@dataclass(frozen=True)
class FactorTable:
    """Output factors (total or Sc) by square-equivalent field, at one depth and SSD."""

    kind: str
    fields_mm: tuple[tuple[float, float], ...]
    values: FloatArray = field(repr=False)
    depth_mm: float
    ssd_mm: float
    source: str = ""


@dataclass(frozen=True)
class MeasuredBeamData:
    """Validated measurements of one machine and energy."""

    machine: str
    energy: str
    pdds: tuple[Curve, ...]
    profiles: tuple[Curve, ...] = ()
    output_factors: FactorTable | None = None
    sc: FactorTable | None = None
    collimator: dict[str, float] = field(default_factory=dict)
    calibration_cgy_per_mu: float = 1.0
    reference_field_mm: float = 100.0
    source: str = ""

    def __post_init__(self) -> None:
        validate(self)


def validate(data: MeasuredBeamData) -> None:
    """Raise ``InputError`` naming the field, rule, value and fix for unusable data."""
    reference = (data.reference_field_mm, data.reference_field_mm)
    if not data.pdds:
        raise InputError("pdd", "at least one depth-dose curve is needed", 0, "add PDD rows")
    pdd_fields = {c.field_mm for c in data.pdds}
    if reference not in pdd_fields:
        raise InputError(
            "pdd field sizes",
            f"the reference field {_label(reference)} is missing",
            sorted(_label(f) for f in pdd_fields),
            "measure and add the reference-field PDD",
        )
    for curve in (*data.pdds, *data.profiles):
        name = f"{curve.kind} {_label(curve.field_mm)}" + (
            f" at {curve.depth_mm:g} mm" if curve.depth_mm is not None else ""
        )
        if curve.positions_mm.size < 3:
            raise InputError(name, "needs >= 3 points", curve.positions_mm.size, "")
        steps = np.diff(curve.positions_mm)
        if np.any(steps <= 0):
            bad = int(np.argmax(steps <= 0))
            raise InputError(
                name,
                "positions must increase strictly (non-monotonic depths)",
                float(curve.positions_mm[bad + 1]),
                "sort the points and remove repeated positions",
            )
        if np.any(curve.values < 0) or not np.all(np.isfinite(curve.values)):
            raise InputError(name, "values must be finite and >= 0", "negative or NaN", "")
    for table in (data.output_factors, data.sc):
        if table is None:
            continue
        if reference not in table.fields_mm:
            raise InputError(
                f"{table.kind} field sizes",
                f"the reference field {_label(reference)} is missing",
                sorted(_label(f) for f in table.fields_mm),
                "add the reference field (value 1.0)",
            )
        ref_value = float(table.values[table.fields_mm.index(reference)])
        if abs(ref_value - 1.0) > 0.005:
            raise InputError(
                f"{table.kind} {_label(reference)}",
                "the reference field must be 1.0",
                ref_value,
                "normalise the factors to the reference field",
            )
        if np.any(table.values <= 0.2) or np.any(table.values > 1.5):
            raise InputError(table.kind, "factors must be in (0.2, 1.5]", table.values.tolist(), "")


def _label(field_mm: tuple[float, float]) -> str:
    return f"{field_mm[0]:g}x{field_mm[1]:g} mm"


def _number(text: str, name: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"line {line}: {name}", "must be a number", text, "") from None
    if not np.isfinite(value):
        raise InputError(f"line {line}: {name}", "must be finite", text, "")
    return value


def read_csv(path: Path | str, text: str | None = None) -> MeasuredBeamData:
    """Read the CSV format of the module docstring (``text`` instead of a file if given)."""
    content = Path(path).read_text() if text is None else text
    meta: dict[str, str] = {}
    body: list[str] = []
    for raw in content.splitlines():
        line = raw.strip()
        if line.startswith("#!"):
            name, _, setting = line[2:].partition("=")
            meta[name.strip()] = setting.strip()
        elif line and not line.startswith("#"):
            body.append(line)
        else:
            body.append("")
    reader = csv.reader(io.StringIO("\n".join(body)))
    header: list[str] | None = None
    curves: dict[tuple[str, float, float, float, float | None], list[tuple[float, float]]]
    curves = defaultdict(list)
    factors: dict[str, list[tuple[tuple[float, float], float, float, float]]] = defaultdict(list)
    collimator: dict[str, float] = {}
    sources: dict[tuple[str, float, float, float, float | None], str] = {}
    for number, row in enumerate(reader, start=1):
        if not row:
            continue
        if header is None:
            header = [c.strip() for c in row]
            if tuple(header) != CSV_COLUMNS:
                raise InputError(
                    f"{path}: header", "wrong columns", header, f"use {','.join(CSV_COLUMNS)}"
                )
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=False))
        kind = cells.get("kind", "")
        if kind in SCALAR_KINDS:
            collimator[kind] = _number(cells.get("value", ""), kind, number)
            continue
        if kind not in CURVE_KINDS:
            raise InputError(
                f"line {number}: kind", "unknown", kind, f"use {CURVE_KINDS + SCALAR_KINDS}"
            )
        fx = _number(cells["field_x_mm"], "field_x_mm", number)
        fy = _number(cells["field_y_mm"], "field_y_mm", number)
        ssd = _number(cells["ssd_mm"], "ssd_mm", number)
        depth = _number(cells["depth_mm"], "depth_mm", number)
        value = _number(cells["value"], "value", number)
        if kind in ("output_factor", "sc"):
            factors[kind].append(((fx, fy), value, depth, ssd))
            continue
        key: tuple[str, float, float, float, float | None]
        if kind == "pdd":
            key = (kind, fx, fy, ssd, None)
            curves[key].append((depth, value))
        else:
            key = (kind, fx, fy, ssd, depth)
            curves[key].append((_number(cells["off_axis_mm"], "off_axis_mm", number), value))
        sources.setdefault(key, cells.get("source", ""))
    pdds: list[Curve] = []
    profiles: list[Curve] = []
    for key, points in curves.items():
        kind, fx, fy, ssd, curve_depth = key
        positions = np.array([p for p, _ in points])
        values = np.array([v for _, v in points])
        if kind == "pdd" and values.size and values.max() > 0:
            values = values / values.max()
        curve = Curve(kind, (fx, fy), ssd, curve_depth, positions, values, sources[key])
        (pdds if kind == "pdd" else profiles).append(curve)
    tables = {}
    for kind, rows in factors.items():
        depths = {r[2] for r in rows}
        ssds = {r[3] for r in rows}
        if len(depths) != 1 or len(ssds) != 1:
            raise InputError(kind, "all factors must share one depth and SSD", sorted(depths), "")
        tables[kind] = FactorTable(
            kind,
            tuple(r[0] for r in rows),
            np.array([r[1] for r in rows]),
            depths.pop(),
            ssds.pop(),
        )
    return MeasuredBeamData(
        machine=meta.get("machine", "*"),
        energy=meta.get("energy", "6MV"),
        pdds=tuple(pdds),
        profiles=tuple(profiles),
        output_factors=tables.get("output_factor"),
        sc=tables.get("sc"),
        collimator=collimator,
        calibration_cgy_per_mu=float(meta.get("calibration_cgy_per_mu", "1.0")),
        reference_field_mm=float(meta.get("reference_field_mm", "100")),
        source=meta.get("source", str(path)),
    )


_POINT = re.compile(r"<\s*([-+\d.eE]+)\s+([-+\d.eE]+)\s+([-+\d.eE]+)\s+([-+\d.eE]+)\s*>")


def read_w2cad(
    path: Path | str, machine: str = "*", energy: str = "6MV", text: str | None = None
) -> tuple[tuple[Curve, ...], tuple[Curve, ...]]:
    """PDDs and crossplane profiles from a w2CAD (OmniPro/Varian scanner ASCII) export."""
    content = Path(path).read_text() if text is None else text
    pdds: list[Curve] = []
    profiles: list[Curve] = []
    for number, block in enumerate(re.findall(r"\$STOM(.*?)\$ENOM", content, re.S), start=1):
        tags = dict(re.findall(r"%(\w+)\s+([^\n]*)", block))
        points = np.array([[float(g) for g in m] for m in _POINT.findall(block)])
        where = f"{path}: block {number}"
        if "FLSZ" not in tags or "TYPE" not in tags:
            raise InputError(where, "needs %FLSZ and %TYPE", sorted(tags), "check the export")
        size = re.split(r"[*xX]", tags["FLSZ"].strip())
        fx, fy = _number(size[0], "FLSZ", number), _number(size[-1], "FLSZ", number)
        ssd = _number(tags.get("SSD", "1000").split()[0], "SSD", number)
        if points.size == 0:
            raise InputError(where, "has no < x y z value > points", 0, "")
        kind = tags["TYPE"].strip().upper()
        if kind == "OPD":
            values = points[:, 3] / points[:, 3].max()
            pdds.append(Curve("pdd", (fx, fy), ssd, None, points[:, 2], values, str(path)))
        elif kind == "OPP":
            depth = _number(tags.get("DPTH", str(points[0, 2])).split()[0], "DPTH", number)
            centre = float(np.interp(0.0, points[:, 0], points[:, 3]))
            profiles.append(
                Curve(
                    "profile", (fx, fy), ssd, depth, points[:, 0], points[:, 3] / centre, str(path)
                )
            )
        else:
            raise InputError(where + ": %TYPE", "must be OPD or OPP", kind, "")
    return tuple(pdds), tuple(profiles)

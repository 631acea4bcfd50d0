"""Control points of one RTPLAN beam, with every value DICOM omits when unchanged carried forward.

Part of :mod:`hccrt.dicom.rtplan_delivery`. Refused: fewer than two control points, points
stored out of order, falling or missing cumulative meterset weights, a first point without
gantry, collimator, couch, energy or isocentre, an energy or isocentre that changes within the
beam, overlapping leaves or a wrong leaf count, a moving collimator or couch, and a moving gantry
without a rotation direction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from hccrt.core.plan import ControlPoint, LeafBank, MlcGeometry, RotationDirection
from hccrt.dicom._common import FloatArray, floats, require, text
from hccrt.errors import DicomInputError

JAWS = {"X": "x", "ASYMX": "x", "Y": "y", "ASYMY": "y"}
MLCS = ("MLCX", "MLCY")
_ANGLE_MOTION_TOLERANCE_DEG = 0.01


def control_points(
    item: Dataset, label: str, mlc: MlcGeometry | None
) -> tuple[tuple[ControlPoint, ...], tuple[float, float, float], float | None, str]:
    sequence = list(item.get("ControlPointSequence", []))
    if len(sequence) < 2:
        raise DicomInputError(
            f"{label} ControlPointSequence", "needs at least 2 control points", len(sequence), ""
        )
    final = item.get("FinalCumulativeMetersetWeight")
    final_weight = 1.0 if final in (None, "") else float(final)
    if final_weight <= 0:
        raise DicomInputError(
            f"{label} FinalCumulativeMetersetWeight", "must be > 0", final_weight, ""
        )
    state: dict[str, Any] = {}
    points: list[ControlPoint] = []
    previous_weight = 0.0
    for index, cp in enumerate(sequence):
        where = f"{label} control point {index}"
        stored_index = cp.get("ControlPointIndex")
        if stored_index not in (None, "") and int(stored_index) != index:
            raise DicomInputError(
                f"{where} ControlPointIndex",
                "control points must be stored in order",
                int(stored_index),
                "re-export the plan",
            )
        _update_state(state, cp, where, first=index == 0)
        weight_value = cp.get("CumulativeMetersetWeight")
        if weight_value in (None, ""):
            raise DicomInputError(
                f"{where} CumulativeMetersetWeight", "is missing", None, "re-export the plan"
            )
        weight = float(weight_value) / final_weight
        if weight < previous_weight - 1e-6:
            raise DicomInputError(
                f"{where} CumulativeMetersetWeight",
                "must not decrease (control points are not monotonic)",
                f"{previous_weight:.6g} then {weight:.6g}",
                "re-export the plan",
            )
        previous_weight = weight
        leaves = None
        if mlc is not None:
            bank = state.get("leaves")
            if bank is None:
                raise DicomInputError(
                    f"{where} LeafJawPositions",
                    f"no {mlc.device_type} positions given",
                    None,
                    "re-export the plan",
                )
            leaves = _leaf_bank(bank, mlc, where)
        points.append(
            ControlPoint(
                cumulative_meterset_weight=min(max(weight, 0.0), 1.0),
                gantry_deg=state["gantry"],
                collimator_deg=state["collimator"],
                couch_deg=state["couch"],
                gantry_rotation=state["rotation"],
                jaw_x_mm=state.get("x"),
                jaw_y_mm=state.get("y"),
                leaves=leaves,
            )
        )
    _refuse_moving(points, label)
    return tuple(points), state["iso"], state.get("ssd"), state["energy"]


def _update_state(state: dict[str, Any], cp: Dataset, where: str, *, first: bool) -> None:
    for keyword, key in (
        ("GantryAngle", "gantry"),
        ("BeamLimitingDeviceAngle", "collimator"),
        ("PatientSupportAngle", "couch"),
        ("NominalBeamEnergy", "energy"),
        ("IsocenterPosition", "iso"),
    ):
        value = cp.get(keyword)
        if value in (None, ""):
            if first:
                raise DicomInputError(
                    f"{where} {keyword}",
                    "required in the first control point",
                    None,
                    "re-export the plan",
                )
            continue
        if key == "energy":
            energy = f"{float(value):g}"
            if "energy" in state and state["energy"] != energy:
                raise DicomInputError(
                    f"{where} NominalBeamEnergy",
                    "the energy must not change within a beam",
                    f"{state['energy']} then {energy}",
                    "re-export the plan",
                )
            state["energy"] = energy
        elif key == "iso":
            iso = tuple(float(v) for v in floats(value, 3, f"{where} IsocenterPosition"))
            if "iso" in state and not np.allclose(iso, state["iso"], atol=0.01):
                raise DicomInputError(
                    f"{where} IsocenterPosition",
                    "the isocentre must not move within a beam",
                    f"{state['iso']} then {iso}",
                    "re-export the plan",
                )
            state["iso"] = iso
        else:
            state[key] = float(value)
    rotation = text(cp, "GantryRotationDirection").upper()
    if rotation:
        if rotation not in ("NONE", "CW", "CC"):
            raise DicomInputError(
                f"{where} GantryRotationDirection", "must be NONE, CW or CC", rotation, ""
            )
        typed: RotationDirection = (
            "CW" if rotation == "CW" else "CC" if rotation == "CC" else "NONE"
        )
        state["rotation"] = typed
    elif first:
        state["rotation"] = "NONE"
    ssd = cp.get("SourceToSurfaceDistance")
    if first and ssd not in (None, ""):
        state["ssd"] = float(ssd)
    for device in cp.get("BeamLimitingDevicePositionSequence", []):
        kind = text(device, "RTBeamLimitingDeviceType").upper()
        values = floats(require(device, "LeafJawPositions", where), None, f"{where} {kind}")
        if kind in JAWS:
            if values.size != 2:
                raise DicomInputError(f"{where} {kind}", "needs 2 jaw positions", values.size, "")
            state[JAWS[kind]] = (float(values[0]), float(values[1]))
        elif kind in MLCS:
            state["leaves"] = values


def _leaf_bank(values: FloatArray, mlc: MlcGeometry, where: str) -> LeafBank:
    if values.size != 2 * mlc.pairs:
        raise DicomInputError(
            f"{where} {mlc.device_type} LeafJawPositions",
            f"must give 2 x {mlc.pairs} leaf positions",
            values.size,
            "check the MLC definition of the beam",
        )
    pairs = np.column_stack([values[: mlc.pairs], values[mlc.pairs :]])
    behind = np.flatnonzero(pairs[:, 1] < pairs[:, 0] - 1e-6)
    if behind.size:
        pair = int(behind[0])
        raise DicomInputError(
            f"{where} {mlc.device_type} leaf pair {pair + 1}",
            "bank B must not be behind bank A (leaves overlap)",
            pairs[pair].tolist(),
            "check the MLC positions of the plan",
        )
    return LeafBank(pairs)


def _refuse_moving(points: list[ControlPoint], label: str) -> None:
    for name in ("collimator_deg", "couch_deg"):
        angles = np.array([getattr(p, name) for p in points])
        spread = np.abs((angles - angles[0] + 180.0) % 360.0 - 180.0)
        if np.any(spread > _ANGLE_MOTION_TOLERANCE_DEG):
            raise DicomInputError(
                f"{label} {name}",
                "must not change during the beam (dynamic collimator/couch not modelled)",
                f"{angles.min():g}-{angles.max():g}",
                "compute this beam in the planning system",
            )
    for index in range(len(points) - 1):
        now, after = points[index], points[index + 1]
        step = abs((after.gantry_deg - now.gantry_deg + 180.0) % 360.0 - 180.0)
        if step > _ANGLE_MOTION_TOLERANCE_DEG and now.gantry_rotation == "NONE":
            raise DicomInputError(
                f"{label} control point {index} GantryRotationDirection",
                "the gantry moves but no rotation direction (CW/CC) is given",
                f"{now.gantry_deg:g} to {after.gantry_deg:g} deg",
                "re-export the plan",
            )

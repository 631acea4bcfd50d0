"""Fit a beam model to measured data and report the residuals.

Stages (each uses only the fields not held out):

1. collimator parameters are taken as measured (MLC and jaw transmission, DLG, T&G);
2. extra-focal source weight and width from the in-air collimator factors Sc (fluence only);
3. primary attenuation, hardening and the kernel's scatter weight (spectrum hardness) from
   the PDDs beyond the build-up (Gauss-Newton on ``ln(measured / model)``);
4. the extra-focal weight from the total output factors when Sc was not measured;
5. the primary source size from the profile penumbrae, when profiles were measured;
6. absolute calibration at the reference condition.

Electron contamination is not fitted: it keeps the start model's values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares, minimize_scalar

from hccrt.dose._beam_model import BeamModel
from hccrt.dose._engine import effective_fluence
from hccrt.dose._measured import MeasuredBeamData
from hccrt.dose._water import PhantomDose, calibrate, open_field, phantom_dose
from hccrt.dose.fluence import CollimatorParameters

Progress = Callable[[str], None]
FieldSize = tuple[float, float]


@dataclass(frozen=True)
class Residual:
    """Model minus measurement at one point (``difference`` in % of the measured value)."""

    kind: str
    field_mm: FieldSize
    depth_mm: float
    position_mm: float
    measured: float
    model: float
    difference_percent: float
    held_out: bool


@dataclass(frozen=True)
class CommissioningResult:
    """A fitted model, its residuals and the model curves used for the plots."""

    model: BeamModel
    residuals: tuple[Residual, ...]
    held_out: tuple[FieldSize, ...]
    model_pdds: dict[FieldSize, tuple[list[float], list[float]]] = field(repr=False)
    model_profiles: dict[tuple[FieldSize, float], tuple[list[float], list[float]]] = field(
        repr=False
    )

    def worst(self, kind: str, held_out: bool | None = None) -> float:
        """Largest absolute difference (%) of one kind of residual."""
        values = [
            abs(r.difference_percent)
            for r in self.residuals
            if r.kind == kind and (held_out is None or r.held_out == held_out)
        ]
        return max(values) if values else 0.0


def _lateral(field_mm: FieldSize, spacing_mm: float) -> float:
    return spacing_mm if max(field_mm) <= 150.0 else 2.0 * spacing_mm


def _phantom(model: BeamModel, field_mm: FieldSize, ssd: float, spacing: float) -> PhantomDose:
    return phantom_dose(
        model, field_mm[0], field_mm[1], ssd, (), spacing, _lateral(field_mm, spacing)
    )


def commission(
    data: MeasuredBeamData,
    start: BeamModel,
    held_out: Sequence[FieldSize] = (),
    spacing_mm: float = 2.5,
    progress: Progress | None = None,
) -> CommissioningResult:
    """Fit ``start``'s parameters to ``data`` (fields in ``held_out`` are not used).

    Parameters
    ----------
    data
        Validated measurements of one machine and energy.
    start
        Model whose parameters start the fit (and are kept where nothing is measured).
    held_out
        Field sizes ``(x, y)`` in mm kept out of the fit and reported as held out.
    spacing_mm
        Kernel grid of the water-phantom computations (mm).
    progress
        Called with a message per stage.

    Returns
    -------
    CommissioningResult
        The calibrated model and its residuals against every measurement.
    """
    say = progress or (lambda _message: None)
    hold = tuple((float(a), float(b)) for a, b in held_out)
    collimator = {
        "mlc_transmission": start.collimator.mlc_transmission,
        "dosimetric_leaf_gap_mm": start.collimator.dosimetric_leaf_gap_mm,
        "tongue_and_groove_mm": start.collimator.tongue_and_groove_mm,
        "jaw_transmission": start.collimator.jaw_transmission,
    }
    renamed = {"dlg": "dosimetric_leaf_gap_mm", "tongue_and_groove": "tongue_and_groove_mm"}
    for key, value in data.collimator.items():
        collimator[renamed.get(key, key)] = value
    model = start.with_values(
        machine=data.machine,
        energy=data.energy,
        calibration_cgy_per_mu=data.calibration_cgy_per_mu,
        reference_field_mm=data.reference_field_mm,
        collimator=CollimatorParameters(**collimator, source=data.source),
        gy_per_terma=1.0,
    )
    if data.sc is not None:
        say("fitting the extra-focal source to Sc")
        model = _fit_sc(model, data, hold)
    say("fitting primary attenuation to the PDDs")
    model = _fit_attenuation(model, data, hold, spacing_mm)
    if data.sc is None and data.output_factors is not None:
        say("fitting the extra-focal weight to the output factors")
        model = _fit_output(model, data, hold, spacing_mm)
    if data.profiles:
        say("fitting the source size to the profiles")
        model = _fit_source(model, data, hold, spacing_mm)
    say("calibrating")
    model = calibrate(model, spacing_mm)
    model = model.with_values(
        source=f"fitted by hccrt.dose.commission to: {data.source}",
        notes=(f"held out of the fit: {[f'{a:g}x{b:g} mm' for a, b in hold]}",),
    )
    say("computing residuals")
    return evaluate(model, data, hold, spacing_mm)


def _sc_model(model: BeamModel, field_mm: FieldSize) -> float:
    effective = effective_fluence(open_field(model, *field_mm), model)
    row = int(np.argmin(np.abs(effective.v_mm)))
    col = int(np.argmin(np.abs(effective.u_mm)))
    return float(effective.photons[row, col])


def _fit_sc(model: BeamModel, data: MeasuredBeamData, hold: tuple[FieldSize, ...]) -> BeamModel:
    assert data.sc is not None
    ref = (data.reference_field_mm, data.reference_field_mm)
    pairs = [
        (f, v) for f, v in zip(data.sc.fields_mm, data.sc.values, strict=True) if f not in hold
    ]

    def residual(p: np.ndarray) -> np.ndarray:
        trial = model.with_values(
            extra_focal_fraction=float(p[0]), extra_focal_sigma_mm=float(p[1])
        )
        reference = _sc_model(trial, ref)
        return np.array([_sc_model(trial, f) / reference - v for f, v in pairs])

    fit = least_squares(
        residual,
        [model.extra_focal_fraction, model.extra_focal_sigma_mm],
        bounds=([0.0, 2.0], [0.3, 60.0]),
    )
    return model.with_values(
        extra_focal_fraction=float(fit.x[0]), extra_focal_sigma_mm=float(fit.x[1])
    )


def _fit_attenuation(
    model: BeamModel, data: MeasuredBeamData, hold: tuple[FieldSize, ...], spacing: float
) -> BeamModel:
    """Gauss-Newton on ln(measured / model) beyond 40 mm for (mu0, hardening, scatter scale).

    ln D depends on mu0 and the hardening nearly linearly through the depth; the dose is exactly
    linear in the scatter scale at fixed attenuation, so two transports per field give its
    derivative.
    """
    curves = [c for c in data.pdds if c.field_mm not in hold]
    delta = 0.1
    for _ in range(6):
        rows, targets = [], []
        probe = model.kernel_scatter_scale + (delta if model.kernel_scatter_scale < 1.3 else -delta)
        for curve in curves:
            base = _phantom(model, curve.field_mm, curve.ssd_mm, spacing)
            other = _phantom(
                model.with_values(kernel_scatter_scale=probe), curve.field_mm, curve.ssd_mm, spacing
            )
            depths, values = base.depth_dose()
            _, values_probe = other.depth_dose()
            computed = np.interp(curve.positions_mm, depths, values / values.max())
            shifted = np.interp(curve.positions_mm, depths, values_probe / values_probe.max())
            slope = (np.log(shifted) - np.log(computed)) / (probe - model.kernel_scatter_scale)
            deep = curve.positions_mm >= 40.0
            dmax = base.dmax_mm()
            for d, meas, calc, ds in zip(
                curve.positions_mm[deep],
                curve.values[deep],
                computed[deep],
                slope[deep],
                strict=True,
            ):
                # d ln D / d h: the exponent (mu0 d^2 / 2) and the prefactor ln(1 - h d).
                hard = model.attenuation_per_mm * 0.5 * (d**2 - dmax**2) - (d - dmax)
                rows.append([-(d - dmax), hard, ds])
                targets.append(np.log(meas / calc))
        if not rows:
            return model
        matrix = np.array(rows)
        if len({c.field_mm for c in curves}) < 2:
            # The scatter weight shows only in the field-size dependence: keep it.
            matrix[:, 2] = 0.0
        step, *_ = np.linalg.lstsq(matrix, np.array(targets), rcond=None)
        model = model.with_values(
            attenuation_per_mm=float(np.clip(model.attenuation_per_mm + step[0], 0.002, 0.012)),
            hardening_per_mm=float(np.clip(model.hardening_per_mm + step[1], 0.0, 0.002)),
            kernel_scatter_scale=float(np.clip(model.kernel_scatter_scale + step[2], 0.3, 1.5)),
        )
        if abs(step[0]) < 2e-6 and abs(step[1]) < 2e-7 and abs(step[2]) < 2e-3:
            break
    return model


def _fit_output(
    model: BeamModel, data: MeasuredBeamData, hold: tuple[FieldSize, ...], spacing: float
) -> BeamModel:
    table = data.output_factors
    assert table is not None
    ref = (data.reference_field_mm, data.reference_field_mm)
    pairs = [(f, v) for f, v in zip(table.fields_mm, table.values, strict=True) if f not in hold]

    def cost(fraction: float) -> float:
        trial = model.with_values(extra_focal_fraction=fraction)
        reference = float(_phantom(trial, ref, table.ssd_mm, spacing).at(table.depth_mm))
        return float(
            sum(
                (
                    float(_phantom(trial, f, table.ssd_mm, spacing).at(table.depth_mm)) / reference
                    - v
                )
                ** 2
                for f, v in pairs
            )
        )

    best = minimize_scalar(cost, bounds=(0.0, 0.3), method="bounded", options={"maxiter": 8})
    return model.with_values(extra_focal_fraction=float(best.x))


def _fit_source(
    model: BeamModel, data: MeasuredBeamData, hold: tuple[FieldSize, ...], spacing: float
) -> BeamModel:
    profiles = [p for p in data.profiles if p.field_mm not in hold]
    if not profiles:
        return model
    curve = profiles[0]
    assert curve.depth_mm is not None
    penumbra = (curve.values > 0.15) & (curve.values < 0.85)
    best, best_cost = model, np.inf
    for sigma in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        trial = model.with_values(source_sigma_mm=sigma)
        dose = _phantom(trial, curve.field_mm, curve.ssd_mm, spacing)
        centre = float(dose.at(curve.depth_mm))
        computed = dose.at(curve.depth_mm, curve.positions_mm[penumbra]) / centre
        cost = float(np.sum((computed - curve.values[penumbra]) ** 2))
        if cost < best_cost:
            best, best_cost = trial, cost
    return best


def evaluate(
    model: BeamModel,
    data: MeasuredBeamData,
    held_out: Sequence[FieldSize] = (),
    spacing_mm: float = 2.5,
) -> CommissioningResult:
    """Residuals of a (calibrated) model against every measurement in ``data``."""
    hold = tuple((float(a), float(b)) for a, b in held_out)
    cache: dict[tuple[FieldSize, float], PhantomDose] = {}

    def dose_of(field_mm: FieldSize, ssd: float) -> PhantomDose:
        key = (field_mm, ssd)
        if key not in cache:
            cache[key] = _phantom(model, field_mm, ssd, spacing_mm)
        return cache[key]

    residuals: list[Residual] = []
    model_pdds: dict[FieldSize, tuple[list[float], list[float]]] = {}
    model_profiles: dict[tuple[FieldSize, float], tuple[list[float], list[float]]] = {}
    for curve in data.pdds:
        depths, values = dose_of(curve.field_mm, curve.ssd_mm).depth_dose()
        relative = values / values.max()
        model_pdds[curve.field_mm] = (depths.tolist(), relative.tolist())
        computed = np.interp(curve.positions_mm, depths, relative)
        for d, meas, calc in zip(curve.positions_mm, curve.values, computed, strict=True):
            residuals.append(
                Residual(
                    "pdd", curve.field_mm, float(d), 0.0, float(meas), float(calc),
                    float(100.0 * (calc - meas) / meas), curve.field_mm in hold,
                )
            )  # fmt: skip
    for curve in data.profiles:
        assert curve.depth_mm is not None
        dose = dose_of(curve.field_mm, curve.ssd_mm)
        centre = float(dose.at(curve.depth_mm))
        positions = np.linspace(curve.positions_mm[0], curve.positions_mm[-1], 400)
        model_profiles[(curve.field_mm, curve.depth_mm)] = (
            positions.tolist(),
            (dose.at(curve.depth_mm, positions) / centre).tolist(),
        )
        computed = dose.at(curve.depth_mm, curve.positions_mm) / centre
        for x, meas, calc in zip(curve.positions_mm, curve.values, computed, strict=True):
            # Profile differences in % of the central-axis dose (local values vanish outside).
            residuals.append(
                Residual(
                    "profile", curve.field_mm, curve.depth_mm, float(x), float(meas),
                    float(calc), float(100.0 * (calc - meas)), curve.field_mm in hold,
                )
            )  # fmt: skip
    for table in (data.output_factors, data.sc):
        if table is None:
            continue
        ref = (data.reference_field_mm, data.reference_field_mm)
        if table.kind == "sc":
            reference = _sc_model(model, ref)
        else:
            reference = float(dose_of(ref, table.ssd_mm).at(table.depth_mm))
        for f, meas in zip(table.fields_mm, table.values, strict=True):
            if table.kind == "sc":
                calc = _sc_model(model, f) / reference
            else:
                calc = float(dose_of(f, table.ssd_mm).at(table.depth_mm)) / reference
            residuals.append(
                Residual(
                    table.kind, f, table.depth_mm, 0.0, float(meas), calc,
                    float(100.0 * (calc - meas) / meas), f in hold,
                )
            )  # fmt: skip
    return CommissioningResult(model, tuple(residuals), hold, model_pdds, model_profiles)

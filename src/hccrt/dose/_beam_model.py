"""Commissionable photon beam model and the library that selects a model by machine and energy.

One :class:`BeamModel` describes one (machine, energy): the effective polyenergetic primary
attenuation with beam hardening (for the TERMA), the primary source size (penumbra), the
extra-focal (head-scatter) source (Sc rises with field size), the off-axis fluence increase
(horns), electron contamination (surface dose rising with field size), the collimator
parameters the delivery layer uses to build fluences, and the absolute calibration (cGy per MU
at the reference condition). The kernel is the collapsed-cone kernel of :mod:`._kernel`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from hccrt.dose.fluence import CollimatorParameters
from hccrt.errors import InputError

DEFAULT_MODEL_FILE = "beam_model_6mv_default.json"
ANY_MACHINE = "*"
"""Machine name of a model that serves every machine of its energy (the shipped default)."""

_BANDS: dict[str, tuple[float, float]] = {
    "sad_mm": (500.0, 1500.0),
    "attenuation_per_mm": (0.002, 0.012),
    "hardening_per_mm": (0.0, 0.002),
    "kernel_scatter_scale": (0.3, 1.5),
    "source_sigma_mm": (0.0, 5.0),
    "extra_focal_fraction": (0.0, 0.3),
    "extra_focal_sigma_mm": (1.0, 60.0),
    "horn_per_mm2": (0.0, 1e-5),
    "electron_fraction": (0.0, 0.5),
    "electron_fraction_per_mm": (-0.01, 0.01),
    "electron_depth_mm": (0.5, 20.0),
    "calibration_cgy_per_mu": (0.1, 10.0),
    "reference_field_mm": (20.0, 400.0),
    "reference_ssd_mm": (500.0, 1500.0),
    "gy_per_terma": (0.0, 1e6),
}


@dataclass(frozen=True)
class BeamModel:
    """A photon beam model of one machine and energy.

    Parameters
    ----------
    machine
        Treatment machine name as in the RTPLAN (``*`` = any machine).
    energy
        Nominal energy label, e.g. ``"6MV"``.
    sad_mm
        Source-axis distance (mm).
    attenuation_per_mm, hardening_per_mm
        Effective primary attenuation ``mu(d) = attenuation (1 - hardening d)`` per mm of
        water-equivalent depth ``d`` (polyenergetic beam hardening).
    kernel_scatter_scale
        Weight of the kernel's long-range (photon scatter) energy relative to the Monte Carlo
        kernel, the rest going to its primary part: the spectrum-hardness parameter fitted to
        the field-size dependence of the PDDs (1 = the tabulated kernel).
    source_sigma_mm
        Gaussian sigma of the primary (focal) source projected to the isocentre plane (mm).
    extra_focal_fraction, extra_focal_sigma_mm
        Weight and Gaussian sigma (isocentre plane, mm) of the extra-focal head-scatter source.
    horn_per_mm2
        Off-axis fluence increase: ``1 + horn r^2`` (``r`` at the isocentre plane, mm, at most
        200 mm).
    electron_fraction, electron_fraction_per_mm, electron_depth_mm
        Electron contamination: ``c(s) exp(-d / depth)`` of the reference dose per MU, with
        ``c(s) = fraction + per_mm (s - reference field)`` for an equivalent square ``s``.
    collimator
        MLC and jaw parameters handed to the delivery layer.
    calibration_cgy_per_mu, reference_field_mm, reference_ssd_mm, reference_depth_mm
        Absolute calibration: ``calibration`` cGy per MU on the axis of a square field of
        ``reference_field_mm`` at SSD ``reference_ssd_mm`` in water, at ``reference_depth_mm``
        (``None`` = the depth of maximum dose).
    gy_per_terma
        Engine factor from TERMA units to Gy per MU, set by :func:`calibrate`.
    source
        Provenance (data set, fit, date).
    """

    machine: str
    energy: str
    sad_mm: float
    attenuation_per_mm: float
    hardening_per_mm: float
    kernel_scatter_scale: float
    source_sigma_mm: float
    extra_focal_fraction: float
    extra_focal_sigma_mm: float
    horn_per_mm2: float
    electron_fraction: float
    electron_fraction_per_mm: float
    electron_depth_mm: float
    collimator: CollimatorParameters
    calibration_cgy_per_mu: float = 1.0
    reference_field_mm: float = 100.0
    reference_ssd_mm: float = 1000.0
    reference_depth_mm: float | None = None
    gy_per_terma: float = 0.0
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in ("machine", "energy"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InputError(name, "must be a non-empty text", value, "e.g. '6MV'")
        object.__setattr__(self, "energy", normalise_energy(self.energy))
        for name, (low, high) in _BANDS.items():
            _check_number(name, getattr(self, name), low, high)
        if self.reference_depth_mm is not None:
            _check_number("reference_depth_mm", self.reference_depth_mm, 0.0, 400.0)
        if not isinstance(self.collimator, CollimatorParameters):
            raise InputError("collimator", "must be CollimatorParameters", self.collimator, "")
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def key(self) -> tuple[str, str]:
        """``(machine, energy)``."""
        return self.machine, self.energy

    def with_values(self, **values: Any) -> BeamModel:
        """A copy with some parameters replaced (validated)."""
        return replace(self, **values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        result = asdict(self)
        result["notes"] = list(self.notes)
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "beam model") -> BeamModel:
        """Build from :meth:`to_dict` output; unknown or missing keys raise ``InputError``."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(where, "has unknown keys", unknown, f"use only {sorted(known)}")
        values = dict(data)
        collimator = values.get("collimator")
        if not isinstance(collimator, Mapping):
            raise InputError(f"{where}: collimator", "must be an object", collimator, "")
        values["collimator"] = CollimatorParameters(**collimator)
        values["notes"] = tuple(values.get("notes", ()))
        try:
            return cls(**values)
        except TypeError as error:
            raise InputError(where, "misses parameters", str(error), "see docs/dose.md") from None

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> BeamModel:
        """Read a model written by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise InputError(
                "beam_model", "cannot be read as JSON", str(path), str(error)
            ) from None
        return cls.from_dict(data, where=str(path))


def _check_number(name: str, value: Any, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(name, "must be a number", value, f"use a value in [{low}, {high}]")
    if not np.isfinite(value) or not low <= value <= high:
        raise InputError(name, f"must be in [{low}, {high}]", value, "check the beam model")


def normalise_energy(label: str) -> str:
    """``"6 MV"``, ``"6mv"``, ``"6X"`` -> ``"6MV"``; FFF labels keep their suffix."""
    text = label.strip().upper().replace(" ", "")
    if text.endswith("X") and text[:-1].replace(".", "").isdigit():
        text = text[:-1] + "MV"
    return text


def default_model() -> BeamModel:
    """The representative 6 MV model shipped with hccrt (see its ``source``)."""
    text = resources.files("hccrt.dose").joinpath("data", DEFAULT_MODEL_FILE).read_text()
    return BeamModel.from_dict(json.loads(text), where=DEFAULT_MODEL_FILE)


class BeamModelLibrary:
    """Beam models by (machine, energy).

    A model for the exact machine wins; a model of machine ``*`` serves any machine of its
    energy. A beam whose energy has no model is refused by name.
    """

    def __init__(self, models: Iterable[BeamModel]) -> None:
        self._models: dict[tuple[str, str], BeamModel] = {}
        for model in models:
            if model.key in self._models:
                raise InputError(
                    "beam_model", "two models for the same machine and energy", model.key, ""
                )
            self._models[model.key] = model
        if not self._models:
            raise InputError("beam_models", "none loaded", 0, "load one with --beam-model")

    @classmethod
    def default(cls) -> BeamModelLibrary:
        """The library holding only the shipped 6 MV model."""
        return cls([default_model()])

    @property
    def models(self) -> tuple[BeamModel, ...]:
        """All models."""
        return tuple(self._models.values())

    def select(self, machine: str, energy: str) -> BeamModel:
        """The model for a beam; ``InputError`` when none fits."""
        wanted = normalise_energy(energy)
        for key in ((machine, wanted), (ANY_MACHINE, wanted)):
            if key in self._models:
                return self._models[key]
        loaded = sorted(f"{m}/{e}" for m, e in self._models)
        raise InputError(
            "energy",
            f"no beam model loaded for machine {machine} (loaded: {', '.join(loaded)})",
            wanted,
            "load one with --beam-model",
        )

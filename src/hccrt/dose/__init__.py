"""Final dose calculation: commissionable beam models and a heterogeneity-correct engine.

The engine is a collapsed-cone convolution/superposition (:func:`compute_dose`) on beam-aligned
grids, with a Monte Carlo polyenergetic kernel and density-scaled (radiological) transport
distances; it reports dose to medium (density-scaled water). Beam models (:class:`BeamModel`)
are chosen by machine and energy from a :class:`BeamModelLibrary`; a clinic's measured data
(:func:`read_beam_data_csv`, :func:`read_w2cad`) are fitted by :func:`commission`, with a
commissioning report (:func:`write_commissioning_report`). See docs/dose.md.
"""

from hccrt.dose._beam_model import (
    ANY_MACHINE,
    BeamModel,
    BeamModelLibrary,
    default_model,
    normalise_energy,
)
from hccrt.dose._commission import CommissioningResult, Residual, commission, evaluate
from hccrt.dose._engine import compute_dose
from hccrt.dose._measured import Curve, FactorTable, MeasuredBeamData, read_w2cad
from hccrt.dose._measured import read_csv as read_beam_data_csv
from hccrt.dose._report import write_commissioning_report
from hccrt.dose._water import PhantomDose, Slab, calibrate, open_field, phantom_dose
from hccrt.dose.fluence import BeamFluence, CollimatorParameters

__all__ = [
    "ANY_MACHINE",
    "BeamFluence",
    "BeamModel",
    "BeamModelLibrary",
    "CollimatorParameters",
    "CommissioningResult",
    "Curve",
    "FactorTable",
    "MeasuredBeamData",
    "PhantomDose",
    "Residual",
    "Slab",
    "calibrate",
    "commission",
    "compute_dose",
    "default_model",
    "evaluate",
    "normalise_energy",
    "open_field",
    "phantom_dose",
    "read_beam_data_csv",
    "read_w2cad",
    "write_commissioning_report",
]

"""Result objects of a plan evaluation: the ``evaluation.json`` contract.

:class:`Evaluation` is returned by :func:`hccrt.evaluation.evaluate_plan`; its
:meth:`Evaluation.to_json` is the payload written by ``hccrt evaluate`` and ``hccrt run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from hccrt.dvh.histogram import DoseVolumeHistogram
from hccrt.evaluation.limits import Conversion
from hccrt.evaluation.protocol import Protocol
from hccrt.evaluation.technique import PlanFacts
from hccrt.geometry.contours import StructureContours
from hccrt.geometry.grid import Grid

if TYPE_CHECKING:
    from hccrt.core import Dose
    from hccrt.dvh.plan import StoredComparison
    from hccrt.evaluation.prior_courses import CumulativeLiverCheck


class ConstraintStatus(StrEnum):
    """Outcome of one constraint (``evaluation.json`` ``constraints[].status``)."""

    PASS = "pass"
    FAIL = "fail"
    NOT_EVALUATED = "not_evaluated"


class Verdict(StrEnum):
    """The plan's verdict (``evaluation.json`` ``verdict``)."""

    PASS = "pass"
    FAIL = "fail"


class NtcpStatus(StrEnum):
    """Whether the NTCP could be computed (``evaluation.json`` ``ntcp[].status``)."""

    COMPUTED = "computed"
    INSUFFICIENT_DATA = "insufficient_data"
    NOT_EVALUATED = "not_evaluated"


@dataclass(frozen=True)
class ConstraintResult:
    """One constraint evaluated on the plan (JSON contract of ``constraints[]``)."""

    id: str
    structure: str
    metric: str
    comparator: str
    limit: float
    unit: str
    value: float | None
    passed: bool | None
    status: ConstraintStatus
    priority: str
    kind: str
    source: str
    source_status: str
    structure_in_plan: tuple[str, ...] = ()
    derivation: str = ""
    conversion: Conversion | None = None
    note: str = ""


@dataclass(frozen=True)
class NtcpEstimate:
    """RILD NTCP on the normal liver with the Child-Pugh-matched parameter set."""

    structure: str
    status: NtcpStatus
    ntcp: float | None = None
    ntcp_percent: float | None = None
    threshold_percent: float | None = None
    above_threshold: bool | None = None
    model: str = "LKB probit"
    parameter_set: str = ""
    parameter_label: str = ""
    parameters_status: str = ""
    geud_gy: float | None = None
    mean_dose_gy: float | None = None
    fractions: int | None = None
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class StructureSummary:
    """Volume and dose statistics of a structure used in the evaluation."""

    name: str
    plan_names: tuple[str, ...]
    derivation: str
    volume_cc: float
    uncovered_volume_cc: float
    dmin_gy: float
    dmean_gy: float
    dmax_gy: float


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate_plan`; :meth:`to_json` gives the ``evaluation.json`` contract."""

    verdict: Verdict
    verdict_reasons: tuple[str, ...]
    protocol: Protocol
    protocol_selection: str
    child_pugh_class: str | None
    child_pugh_source: str
    plan: PlanFacts
    constraints: tuple[ConstraintResult, ...]
    ntcp: tuple[NtcpEstimate, ...]
    recommendations: tuple[str, ...]
    structures: tuple[StructureSummary, ...]
    warnings: tuple[str, ...]
    dvhs: dict[str, DoseVolumeHistogram] = field(repr=False, default_factory=dict)
    dose: Dose | None = field(repr=False, default=None)
    plan_structures: tuple[StructureContours, ...] = field(repr=False, default=())
    patient: dict[str, Any] | None = field(repr=False, default=None)
    assessment_text: str = field(repr=False, default="")
    stored_dvh_comparison: tuple[StoredComparison, ...] = ()
    cumulative_liver: CumulativeLiverCheck | None = None
    """Cumulative normal-liver EQD2 over earlier RT courses, or None without them."""

    @property
    def dose_gy(self) -> npt.NDArray[np.float32] | None:
        """The evaluated dose (Gy) on :attr:`dose_grid`, or None."""
        return None if self.dose is None else self.dose.dose_gy

    @property
    def dose_grid(self) -> Grid | None:
        """The grid of :attr:`dose_gy`, or None."""
        return None if self.dose is None else self.dose.grid

    def to_json(self) -> dict[str, Any]:
        """The ``evaluation.json`` payload (plain JSON types; NaN becomes null on output)."""
        from hccrt.serialize import to_jsonable

        payload: dict[str, Any] = {
            "verdict": self.verdict,
            "verdict_reasons": list(self.verdict_reasons),
            "protocol": {
                **self.protocol.identity(),  # a file protocol: its path and hash, not its id
                "fractionation": self.protocol.fractionation.description,
                "source": self.protocol.source,
                "selection": self.protocol_selection,
            },
            "child_pugh_class": self.child_pugh_class,
            "child_pugh_source": self.child_pugh_source,
            "plan": self.plan,
            "constraints": self.constraints,
            "ntcp": self.ntcp,
            "recommendations": list(self.recommendations),
            "structures": self.structures,
            "warnings": list(self.warnings),
            "patient": self.patient,
            "stored_dvh_comparison": self.stored_dvh_comparison,
        }
        if self.cumulative_liver is not None:  # only with earlier RT courses (re-irradiation)
            payload["cumulative_liver"] = self.cumulative_liver.to_json()
        result: dict[str, Any] = to_jsonable(payload)
        return result

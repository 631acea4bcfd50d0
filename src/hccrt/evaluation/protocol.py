"""Dose-constraint protocols as versioned data with sources (``protocols/*.json``).

A protocol lists constraints ``structure metric comparator limit`` with the source and status of
each value, the fractionation it applies to, and which Child-Pugh classes a constraint is for.
Constraints whose limits are physical doses at another fractionation carry their reference
(``{"fractions": 3}`` or ``{"dose_per_fraction_gy": 2.0}``) and an α/β; the evaluation converts
such limits to the plan's fractionation with the LQ model and shows the conversion.

Statuses: ``seed`` (a seed document states the value), ``V`` (verified against the primary
source), ``V2`` (verified against a secondary source), ``UNCONFIRMED`` (labelled default,
overridable with ``--protocol-file``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hccrt.dvh.metrics import parse_metric
from hccrt.errors import InputError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Reference(BaseModel):
    """Fractionation a limit was stated for: a number of fractions or a dose per fraction."""

    model_config = _FROZEN
    fractions: int | None = Field(default=None, ge=1)
    dose_per_fraction_gy: float | None = Field(default=None, gt=0)


class Constraint(BaseModel):
    """One dose-volume constraint of a protocol."""

    model_config = _FROZEN
    id: str
    structure: str = Field(description="TG-263 structure name, e.g. Liver-GTV")
    metric: str = Field(description="TG-263 DVH metric, e.g. Dmean[Gy] or CV15Gy[cc]")
    comparator: Literal["<", "<=", ">", ">="]
    limit: float
    priority: Literal["mandatory", "optimal"] = "mandatory"
    kind: Literal["organ", "target"] = "organ"
    child_pugh: tuple[str, ...] | None = Field(
        default=None, description="classes the constraint applies to (A, B, unknown); all if null"
    )
    convert: bool = False
    reference: Reference | None = None
    alpha_beta_gy: float | None = Field(default=None, gt=0)
    source: str
    status: Literal["seed", "V", "V2", "UNCONFIRMED"]
    note: str = ""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        parse_metric(value)
        return value


class Fractionation(BaseModel):
    """Which plans a protocol is for, and its reference fractionation."""

    model_config = _FROZEN
    min_fractions: int = Field(ge=1)
    max_fractions: int = Field(ge=1)
    reference_fractions: int | None = None
    reference_dose_per_fraction_gy: float | None = None
    description: str


class NtcpSettings(BaseModel):
    """Where NTCP is computed and the risk level reported against."""

    model_config = _FROZEN
    structure: str
    threshold_percent: float
    source: str


class Protocol(BaseModel):
    """A versioned set of constraints for one fractionation regimen."""

    model_config = _FROZEN
    id: str
    version: str
    title: str
    fractionation: Fractionation
    source: str
    constraints: tuple[Constraint, ...]
    planning_defaults: tuple[Constraint, ...] = Field(
        default=(),
        description="organ limits the planner uses where the constraints give it none it can "
        "express; read through hccrt.core.planning_defaults, never evaluated",
    )
    ntcp: NtcpSettings

    def applies_to(self, fractions: int) -> bool:
        """True when a plan with ``fractions`` fractions falls in this protocol's range."""
        return self.fractionation.min_fractions <= fractions <= self.fractionation.max_fractions


PROTOCOL_NAMES = (
    "hcc_sbrt_3fx",
    "hcc_sbrt_5fx",
    "hcc_hypofractionated_5x10",
    "hcc_conventional",
)


@lru_cache(maxsize=8)
def _packaged(name: str) -> Protocol:
    text = resources.files("hccrt.evaluation").joinpath(f"protocols/{name}.json").read_text()
    return Protocol.model_validate(json.loads(text))


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A packaged protocol by name (see :data:`PROTOCOL_NAMES`) or a protocol JSON file.

    Raises
    ------
    InputError
        Unknown name, unreadable file; pydantic ValidationError for a malformed protocol.
    """
    text = str(name_or_path)
    if text in PROTOCOL_NAMES:
        return _packaged(text)
    path = Path(text)
    if path.suffix == ".json" and path.is_file():
        return Protocol.model_validate(json.loads(path.read_text(encoding="utf-8")))
    raise InputError(
        "protocol",
        "unknown protocol",
        text,
        f"use one of {', '.join(PROTOCOL_NAMES)} or a protocol .json file",
    )


def select_protocol(fractions: int) -> tuple[Protocol, str]:
    """The packaged protocol for a plan's number of fractions, and why it was chosen."""
    for name in PROTOCOL_NAMES:
        protocol = _packaged(name)
        if protocol.applies_to(fractions):
            span = protocol.fractionation
            reason = (
                f"plan has {fractions} fractions; {protocol.id} covers "
                f"{span.min_fractions}-{span.max_fractions} fractions"
            )
            return protocol, reason
    raise InputError("fractions", "no protocol covers this number of fractions", fractions, "")

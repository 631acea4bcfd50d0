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

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

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
    """A versioned set of constraints for one fractionation regimen.

    Its identity is :attr:`sha256`, the hash of its canonical JSON: the ``id`` and ``version``
    inside a file are only what the file claims. :meth:`identity` (shown in ``evaluation.json``
    and the report) labels a protocol read from a file by its path and hash.
    """

    model_config = _FROZEN
    id: str
    version: str
    title: str
    fractionation: Fractionation
    source: str
    constraints: tuple[Constraint, ...] = Field(min_length=1)
    planning_defaults: tuple[Constraint, ...] = Field(
        default=(),
        description="organ limits the planner uses where the constraints give it none it can "
        "express; read through hccrt.core.planning_defaults, never evaluated",
    )
    ntcp: NtcpSettings
    _path: str | None = PrivateAttr(default=None)

    def applies_to(self, fractions: int) -> bool:
        """True when a plan with ``fractions`` fractions falls in this protocol's range."""
        return self.fractionation.min_fractions <= fractions <= self.fractionation.max_fractions

    @property
    def sha256(self) -> str:
        """SHA-256 (hex) of the canonical JSON: sorted keys, no whitespace, UTF-8."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def identity(self) -> dict[str, str]:
        """How the protocol is named in results: id, version, title, sha256, origin.

        A packaged protocol keeps its id (``origin`` ``"packaged"``). One read from a file is
        named by its path and hash, and its claimed id is kept as ``claimed_id`` only; when its
        content is byte-for-byte a packaged protocol, ``same_as_packaged`` names it.
        """
        digest = self.sha256
        if self._path is None:
            return {"id": self.id, "version": self.version, "title": self.title,
                    "sha256": digest, "origin": "packaged"}  # fmt: skip
        same = next((n for n in PROTOCOL_NAMES if _packaged(n).sha256 == digest), None)
        return {
            "id": f"file {self._path}",
            "version": self.version,
            "title": f"protocol file {self._path} (sha256 {digest[:12]}; claims "
            f"{self.id} {self.version}{'' if same else ', not a packaged protocol'})",
            "sha256": digest,
            "origin": self._path,
            "claimed_id": self.id,
            **({"same_as_packaged": same} if same else {}),
        }


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


def packaged_protocol_names() -> tuple[str, ...]:
    """Names of the protocols shipped with hccrt (the only ones the web app accepts)."""
    return PROTOCOL_NAMES


def load_packaged_protocol(name: str) -> Protocol:
    """A packaged protocol by name; never a path (for the web app and other remote callers).

    Raises
    ------
    InputError
        ``name`` is not one of :func:`packaged_protocol_names` (the value is not echoed back
        beyond 60 characters).
    """
    if name not in PROTOCOL_NAMES:
        raise InputError(
            "protocol",
            "not a packaged protocol",
            str(name)[:60],
            f"use one of {', '.join(PROTOCOL_NAMES)}",
        )
    return _packaged(name)


def load_protocol(name_or_path: str | Path) -> Protocol:
    """A packaged protocol by name (see :data:`PROTOCOL_NAMES`) or a protocol JSON file (CLI).

    A file's protocol is labelled with its path and content hash (:meth:`Protocol.identity`).

    Raises
    ------
    InputError
        Unknown name, unreadable file, or a file that is not a valid protocol (no constraints,
        missing or unknown keys). The message names the file and our schema's missing fields
        only: the file's own keys and values are never echoed, so a secret JSON file given as
        a protocol does not leak into an error that others can read.
    """
    text = str(name_or_path)
    if text in PROTOCOL_NAMES:
        return _packaged(text)
    path = Path(text)
    if path.suffix != ".json" or not path.is_file():
        raise InputError(
            "protocol",
            "unknown protocol",
            text,
            f"use one of {', '.join(PROTOCOL_NAMES)} or a protocol .json file",
        )
    try:
        protocol = Protocol.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(
            str(path), "not a valid protocol file (not JSON)", None, _FILE_FIX
        ) from None
    except ValidationError as error:
        raise InputError(str(path), _invalid(error), None, _FILE_FIX) from None
    protocol._path = str(path.resolve())
    return protocol


_FILE_FIX = "see the packaged protocols in hccrt/evaluation/protocols/ for the format"


def _invalid(error: ValidationError) -> str:
    """Describe a protocol's errors by our schema's names only (no input keys or values)."""
    errors = error.errors()
    missing = sorted({".".join(map(str, e["loc"])) for e in errors if e["type"] == "missing"})
    empty = any(e["type"] == "too_short" and e["loc"][:1] == ("constraints",) for e in errors)
    other = len(errors) - len(missing) - int(empty)
    parts = [f"missing {', '.join(missing)}"] if missing else []
    if empty:
        parts.append("no constraints: a protocol needs at least one")
    if other:
        parts.append(f"{other} other invalid or unknown entr{'y' if other == 1 else 'ies'}")
    return f"not a valid protocol ({'; '.join(parts)})"


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

"""Results of the main job: stage outcomes, options, the run summary and its text form."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from hccrt.planning import Technique

if TYPE_CHECKING:
    from hccrt.core import Image, StructureSet
    from hccrt.dicom.case import CaseInventory

StageStatus = Literal["done", "skipped", "failed", "error"]


@dataclass(frozen=True)
class StageOutcome:
    """What one stage of the main job did."""

    name: str
    status: StageStatus
    detail: str
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunOptions:
    """Options of the main job that reach the planning stage.

    ``prescription_gy``/``fractions`` ``None`` means: take the first fractionation scheme the
    clinical assessment recommends.
    """

    technique: Technique = "auto"
    prescription_gy: float | None = None
    fractions: int | None = None
    final_dose: Literal["collapsed_cone", "pencil_beam"] = "collapsed_cone"
    """The engine of every reported plan dose (see :class:`hccrt.pipeline.PlanRequest`)."""
    gantry_deg: tuple[float, ...] = ()
    """Gantry angles (degrees); empty: the default beams of :class:`~hccrt.pipeline.PlanRequest`."""
    couch_deg: tuple[float, ...] = ()
    """Couch angles: empty (0), one for all beams or one per gantry angle."""
    collimator_deg: tuple[float, ...] = ()
    """Collimator angles: empty (0), one for all beams or one per gantry angle."""

    def __post_init__(self) -> None:
        """Validate every option before any work is done (bad input: :class:`InputError`)."""
        from hccrt.errors import InputError
        from hccrt.planning.case import per_beam_angles
        from hccrt.radiobiology.dose_bands import DOSE_PER_FRACTION, TOTAL_DOSE, check_dose_gy

        if self.gantry_deg or self.couch_deg or self.collimator_deg:
            from hccrt.pipeline._planning import DEFAULT_GANTRY_DEG

            count = len(self.gantry_deg or DEFAULT_GANTRY_DEG)
            per_beam_angles(self.gantry_deg or (0.0,) * count, count, "--gantry-angles")
            per_beam_angles(self.couch_deg, count, "--couch-angles")
            per_beam_angles(self.collimator_deg, count, "--collimator-angles")

        if self.technique not in ("auto", "3dcrt", "imrt", "vmat"):
            raise InputError("--technique", "must be auto, 3dcrt, imrt or vmat", self.technique, "")
        if self.final_dose not in ("collapsed_cone", "pencil_beam"):
            raise InputError(
                "--final-dose", "must be collapsed-cone or pencil-beam", self.final_dose, ""
            )
        if (self.prescription_gy is None) != (self.fractions is None):
            raise InputError(
                "--prescription-gy/--fractions",
                "give both or neither",
                f"{self.prescription_gy}/{self.fractions}",
                "e.g. --prescription-gy 50 --fractions 10",
            )
        if self.prescription_gy is None or self.fractions is None:
            return
        if isinstance(self.fractions, bool) or not 1 <= self.fractions <= 60:
            raise InputError("--fractions", "must be a whole number 1-60", self.fractions, "")
        total = check_dose_gy("--prescription-gy", self.prescription_gy, TOTAL_DOSE)
        check_dose_gy("--prescription-gy / --fractions", total / self.fractions, DOSE_PER_FRACTION)


@dataclass(frozen=True)
class RunResult:
    """Summary of a run, also written as ``run.json``."""

    case_dir: str
    out_dir: str
    hccrt_version: str
    started_utc: str
    stages: tuple[StageOutcome, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> tuple[StageOutcome, ...]:
        """Stages that could not run because of their inputs."""
        return tuple(stage for stage in self.stages if stage.status == "failed")

    @property
    def errors(self) -> tuple[StageOutcome, ...]:
        """Stages that stopped on an internal error (a bug)."""
        return tuple(stage for stage in self.stages if stage.status == "error")


class CaseImages:
    """The planning CT and RTSTRUCT of a case, read on first use and then shared by the stages
    of one main job (the lipiodol stage and the planning stage need the same two objects).

    Parameters
    ----------
    inventory
        The case's files; the CT and the RTSTRUCT must be present when they are asked for.
    """

    def __init__(self, inventory: CaseInventory) -> None:
        self.inventory = inventory

    @cached_property
    def ct(self) -> Image:
        """The planning CT series."""
        from hccrt.dicom import read_ct_series

        return read_ct_series(list(self.inventory.ct_files))

    @cached_property
    def structure_set(self) -> StructureSet:
        """The case's RTSTRUCT (InputError when the case has none)."""
        from hccrt.dicom import read_rtstruct
        from hccrt.errors import InputError

        if self.inventory.rtstruct is None:
            raise InputError("case", "holds no RTSTRUCT", None, "add the structure set")
        return read_rtstruct(self.inventory.rtstruct)


@dataclass
class Workspace:
    """Mutable collector used only inside :func:`run_case` while stages run."""

    folder: Path
    stages: list[StageOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def write_json(self, name: str, text: str) -> str:
        (self.folder / name).write_text(text, encoding="utf-8")
        return name


def summary_text(result: RunResult) -> str:
    lines = [
        f"hccrt {result.hccrt_version} — main job on {result.case_dir}",
        f"started {result.started_utc}",
        "",
    ]
    for stage in result.stages:
        outputs = f" -> {', '.join(stage.outputs)}" if stage.outputs else ""
        lines.append(f"[{stage.status:>7}] {stage.name}: {stage.detail}{outputs}")
    if result.warnings:
        lines += ["", "Warnings:", *(f"- {w}" for w in result.warnings)]
    return "\n".join(lines) + "\n"

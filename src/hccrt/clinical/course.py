"""The patient's course over time: a dated, validated timeline of treatments, labs and imaging.

A :class:`PatientCourse` is read by ``hccrt assess --course`` (cumulative liver dose,
re-irradiation, TACE + RT scheduling) and ``hccrt followup --course`` (per-visit CTCAE grades,
Child-Pugh / ALBI change, RILD, mRECIST). Events are listed in date order, each with a ``kind``:

* ``tace`` / ``tae`` / ``deb_tace`` (:class:`ArterialSession`, lipiodol yes/no);
* ``ablation`` (:class:`Ablation`) and ``resection`` (:class:`Resection`);
* ``y90`` (:class:`Y90`: activity GBq, perfused volume cc, mean liver / tumour dose Gy);
* ``rt`` (:class:`RtCourse`: dose / fractions, technique, mean normal-liver dose or an RTDOSE
  file with an optional spatial registration);
* ``systemic`` (:class:`SystemicLine`);
* ``labs`` (:class:`CourseLabs`: bilirubin, albumin, INR, ALT, AST, ALP, platelets, AFP);
* ``imaging`` (:class:`ImagingVisit`: viable target-lesion diameters for mRECIST).

Units are in the field names. Schema: ``docs/course-schema.json``; examples:
``examples/courses/``. Every validation error is one :class:`~hccrt.errors.ClinicalInputError`
line whose fix points to the schema.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hccrt.clinical._lab_fields import (
    AfpNgMl,
    AlbuminGDl,
    AlpUL,
    AlpUlnUL,
    AltUL,
    AltUlnUL,
    AstUL,
    AstUlnUL,
    BilirubinMgDl,
    BilirubinUlnMgDl,
    Inr,
    PlateletsE9L,
)
from hccrt.clinical.enums import Ascites, Encephalopathy
from hccrt.clinical.patient import record_error
from hccrt.clinical.units import (
    ALBUMIN_G_L_PER_G_DL,
    BILIRUBIN_UMOL_L_PER_MG_DL,
    SiAlternative,
    check_plausible,
    convert_si_inputs,
    read_json_object,
    si_schema_properties,
)
from hccrt.errors import ClinicalInputError
from hccrt.numbers import FiniteFloat, WholeNumber

__all__ = [
    "Y90",
    "Ablation",
    "ArterialSession",
    "CourseEvent",
    "CourseLabs",
    "ImagingVisit",
    "LabUlns",
    "PatientCourse",
    "Resection",
    "RtCourse",
    "SystemicLine",
    "TargetLesion",
    "load_course",
    "parse_course",
    "with_event",
    "without_event",
]

SCHEMA_DOC = "docs/course-schema.json"
_Date = date  # several models have a field named ``date``
_FROZEN = ConfigDict(frozen=True, extra="forbid")
_LAB_SI = (
    SiAlternative(
        "bilirubin_umol_l", "bilirubin_mg_dl", BILIRUBIN_UMOL_L_PER_MG_DL, "µmol/L", "mg/dL"
    ),
    SiAlternative("albumin_g_l", "albumin_g_dl", ALBUMIN_G_L_PER_G_DL, "g/L", "g/dL"),
)


def _lab_schema(schema: dict[str, Any]) -> None:
    schema.setdefault("properties", {}).update(si_schema_properties(_LAB_SI))


def _fail(field: str, rule: str, value: Any, fix: str) -> ClinicalInputError:
    return ClinicalInputError(field, rule, value, f"{fix} (see {SCHEMA_DOC})")


class ArterialSession(BaseModel):
    """One hepatic-artery session: TACE, bland TAE or DEB-TACE."""

    model_config = _FROZEN

    kind: Literal["tace", "tae", "deb_tace"]
    date: _Date = Field(description="Date of the session (ISO 8601).")
    lipiodol: bool | None = Field(None, description="Lipiodol (iodised oil) was used.")
    lipiodol_deposition: Literal["good", "poor"] | None = Field(
        None, description="Lipiodol deposition on the follow-up CT (seed 001: poor -> RT alone)."
    )
    segmental: bool | None = Field(None, description="Segmental (super-selective) injection.")
    notes: str = ""


class Ablation(BaseModel):
    """One ablation (RFA, MWA, cryoablation, PEI)."""

    model_config = _FROZEN

    kind: Literal["ablation"]
    date: _Date
    method: Literal["rfa", "mwa", "cryo", "pei", "other"] = "rfa"
    notes: str = ""


class Resection(BaseModel):
    """A liver resection."""

    model_config = _FROZEN

    kind: Literal["resection"]
    date: _Date
    margin_positive: bool | None = Field(None, description="R1/R2 margin.")
    notes: str = ""


class Y90(BaseModel):
    """Yttrium-90 radioembolisation, with the doses of its dosimetry when known."""

    model_config = _FROZEN

    kind: Literal["y90"]
    date: _Date
    activity_gbq: FiniteFloat | None = Field(None, gt=0, le=20, description="Activity, GBq.")
    perfused_volume_cc: FiniteFloat | None = Field(
        None, gt=0, lt=5000, description="Perfused liver volume, cc."
    )
    mean_liver_dose_gy: FiniteFloat | None = Field(
        None, ge=0, le=300, description="Mean dose to the non-tumoural (perfused) liver, Gy."
    )
    mean_tumor_dose_gy: FiniteFloat | None = Field(
        None, ge=0, le=2000, description="Mean tumour dose, Gy."
    )
    device: Literal["glass", "resin", "other"] | None = None
    notes: str = ""


class RtCourse(BaseModel):
    """One course of external-beam RT to the liver (completed, ongoing or planned).

    The normal-liver dose comes from ``mean_normal_liver_dose_gy`` (physical mean dose of this
    course) or from ``rtdose_path`` (an RTDOSE; voxel-wise summation when it shares the Frame of
    Reference of the new plan or is linked by the spatial registration ``registration_path``).
    Relative paths are read relative to the course file.
    """

    model_config = _FROZEN

    kind: Literal["rt"]
    date: _Date = Field(description="First day of RT (planned start for a planned course).")
    end_date: _Date | None = Field(None, description="Last day of RT (None: not finished).")
    status: Literal["completed", "ongoing", "planned"] = "completed"
    dose_gy: FiniteFloat = Field(gt=0, le=120, description="Prescribed total dose, Gy.")
    fractions: WholeNumber = Field(ge=1, le=60, description="Number of fractions.")
    technique: Literal["3dcrt", "imrt", "vmat", "sbrt", "tomotherapy", "proton", "other"] = "other"
    target: str = Field("", description="What was treated (e.g. 'segment 7 HCC', 'PVTT').")
    mean_normal_liver_dose_gy: FiniteFloat | None = Field(
        None, ge=0, le=120, description="Physical mean dose to liver minus GTV of this course, Gy."
    )
    normal_liver_volume_cc: FiniteFloat | None = Field(
        None, gt=100, lt=5000, description="Liver minus GTV volume at this course, cc."
    )
    high_dose_liver_rt: bool | None = Field(
        None, description="The liver received high-dose RT (RILD criterion ①; None: not stated)."
    )
    rtdose_path: str | None = Field(None, description="RTDOSE file of this course.")
    registration_path: str | None = Field(
        None,
        description="DICOM Spatial Registration linking this course's CT to the new plan's CT "
        "(rigid); needed when the Frames of Reference differ.",
    )
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> RtCourse:
        if self.end_date is not None and self.end_date < self.date:
            raise _fail("end_date", f"before the RT start {self.date}", str(self.end_date), "check")
        if self.status == "completed" and self.end_date is None:
            raise _fail(
                "end_date", "missing for a completed RT course", None, "give the last day of RT"
            )
        if self.status == "planned" and self.end_date is not None:
            raise _fail("end_date", "given for a planned RT course", str(self.end_date), "drop it")
        mean = self.mean_normal_liver_dose_gy
        if mean is not None and mean > self.dose_gy:
            raise _fail(
                "mean_normal_liver_dose_gy",
                f"above the prescribed dose {self.dose_gy:g} Gy",
                mean,
                "give the mean dose of liver minus GTV in Gy",
            )
        if self.registration_path and not self.rtdose_path:
            raise _fail(
                "registration_path", "given without rtdose_path", self.registration_path, "add it"
            )
        return self

    @property
    def dose_per_fraction_gy(self) -> float:
        """Prescribed dose per fraction, Gy."""
        return self.dose_gy / self.fractions


class SystemicLine(BaseModel):
    """One line of systemic therapy."""

    model_config = _FROZEN

    kind: Literal["systemic"]
    date: _Date
    end_date: _Date | None = None
    agent: str = Field(min_length=1, description="e.g. atezolizumab-bevacizumab, sorafenib.")
    line: WholeNumber = Field(1, ge=1, le=10, description="Line of therapy (1 = first line).")
    notes: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> SystemicLine:
        if self.end_date is not None and self.end_date < self.date:
            raise _fail("end_date", f"before the start {self.date}", str(self.end_date), "check")
        return self


class CourseLabs(BaseModel):
    """Liver labs (and the clinical Child-Pugh items) on one date; every value optional.

    ULNs may be given here or once for the whole course (:class:`LabUlns`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_lab_schema)

    kind: Literal["labs"]
    date: _Date = Field(description="Date the blood was drawn.")
    bilirubin_mg_dl: BilirubinMgDl = None
    albumin_g_dl: AlbuminGDl = None
    inr: Inr = None
    alt_u_l: AltUL = None
    ast_u_l: AstUL = None
    alp_u_l: AlpUL = None
    platelets_10e9_l: PlateletsE9L = None
    afp_ng_ml: AfpNgMl = None
    ascites: Ascites | None = None
    encephalopathy: Encephalopathy | None = None
    hepatomegaly: bool | None = Field(None, description="New liver enlargement (RILD sign).")
    alt_uln_u_l: AltUlnUL = None
    ast_uln_u_l: AstUlnUL = None
    alp_uln_u_l: AlpUlnUL = None
    bilirubin_uln_mg_dl: BilirubinUlnMgDl = None

    @model_validator(mode="before")
    @classmethod
    def _convert(cls, data: Any) -> Any:
        return convert_si_inputs(data, _LAB_SI) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _plausible(self) -> CourseLabs:
        for name in ("bilirubin_mg_dl", "albumin_g_dl", "inr"):
            value = getattr(self, name)
            if value is not None:
                check_plausible(name, value)
        return self


class TargetLesion(BaseModel):
    """One mRECIST target lesion: the longest diameter of its viable (arterially enhancing) part."""

    model_config = _FROZEN

    lesion_id: str = Field(min_length=1, description="Same id at every visit.")
    viable_diameter_mm: FiniteFloat = Field(
        ge=0, le=300, description="Viable tumour diameter, mm (0: no enhancement left)."
    )


class ImagingVisit(BaseModel):
    """Contrast-enhanced CT/MRI with the mRECIST target lesions (Lencioni & Llovet 2010)."""

    model_config = _FROZEN

    kind: Literal["imaging"]
    date: _Date
    modality: Literal["ct", "mri", "other"] = "ct"
    target_lesions: tuple[TargetLesion, ...] = ()
    new_lesions: bool | None = Field(None, description="A new HCC lesion appeared.")
    nontarget_progression: bool | None = Field(
        None, description="Unequivocal progression of non-target lesions."
    )
    notes: str = ""


CourseEvent = Annotated[
    ArterialSession
    | Ablation
    | Resection
    | Y90
    | RtCourse
    | SystemicLine
    | CourseLabs
    | ImagingVisit,
    Field(discriminator="kind"),
]
"""One dated event of the course, told apart by ``kind``."""


class LabUlns(BaseModel):
    """Upper limits of normal used when a lab set gives none."""

    model_config = _FROZEN

    alt_uln_u_l: AltUlnUL = None
    ast_uln_u_l: AstUlnUL = None
    alp_uln_u_l: AlpUlnUL = None
    bilirubin_uln_mg_dl: BilirubinUlnMgDl = None


class PatientCourse(BaseModel):
    """A patient's course: dated events in order (frozen, validated on construction).

    See ``docs/course-schema.json`` and ``examples/courses/``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", title="HCC patient course")
    SCHEMA_DOC: ClassVar[str] = SCHEMA_DOC

    patient_id: str | None = None
    lab_ulns: LabUlns = Field(default_factory=LabUlns)
    events: tuple[CourseEvent, ...] = Field(description="Events in date order.")

    @model_validator(mode="after")
    def _order(self) -> PatientCourse:
        for index in range(1, len(self.events)):
            before, event = self.events[index - 1], self.events[index]
            if event.date < before.date:
                raise _fail(
                    f"events.{index}.date",
                    f"before events.{index - 1}.date {before.date} ({before.kind})",
                    str(event.date),
                    "list the events in date order",
                )
        self._rt_courses_apart()
        self._same_target_lesions()
        return self

    def _rt_courses_apart(self) -> None:
        courses = [(i, e) for i, e in enumerate(self.events) if isinstance(e, RtCourse)]
        for (_, first), (index, second) in pairwise(courses):
            if first.status != "completed":
                raise _fail(
                    f"events.{index}",
                    f"RT course after one that is {first.status}",
                    second.kind,
                    "only the last RT course may be ongoing or planned",
                )
            if first.end_date is not None and second.date <= first.end_date:
                raise _fail(
                    f"events.{index}.date",
                    f"on or before the end {first.end_date} of the previous RT course",
                    str(second.date),
                    "RT courses must not overlap",
                )

    def _same_target_lesions(self) -> None:
        visits = [(i, e) for i, e in enumerate(self.events) if isinstance(e, ImagingVisit)]
        if not visits:
            return
        baseline = sorted(t.lesion_id for t in visits[0][1].target_lesions)
        if len(set(baseline)) != len(baseline):
            raise _fail(
                f"events.{visits[0][0]}.target_lesions",
                "lesion ids repeated",
                ", ".join(baseline),
                "give each target lesion once",
            )
        for index, visit in visits[1:]:
            ids = sorted(t.lesion_id for t in visit.target_lesions)
            if ids != baseline:
                raise _fail(
                    f"events.{index}.target_lesions",
                    f"lesion ids {ids} differ from the baseline imaging {baseline}",
                    str(visit.date),
                    "measure the same target lesions at every visit (0 mm when no viable "
                    "tumour is left)",
                )

    # Views of the timeline ------------------------------------------------------------------

    @property
    def rt_courses(self) -> tuple[RtCourse, ...]:
        """The RT courses in date order."""
        return tuple(e for e in self.events if isinstance(e, RtCourse))

    @property
    def arterial_sessions(self) -> tuple[ArterialSession, ...]:
        """TACE, TAE and DEB-TACE sessions in date order."""
        return tuple(e for e in self.events if isinstance(e, ArterialSession))

    @property
    def y90(self) -> tuple[Y90, ...]:
        """Y-90 radioembolisations in date order."""
        return tuple(e for e in self.events if isinstance(e, Y90))

    @property
    def labs(self) -> tuple[CourseLabs, ...]:
        """Lab sets in date order."""
        return tuple(e for e in self.events if isinstance(e, CourseLabs))

    @property
    def imaging(self) -> tuple[ImagingVisit, ...]:
        """Imaging visits in date order."""
        return tuple(e for e in self.events if isinstance(e, ImagingVisit))


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """``data`` with the relative RTDOSE / registration paths made relative to ``base``."""
    events = data.get("events")
    if not isinstance(events, list):
        return data
    out = []
    for event in events:
        if isinstance(event, dict) and event.get("kind") == "rt":
            event = dict(event)
            for key in ("rtdose_path", "registration_path"):
                value = event.get(key)
                if isinstance(value, str) and value and not Path(value).is_absolute():
                    event[key] = str(base / value)
        out.append(event)
    return {**data, "events": out}


def parse_course(data: Any, base_dir: str | Path | None = None) -> PatientCourse:
    """Validate a decoded JSON object as a :class:`PatientCourse` (errors as one line).

    ``base_dir`` resolves relative ``rtdose_path`` / ``registration_path`` values.
    """
    if not isinstance(data, dict):
        raise _fail("course", "must be a JSON object", type(data).__name__, "give an object")
    if base_dir is not None:
        data = _resolve_paths(data, Path(base_dir))
    try:
        return PatientCourse.model_validate(data)
    except ValidationError as error:
        raise _course_error(error) from None


_TAGS = frozenset(
    ("tace", "tae", "deb_tace", "ablation", "resection", "y90", "rt", "systemic", "labs", "imaging")
)


def _without_tags(parts: list[str]) -> str:
    """``events.2.rt.dose_gy`` -> ``events.2.dose_gy`` (the discriminator tag is noise)."""
    kept = [
        p for i, p in enumerate(parts) if not (i >= 2 and parts[i - 2] == "events" and p in _TAGS)
    ]
    return ".".join(kept)


def _course_error(error: ValidationError) -> ClinicalInputError:
    """The first pydantic error as one line: full location (``events.3.dose_gy``), schema fix."""
    first = error.errors()[0]
    loc = _without_tags([str(p) for p in first["loc"]])
    out = record_error(error, PatientCourse)
    field = _without_tags(out.field.split("."))
    if loc and not field.startswith(loc) and not field.startswith("events."):
        field = loc if loc.endswith(field) else f"{loc}.{field}"
    value = out.value
    if first["type"] == "union_tag_invalid" and isinstance(value, dict):
        field, value = f"{loc}.kind", value.get("kind")
    fix = out.fix if SCHEMA_DOC in out.fix else f"{out.fix} (see {SCHEMA_DOC})".strip()
    return ClinicalInputError(field, out.rule, value, fix)


def load_course(path: str | Path) -> PatientCourse:
    """Read and validate a course JSON file.

    Raises
    ------
    ClinicalInputError
        One line naming the field, rule, value and fix (file missing, not JSON, unknown field,
        events out of date order, overlapping RT courses, impossible values).
    """
    path = Path(path)
    return parse_course(read_json_object(path, "course"), path.resolve().parent)


def with_event(
    course: PatientCourse | None, event: Any, replace: int | None = None
) -> PatientCourse:
    """A new course with ``event`` added (or put in place of event ``replace``), in date order.

    The event goes after every event on or before its date, so events of one day keep the
    order they were entered in. The result is validated as a whole (:func:`parse_course`).

    Parameters
    ----------
    course
        The current course, or None to start one.
    event
        The event as a JSON object (``kind``, ``date``, the fields of that kind).
    replace
        Index of the event that ``event`` replaces (an edit), or None (an addition).

    Returns
    -------
    PatientCourse
        The validated new course; ``course`` is not changed.

    Raises
    ------
    ClinicalInputError
        ``replace`` is not an event index, or the event or the new course is not valid (the
        message names ``events.N.field`` of the new course).
    """
    base = {} if course is None else course.model_dump(mode="json", exclude_none=True)
    events = list(base.get("events", []))
    if replace is not None:
        if not 0 <= replace < len(events):
            raise _fail("event", "no such event", replace, f"give 0 to {len(events) - 1}")
        del events[replace]
    if not isinstance(event, dict):
        raise _fail("event", "must be a JSON object", type(event).__name__, "give an object")
    when = str(event.get("date") or "")
    position = sum(1 for e in events if str(e.get("date", "")) <= when) if when else len(events)
    events.insert(position, event)
    return parse_course({**base, "events": events})


def without_event(course: PatientCourse, index: int) -> PatientCourse:
    """A new course without event ``index`` (validated; ``course`` is not changed).

    Raises
    ------
    ClinicalInputError
        ``index`` is not an event index, or the course without it is not valid.
    """
    base = course.model_dump(mode="json", exclude_none=True)
    events = list(base["events"])
    if not 0 <= index < len(events):
        raise _fail("event", "no such event", index, f"give 0 to {len(events) - 1}")
    del events[index]
    return parse_course({**base, "events": events})

"""``assess_course``: cumulative liver dose, re-irradiation and TACE + RT scheduling of a course.

Reads a :class:`~hccrt.clinical.course.PatientCourse` (and, when given, the patient record for
vascular invasion, ECOG and extrahepatic spread) and returns a :class:`CourseAssessment`:

* the dated timeline;
* liver function at the latest lab set (Child-Pugh, ALBI);
* the cumulative normal-liver EQD2 over the RT courses (from mean doses here, labelled as the
  mean-dose approximation; the voxel-wise sum needs the new plan's structures and is done by the
  plan evaluation), Y-90 beside it, and the statement that liver recovery is not modelled;
* re-irradiation rules (Child-Pugh ≥ 6 before the second course, Huang 2016);
* TACE + RT scheduling: the seed's 2 TACE 3-6 weeks apart then reassess, the < 1 month TACE-RT
  RILD rule, the START-trial option for macrovascular invasion, and a proposed calendar with
  the earliest RT start the seed rules allow.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from pydantic import BaseModel, ConfigDict

from hccrt.clinical import course_rules  # noqa: F401  (registers the course rules)
from hccrt.clinical.course import (
    Ablation,
    ArterialSession,
    CourseLabs,
    ImagingVisit,
    PatientCourse,
    Resection,
    RtCourse,
    SystemicLine,
)
from hccrt.clinical.findings import Finding, Item, Traced, finding, item_from, trace
from hccrt.clinical.patient import PatientRecord
from hccrt.clinical.rules.rt_sequencing import TACE_INTERVAL_DAYS, add_months
from hccrt.clinical.scores import albi_grade, albi_score, child_pugh
from hccrt.core import protocol_limit
from hccrt.errors import ClinicalInputError
from hccrt.radiobiology.cumulative import (
    MEAN_DOSE_APPROXIMATION,
    NO_RECOVERY,
    Y90_BESIDE,
    mean_dose_eqd2_gy,
)

__all__ = [
    "DEFAULT_LIVER_ALPHA_BETA_GY",
    "CalendarEntry",
    "CourseAssessment",
    "CourseRtDose",
    "CumulativeLiverDose",
    "LabScores",
    "Scheduling",
    "TimelineEntry",
    "Y90Dose",
    "assess_course",
    "lab_scores",
]

_Date = date  # models below have a field named ``date``

DEFAULT_LIVER_ALPHA_BETA_GY = 8.0
"""Normal-liver α/β of the cumulative EQD2 (Huang 2016 re-irradiation study; Son 2013)."""

REIRR_CTP_SCORE = 6
"""Huang 2016: a Child-Turcotte-Pugh score ≥ 6 before re-irradiation predicts RILD."""

START_RT_WITHIN_DAYS = 21
"""START (Yoon 2018): RT started within 3 weeks after the first TACE."""

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class TimelineEntry(BaseModel):
    """One event of the course as a line of the timeline."""

    model_config = _FROZEN

    date: date
    end_date: _Date | None = None
    kind: str
    text: str


class LabScores(BaseModel):
    """Child-Pugh and ALBI of one lab set (``None`` parts when an item is missing)."""

    model_config = _FROZEN

    date: date
    child_pugh_score: int | None
    child_pugh_class: str
    child_pugh_missing: tuple[str, ...] = ()
    albi_score: float | None
    albi_grade: int | None


class CourseRtDose(BaseModel):
    """The normal-liver dose of one RT course, physical and EQD2."""

    model_config = _FROZEN

    date: date
    status: str
    label: str
    fractions: int
    mean_physical_gy: float | None
    mean_eqd2_gy: float | None
    method: str  # mean_dose | voxel | insufficient_data
    note: str = ""


class Y90Dose(BaseModel):
    """A Y-90 treatment as recorded (not converted to EQD2)."""

    model_config = _FROZEN

    date: date
    activity_gbq: float | None
    perfused_volume_cc: float | None
    mean_liver_dose_gy: float | None
    mean_tumor_dose_gy: float | None


class CumulativeLiverDose(Traced):
    """Normal-liver EQD2 summed over the RT courses, with the limit and Y-90 beside it."""

    alpha_beta_gy: float
    courses: tuple[CourseRtDose, ...]
    prior_eqd2_gy: float | None
    new_course_eqd2_gy: float | None
    total_eqd2_gy: float | None
    method: str  # mean_dose | insufficient_data | none
    limit_gy: float | None
    limit_id: str | None
    limit_status: str  # within | exceeded | insufficient_data | not_applicable
    y90: tuple[Y90Dose, ...]
    notes: tuple[str, ...]


class CalendarEntry(BaseModel):
    """One step of the proposed calendar."""

    model_config = _FROZEN

    date: date
    latest: _Date | None = None
    what: str
    rule_ids: tuple[str, ...] = ()


class Scheduling(Traced):
    """TACE + RT scheduling: advice, warnings, the earliest safe RT start and a calendar."""

    items: tuple[Item, ...]
    earliest_safe_rt_start: date | None
    planned_rt_start: date | None
    calendar: tuple[CalendarEntry, ...]


class CourseAssessment(BaseModel):
    """What ``hccrt assess --course`` adds to the assessment of the patient."""

    model_config = _FROZEN

    patient_id: str | None
    timeline: tuple[TimelineEntry, ...]
    liver_function: LabScores | None
    is_reirradiation: bool
    reirradiation: tuple[Item, ...]
    cumulative_liver_dose: CumulativeLiverDose
    scheduling: Scheduling
    literature_options: tuple[Item, ...]
    notes: tuple[str, ...]
    y90_risks: tuple[Item, ...] = ()


# Timeline and scores ------------------------------------------------------------------------


def _describe(event: object) -> str:
    if isinstance(event, ArterialSession):
        oil = {True: ", lipiodol", False: ", no lipiodol", None: ""}[event.lipiodol]
        return f"{event.kind.upper().replace('_', '-')}{oil}"
    if isinstance(event, RtCourse):
        mean = (
            f", mean normal liver {event.mean_normal_liver_dose_gy:g} Gy"
            if event.mean_normal_liver_dose_gy is not None
            else ""
        )
        return (
            f"RT {event.dose_gy:g} Gy / {event.fractions} fx {event.technique} ({event.status})"
            f"{mean}{', RTDOSE' if event.rtdose_path else ''}"
        )
    if isinstance(event, SystemicLine):
        return f"systemic line {event.line}: {event.agent}"
    if isinstance(event, CourseLabs):
        return "labs"
    if isinstance(event, ImagingVisit):
        total = sum(t.viable_diameter_mm for t in event.target_lesions)
        return f"imaging ({event.modality}), viable target sum {total:g} mm"
    if isinstance(event, Ablation):
        return f"ablation ({event.method})"
    if isinstance(event, Resection):
        return "resection"
    return "Y-90 radioembolisation"


def _timeline(course: PatientCourse) -> tuple[TimelineEntry, ...]:
    return tuple(
        TimelineEntry(
            date=e.date,
            end_date=getattr(e, "end_date", None),
            kind=e.kind,
            text=_describe(e),
        )
        for e in course.events
    )


def lab_scores(labs: CourseLabs) -> LabScores:
    """Child-Pugh (clinical-facts §1.1) and ALBI (Johnson 2015) of one lab set."""
    record = PatientRecord(
        bilirubin_mg_dl=labs.bilirubin_mg_dl,
        albumin_g_dl=labs.albumin_g_dl,
        inr=labs.inr,
        ascites=labs.ascites,
        encephalopathy=labs.encephalopathy,
    )
    cp = child_pugh(record)
    score = None
    if labs.bilirubin_mg_dl is not None and labs.albumin_g_dl is not None:
        score = albi_score(labs.bilirubin_mg_dl, labs.albumin_g_dl)
    return LabScores(
        date=labs.date,
        child_pugh_score=cp.score,
        child_pugh_class=cp.class_,
        child_pugh_missing=cp.missing,
        albi_score=None if score is None else round(score, 3),
        albi_grade=None if score is None else albi_grade(score),
    )


def _labs_before(course: PatientCourse, day: date | None) -> CourseLabs | None:
    labs = [lab for lab in course.labs if day is None or lab.date <= day]
    return labs[-1] if labs else None


# Cumulative dose ----------------------------------------------------------------------------


def _course_dose(rt: RtCourse, alpha_beta_gy: float) -> CourseRtDose:
    label = f"RT {rt.date} {rt.dose_gy:g} Gy/{rt.fractions}"
    if rt.mean_normal_liver_dose_gy is None:
        note = "mean normal-liver dose not recorded" + (
            ": the RTDOSE is summed voxel-wise by the plan evaluation (hccrt evaluate "
            "--course), which has the structures"
            if rt.rtdose_path
            else ": give mean_normal_liver_dose_gy or an RTDOSE"
        )
        return CourseRtDose(
            date=rt.date,
            status=rt.status,
            label=label,
            fractions=rt.fractions,
            mean_physical_gy=None,
            mean_eqd2_gy=None,
            method="insufficient_data",
            note=note,
        )
    eqd2 = mean_dose_eqd2_gy(rt.mean_normal_liver_dose_gy, rt.fractions, alpha_beta_gy)
    return CourseRtDose(
        date=rt.date,
        status=rt.status,
        label=label,
        fractions=rt.fractions,
        mean_physical_gy=rt.mean_normal_liver_dose_gy,
        mean_eqd2_gy=round(eqd2, 2),
        method="mean_dose",
        note=MEAN_DOSE_APPROXIMATION,
    )


def _limit(cp_class: str | None) -> tuple[str, float]:
    limit_id = {"A": "liver_mean_cp_a", "B": "liver_mean_cp_b"}.get(cp_class or "", "")
    limit_id = limit_id or "liver_mean_general"
    return limit_id, protocol_limit(limit_id).limit


def _cumulative(
    course: PatientCourse, cp_class: str | None, alpha_beta_gy: float
) -> CumulativeLiverDose:
    doses = tuple(_course_dose(rt, alpha_beta_gy) for rt in course.rt_courses)
    y90 = tuple(
        Y90Dose(
            date=y.date,
            activity_gbq=y.activity_gbq,
            perfused_volume_cc=y.perfused_volume_cc,
            mean_liver_dose_gy=y.mean_liver_dose_gy,
            mean_tumor_dose_gy=y.mean_tumor_dose_gy,
        )
        for y in course.y90
    )
    found: list[Finding] = []
    notes: list[str] = []
    if y90:
        found.append(finding("COURSE-Y90", Y90_BESIDE))
        notes.append(Y90_BESIDE)
    several = len(doses) + len(y90) > 1  # liver-directed courses (EBRT and Y-90) in a row
    if several:
        found.append(finding("COURSE-NO-RECOVERY", NO_RECOVERY))
    if not doses:
        if several:
            notes.append(NO_RECOVERY)
        return CumulativeLiverDose(
            alpha_beta_gy=alpha_beta_gy,
            courses=(),
            prior_eqd2_gy=None,
            new_course_eqd2_gy=None,
            total_eqd2_gy=None,
            method="none",
            limit_gy=None,
            limit_id=None,
            limit_status="not_applicable",
            y90=y90,
            notes=tuple(notes),
            **trace(found),
        )
    new = doses[-1] if doses[-1].status in ("planned", "ongoing") else None
    prior = doses[:-1] if new is not None else doses
    known = all(d.mean_eqd2_gy is not None for d in doses)
    prior_sum = sum(d.mean_eqd2_gy or 0.0 for d in prior) if prior else 0.0
    prior_known = all(d.mean_eqd2_gy is not None for d in prior)
    total = round(prior_sum + (new.mean_eqd2_gy or 0.0 if new else 0.0), 2) if known else None
    limit_id, limit_gy = _limit(cp_class)
    found.append(
        finding(
            "COURSE-CUM-EQD2",
            f"normal-liver EQD2 (α/β {alpha_beta_gy:g} Gy) of {len(doses)} RT course(s): "
            + (f"{total:g} Gy in total" if total is not None else "insufficient_data")
            + (" (" + "; ".join(f"{d.label}: {d.mean_eqd2_gy}" for d in doses) + ")"),
            alpha_beta_gy=alpha_beta_gy,
            cumulative_eqd2_gy=total,
        )
    )
    if any(d.method == "mean_dose" for d in doses):
        found.append(finding("COURSE-CUM-MEAN", MEAN_DOSE_APPROXIMATION))
        notes.append(MEAN_DOSE_APPROXIMATION)
    notes.append(NO_RECOVERY)
    if total is None:
        status = "insufficient_data"
        text = "cumulative normal-liver EQD2 unknown: a course has no mean dose"
    else:
        status = "within" if total < limit_gy else "exceeded"
        text = (
            f"cumulative normal-liver EQD2 {total:g} Gy {'<' if status == 'within' else '≥'} "
            f"{limit_gy:g} Gy ({limit_id}, the seed's mean-liver limit read as EQD2, "
            "UNCONFIRMED)"
        )
    found.append(finding("COURSE-CUM-LIMIT", text, limit_gy=limit_gy, limit_status=status))
    return CumulativeLiverDose(
        alpha_beta_gy=alpha_beta_gy,
        courses=doses,
        prior_eqd2_gy=round(prior_sum, 2) if prior and prior_known else None,
        new_course_eqd2_gy=None if new is None else new.mean_eqd2_gy,
        total_eqd2_gy=total,
        method="mean_dose" if known else "insufficient_data",
        limit_gy=limit_gy,
        limit_id=limit_id,
        limit_status=status,
        y90=y90,
        notes=tuple(dict.fromkeys(notes)),
        **trace(found),
    )


# Re-irradiation -----------------------------------------------------------------------------


def _reirradiation(
    course: PatientCourse, patient: PatientRecord | None, before: CourseLabs | None
) -> tuple[bool, list[Item]]:
    courses = course.rt_courses
    if not courses or (len(courses) == 1 and courses[0].status == "completed"):
        if courses:  # one completed course and nothing new planned: the next one would be
            text = (
                f"prior liver RT ({courses[0].date}): any new course is a re-irradiation; "
                "Child-Pugh score ≥ 6 before it predicts RILD"
            )
            return False, [item_from("prior_rt", finding("COURSE-REIRR-CTP6", text))]
        return False, []
    if len(courses) == 1:
        return False, []
    out: list[Item] = []
    scores = None if before is None else lab_scores(before)
    new = courses[-1]
    if scores is None or scores.child_pugh_score is None:
        missing = "no lab set" if scores is None else ", ".join(scores.child_pugh_missing)
        text = (
            f"re-irradiation on {new.date}: Child-Pugh score before it unknown ({missing}); "
            "insufficient_data for the CTP ≥ 6 RILD predictor"
        )
        out.append(item_from("reirradiation_ctp_unknown", finding("COURSE-REIRR-CTP6", text)))
    elif scores.child_pugh_score >= REIRR_CTP_SCORE:
        text = (
            f"re-irradiation with Child-Pugh score {scores.child_pugh_score} "
            f"(labs {scores.date}) ≥ 6: the only predictor of RILD (OR 15.8) and of lethal RILD "
            "after liver re-irradiation (Huang 2016); weigh the second course carefully"
        )
        one = finding(
            "COURSE-REIRR-CTP6",
            text,
            child_pugh_score=scores.child_pugh_score,
            labs_date=str(scores.date),
        )
        out.append(item_from("reirradiation_ctp6", one))
    else:
        text = (
            f"re-irradiation with Child-Pugh score {scores.child_pugh_score} (labs "
            f"{scores.date}) < 6: below the RILD predictor of Huang 2016"
        )
        out.append(item_from("reirradiation_ctp_low", finding("COURSE-REIRR-CTP6", text)))
    inv = None if patient is None else patient.vascular_invasion
    if inv is not None and inv.portal_vein.value != "none":
        text = "portal vein tumour thrombosis before re-irradiation: poorer overall survival"
        out.append(item_from("reirradiation_pvtt", finding("COURSE-REIRR-CTP6", text)))
    return True, out


# Scheduling ---------------------------------------------------------------------------------


def _planned_start(course: PatientCourse, patient: PatientRecord | None) -> date | None:
    courses = course.rt_courses
    if courses and courses[-1].status in ("planned", "ongoing"):
        return courses[-1].date
    return None if patient is None else patient.planned_rt_start_date


def _sessions_before(course: PatientCourse, day: date | None) -> list[ArterialSession]:
    """Arterial sessions after the last completed RT course and before ``day``."""
    done = [rt.end_date for rt in course.rt_courses if rt.status == "completed" and rt.end_date]
    after = done[-1] if done and (day is None or done[-1] < day) else None
    return [
        s
        for s in course.arterial_sessions
        if (after is None or s.date > after) and (day is None or s.date < day)
    ]


def _scheduling(course: PatientCourse, patient: PatientRecord | None) -> Scheduling:
    planned = _planned_start(course, patient)
    sessions = _sessions_before(course, planned)
    items: list[Item] = []
    calendar: list[CalendarEntry] = [
        CalendarEntry(date=s.date, what=f"{s.kind.upper().replace('_', '-')} (done)")
        for s in sessions
    ]
    low, high = TACE_INTERVAL_DAYS
    for first, second in pairwise(sessions):
        days = (second.date - first.date).days
        if not low <= days <= high:
            text = (
                f"{first.kind.upper()} {first.date} and {second.kind.upper()} {second.date} are "
                f"{days} days apart: the seed's protocol spaces 2 TACE sessions 3-6 weeks "
                "(21-42 days)"
            )
            items.append(item_from("tace_interval_off_protocol", finding("SEQ-TACE2", text)))
    earliest: date | None = None
    if len(sessions) == 1:
        first_day = sessions[0].date
        second_from = first_day + timedelta(days=low)
        second_to = first_day + timedelta(days=high)
        calendar.append(
            CalendarEntry(
                date=second_from,
                latest=second_to,
                what="second TACE (3-6 weeks after the first), then reassess the need for RT",
                rule_ids=("SEQ-TACE2",),
            )
        )
        text = (
            f"1 TACE recorded ({first_day}): the seed's protocol gives a second TACE 3-6 weeks "
            f"later ({second_from} to {second_to}) and then reassesses the need for RT"
        )
        items.append(item_from("second_tace_due", finding("SEQ-TACE2", text)))
        earliest = add_months(second_from, 1)
    elif sessions:
        text = (
            f"{len(sessions)} TACE sessions recorded: reassess the need for RT (imaging) "
            "before starting it"
        )
        items.append(item_from("reassess_after_tace", finding("SEQ-TACE2", text)))
    if sessions:
        last = sessions[-1].date
        earliest = max(earliest or date.min, add_months(last, 1))
        calendar.append(
            CalendarEntry(
                date=earliest,
                what="earliest RT start: 1 month after the last TACE (seed 000 RILD rule)",
                rule_ids=("RILD-TACE-1M",),
            )
        )
        if planned is not None and planned < add_months(last, 1):
            days = (planned - last).days
            text = (
                f"RT planned {planned}, {days} days after TACE {last} (< 1 month): RILD risk; "
                f"earliest start by the seed rule {earliest}"
            )
            one = finding(
                "RILD-TACE-1M", text, last_tace=str(last), planned_rt_start_date=str(planned)
            )
            items.append(item_from("tace_rt_interval", one))
        elif planned is not None:
            text = f"RT planned {planned}: at least 1 month after the last TACE {last}"
            items.append(item_from("tace_rt_interval_ok", finding("RILD-TACE-1M", text)))
    if planned is not None:
        calendar.append(CalendarEntry(date=planned, what="planned RT start"))
    calendar.sort(key=lambda entry: entry.date)
    return Scheduling(
        items=tuple(items),
        earliest_safe_rt_start=earliest,
        planned_rt_start=planned,
        calendar=tuple(calendar),
        **trace(f for i in items for f in _findings(i)),
    )


def _findings(one: Item) -> list[Finding]:
    return [Finding(rule_id=rule_id, text=one.text) for rule_id in one.rule_ids]


def _start_option(
    course: PatientCourse, patient: PatientRecord | None, cp_class: str | None
) -> list[Item]:
    """START-trial TACE + RT for macrovascular invasion, with the trial's eligibility."""
    if patient is None or patient.vascular_invasion is None or not patient.vascular_invasion.any:
        return []
    unmet: list[str] = []
    if cp_class != "A":
        unmet.append(f"Child-Pugh {cp_class or 'unknown'} (trial: A)")
    ecog = patient.ecog
    if ecog is None or ecog > 1:
        unmet.append(f"ECOG {ecog if ecog is not None else 'unknown'} (trial: 0-1)")
    if patient.extrahepatic_disease is None or patient.extrahepatic_disease:
        unmet.append("extrahepatic disease present or not assessed (trial: none)")
    if patient.vascular_invasion.portal_vein.value == "main_trunk":
        unmet.append("main portal trunk (trial: first/second branch, hepatic vein or IVC)")
    earlier = [
        str(e.kind) for e in course.events if e.kind in ("y90", "ablation", "resection", "systemic")
    ]
    earlier += [f"{rt.kind} {rt.date}" for rt in course.rt_courses if rt.status == "completed"]
    if earlier:
        unmet.append(
            f"treated before ({', '.join(dict.fromkeys(earlier))}; trial: treatment-naive)"
        )
    first = course.arterial_sessions[-1].date if course.arterial_sessions else None
    when = (
        f"; RT would start by {first + timedelta(days=START_RT_WITHIN_DAYS)} (within 3 weeks "
        f"of TACE {first})"
        if first
        else ""
    )
    fit = "eligible as in the trial" if not unmet else "outside the trial: " + "; ".join(unmet)
    text = (
        "literature option (START, Yoon 2018): TACE every 6 weeks + RT within 3 weeks of the "
        f"first TACE, at most 45 Gy in 2.5-3 Gy fractions — {fit}{when}. This schedule is "
        "shorter than the seed's 1-month TACE-RT interval, which seed 000 names a RILD risk"
    )
    one = finding("COURSE-START", text, start_eligible=not unmet)
    seed = finding("RILD-TACE-1M", "seed 000: TACE-RT interval < 1 month is a RILD risk")
    return [Item(key="tace_rt_start_trial", text=text, **trace([one, seed]))]


Y90_BILIRUBIN_MG_DL = 2.0
"""Seed 003: Y-90 "increases the risk of radiographic liver disease" above bilirubin 2 mg/dL."""


def _y90_risks(course: PatientCourse) -> list[Item]:
    """Seed 003: each Y-90 given with bilirubin > 2 mg/dL on the labs before it."""
    out = []
    for y90 in course.y90:
        labs = _labs_before(course, y90.date)
        bili = None if labs is None else labs.bilirubin_mg_dl
        if labs is None or bili is None:
            text = f"Y-90 {y90.date}: no bilirubin before it recorded (seed 003 2 mg/dL rule)"
        elif bili > Y90_BILIRUBIN_MG_DL:
            text = (
                f"Y-90 {y90.date} with bilirubin {bili:g} mg/dL > 2 (labs {labs.date}): raised "
                "risk of radiation liver disease"
            )
        else:
            continue
        out.append(
            item_from("y90_bilirubin", finding("ART-Y90-BILI-2", text, y90_date=str(y90.date)))
        )
    return out


def assess_course(
    course: PatientCourse,
    patient: PatientRecord | None = None,
    *,
    liver_alpha_beta_gy: float = DEFAULT_LIVER_ALPHA_BETA_GY,
) -> CourseAssessment:
    """Assess the course: timeline, cumulative liver dose, re-irradiation and scheduling.

    Parameters
    ----------
    course
        The validated course.
    patient
        The patient record, for vascular invasion, ECOG and extrahepatic disease (START
        eligibility) and as the Child-Pugh class when the course has no complete lab set.
    liver_alpha_beta_gy
        α/β of the normal liver for the EQD2 sum (default 8 Gy, Huang 2016).

    Raises
    ------
    ClinicalInputError
        When the patient and the course name different patients, or α/β is not positive.
    """
    if not liver_alpha_beta_gy > 0:
        raise ClinicalInputError(
            "liver_alpha_beta_gy", "must be > 0 Gy", liver_alpha_beta_gy, "e.g. 8 (Huang 2016)"
        )
    if (
        patient is not None
        and patient.patient_id
        and course.patient_id
        and patient.patient_id != course.patient_id
    ):
        raise ClinicalInputError(
            "course.patient_id",
            f"differs from the patient record's {patient.patient_id}",
            course.patient_id,
            "give the course of the same patient",
        )
    planned = _planned_start(course, patient)
    before = _labs_before(course, planned)
    latest = _labs_before(course, None)
    scores = None if latest is None else lab_scores(latest)
    before_scores = None if before is None else lab_scores(before)
    cp_class: str | None = None
    if before_scores is not None and before_scores.child_pugh_class in ("A", "B", "C"):
        cp_class = before_scores.child_pugh_class
    elif patient is not None:
        cp = child_pugh(patient)
        cp_class = cp.class_ if cp.class_ in ("A", "B", "C") else None
    is_reirr, reirr = _reirradiation(course, patient, before)
    cumulative = _cumulative(course, cp_class, liver_alpha_beta_gy)
    notes = list(cumulative.notes)
    courses = course.rt_courses
    if (
        patient is not None
        and patient.planned_rt_start_date is not None
        and courses
        and courses[-1].status == "planned"
        and courses[-1].date != patient.planned_rt_start_date
    ):
        notes.append(
            f"the patient record plans RT for {patient.planned_rt_start_date}, the course for "
            f"{courses[-1].date}: the course date is used here; correct one of them"
        )
    return CourseAssessment(
        patient_id=course.patient_id or (patient.patient_id if patient else None),
        timeline=_timeline(course),
        liver_function=scores,
        is_reirradiation=is_reirr,
        reirradiation=tuple(reirr),
        cumulative_liver_dose=cumulative,
        scheduling=_scheduling(course, patient),
        literature_options=tuple(_start_option(course, patient, cp_class)),
        notes=tuple(notes),
        y90_risks=tuple(_y90_risks(course)),
    )

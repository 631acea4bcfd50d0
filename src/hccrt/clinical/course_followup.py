"""``followup_course``: the seed-000 follow-up applied to every visit of a course.

For the RT course being followed (the last completed or ongoing one) the baseline is the last
lab set on or before its first day. Each later lab set gets:

* CTCAE v5.0 grades of ALT, AST, ALP and bilirubin against the baseline (``CTCAE-V5-LIVER``);
* Child-Pugh score and ALBI, and their change from baseline;
* its phase: before RT, during RT, in the RILD window (the 4 months after RT, ``RILD-WINDOW``)
  or after it;
* during RT, the stop rule (liver injury ≥ grade 2, ``ACUTE-STOP``): the first qualifying
  visit is named;
* in the RILD window, the RILD classification of :func:`hccrt.clinical.followup.rild`
  (classic / non-classic / none / indeterminate), with criterion ④ ("tumour progression
  excluded") taken from the mRECIST response of the latest imaging visit after RT start.

Imaging visits get their mRECIST category (:mod:`hccrt.clinical.mrecist`).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.course import CourseLabs, PatientCourse, RtCourse
from hccrt.clinical.course_assess import LabScores, lab_scores
from hccrt.clinical.ctcae import CtcaeGrade, ctcae_grade
from hccrt.clinical.enums import Ascites
from hccrt.clinical.findings import finding, trace
from hccrt.clinical.followup import Rild, rild
from hccrt.clinical.followup_record import FollowupRecord, LabSet
from hccrt.clinical.mrecist import MrecistResponse, mrecist
from hccrt.clinical.rules.rt_sequencing import add_months
from hccrt.clinical.sources import RULES, SourceRef, source_ref

__all__ = ["CourseFollowupResult", "VisitFollowup", "followup_course"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")
_TERMS = ("alt", "ast", "alp", "bilirubin")
_ASCITES_RANK = {Ascites.none: 0, Ascites.mild: 1, Ascites.moderate_severe: 2}


class VisitFollowup(BaseModel):
    """One lab visit of the course after the baseline."""

    model_config = _FROZEN

    date: date
    phase: str  # before_rt | during_rt | rild_window | after_window | no_rt
    days_after_rt_end: int | None
    ctcae: dict[str, CtcaeGrade]
    max_ctcae_grade: int | None
    child_pugh_score: int | None
    child_pugh_class: str
    child_pugh_change: int | None
    albi_score: float | None
    albi_grade: int | None
    albi_change: float | None
    stop_rt: bool | None
    rild: Rild | None
    tumor_progression_excluded: bool | None
    reasons: tuple[str, ...]


class CourseFollowupResult(BaseModel):
    """Per-visit follow-up of a course, the first stop-RT visit and the mRECIST responses."""

    model_config = _FROZEN

    patient_id: str | None
    rt_course: str | None
    rt_start_date: date | None
    rt_end_date: date | None
    rild_window_end: date | None
    baseline: LabScores | None
    visits: tuple[VisitFollowup, ...]
    first_stop_rt_visit: date | None
    stop_rt_reasons: tuple[str, ...]
    stop_rt_sources: tuple[SourceRef, ...]
    worst_rild: str
    responses: tuple[MrecistResponse, ...]
    notes: tuple[str, ...]
    rule_ids: tuple[str, ...]
    sources: tuple[SourceRef, ...]


def _followed_course(course: PatientCourse) -> RtCourse | None:
    given = [rt for rt in course.rt_courses if rt.status != "planned"]
    return given[-1] if given else None


def _uln(course: PatientCourse, labs: CourseLabs, name: str) -> float | None:
    value: float | None = getattr(labs, name)
    return value if value is not None else getattr(course.lab_ulns, name)


def _values(
    course: PatientCourse, labs: CourseLabs
) -> dict[str, tuple[float | None, float | None]]:
    return {
        "alt": (labs.alt_u_l, _uln(course, labs, "alt_uln_u_l")),
        "ast": (labs.ast_u_l, _uln(course, labs, "ast_uln_u_l")),
        "alp": (labs.alp_u_l, _uln(course, labs, "alp_uln_u_l")),
        "bilirubin": (labs.bilirubin_mg_dl, _uln(course, labs, "bilirubin_uln_mg_dl")),
    }


def _grades(course: PatientCourse, labs: CourseLabs, base: CourseLabs) -> dict[str, CtcaeGrade]:
    now, then = _values(course, labs), _values(course, base)
    return {term: ctcae_grade(term, now[term][0], now[term][1], then[term][0]) for term in _TERMS}


def _phase(rt: RtCourse | None, day: date) -> tuple[str, int | None]:
    if rt is None:
        return "no_rt", None
    if day < rt.date:
        return "before_rt", None
    if rt.end_date is None or day <= rt.end_date:
        return "during_rt", None
    days = (day - rt.end_date).days
    return ("rild_window" if day <= add_months(rt.end_date, 4) else "after_window"), days


def _lab_set(course: PatientCourse, labs: CourseLabs, cp: int | None) -> LabSet:
    return LabSet(
        date=labs.date,
        alt_u_l=labs.alt_u_l,
        alt_uln_u_l=_uln(course, labs, "alt_uln_u_l"),
        ast_u_l=labs.ast_u_l,
        ast_uln_u_l=_uln(course, labs, "ast_uln_u_l"),
        alp_u_l=labs.alp_u_l,
        alp_uln_u_l=_uln(course, labs, "alp_uln_u_l"),
        bilirubin_mg_dl=labs.bilirubin_mg_dl,
        bilirubin_uln_mg_dl=_uln(course, labs, "bilirubin_uln_mg_dl"),
        child_pugh_score=cp,
    )


def _new_ascites(labs: CourseLabs, base: CourseLabs) -> bool | None:
    if labs.ascites is None:
        return None
    before = 0 if base.ascites is None else _ASCITES_RANK[base.ascites]
    return _ASCITES_RANK[labs.ascites] > before


def _progression_excluded(
    responses: tuple[MrecistResponse, ...], rt: RtCourse, day: date
) -> bool | None:
    """Criterion ④ from the latest mRECIST response after RT start and on or before ``day``."""
    after = [r for r in responses if rt.date <= r.date <= day and r.response != "baseline"]
    if not after or after[-1].response == "not_evaluable":
        return None
    return after[-1].response != "PD"


def _rild(
    course: PatientCourse,
    rt: RtCourse,
    labs: CourseLabs,
    base: CourseLabs,
    scores: tuple[int | None, int | None],
    excluded: bool | None,
) -> Rild:
    record = FollowupRecord(
        patient_id=course.patient_id,
        baseline=_lab_set(course, base, scores[0]),
        current=_lab_set(course, labs, scores[1]),
        rt_start_date=rt.date,
        rt_end_date=rt.end_date,
        rt_ongoing=False,
        high_dose_liver_rt=rt.high_dose_liver_rt,
        ascites=_new_ascites(labs, base),
        hepatomegaly=labs.hepatomegaly,
        tumor_progression_excluded=excluded,
    )
    return rild(record)


def _visit(
    course: PatientCourse,
    rt: RtCourse | None,
    labs: CourseLabs,
    base: CourseLabs,
    base_scores: LabScores,
    responses: tuple[MrecistResponse, ...],
) -> VisitFollowup:
    grades = _grades(course, labs, base)
    known = [g.grade for g in grades.values() if g.grade is not None]
    worst = max(known) if known else None
    scores = lab_scores(labs)
    phase, days = _phase(rt, labs.date)
    reasons = [r for g in grades.values() for r in g.reasons]
    cp_change = None
    if scores.child_pugh_score is not None and base_scores.child_pugh_score is not None:
        cp_change = scores.child_pugh_score - base_scores.child_pugh_score
    albi_change = None
    if scores.albi_score is not None and base_scores.albi_score is not None:
        albi_change = round(scores.albi_score - base_scores.albi_score, 3)
    stop: bool | None = None
    result: Rild | None = None
    excluded: bool | None = None
    if phase == "during_rt":
        stop = None if worst is None else worst >= 2
    if rt is not None and phase in ("rild_window", "after_window"):
        excluded = _progression_excluded(responses, rt, labs.date)
        pair = (base_scores.child_pugh_score, scores.child_pugh_score)
        result = _rild(course, rt, labs, base, pair, excluded)
    return VisitFollowup(
        date=labs.date,
        phase=phase,
        days_after_rt_end=days,
        ctcae=grades,
        max_ctcae_grade=worst,
        child_pugh_score=scores.child_pugh_score,
        child_pugh_class=scores.child_pugh_class,
        child_pugh_change=cp_change,
        albi_score=scores.albi_score,
        albi_grade=scores.albi_grade,
        albi_change=albi_change,
        stop_rt=stop,
        rild=result,
        tumor_progression_excluded=excluded,
        reasons=tuple(reasons),
    )


_RILD_ORDER = ("classic", "non_classic", "indeterminate", "none")


def followup_course(course: PatientCourse) -> CourseFollowupResult:
    """Follow every lab visit of ``course`` after the baseline of the RT course followed."""
    rt = _followed_course(course)
    labs = course.labs
    notes: list[str] = []
    if rt is not None:
        before = [lab for lab in labs if lab.date <= rt.date]
        base = before[-1] if before else (labs[0] if labs else None)
        if base is not None and not before:
            notes.append(
                f"no lab set on or before the RT start {rt.date}: the first lab set "
                f"({base.date}) is the baseline"
            )
    else:
        base = labs[0] if labs else None
        notes.append("no completed or ongoing RT course: grades are against the first lab set")
    responses = mrecist(course.imaging)
    if base is None:
        notes.append("no lab set in the course: nothing to grade")
        visits: tuple[VisitFollowup, ...] = ()
        base_scores = None
    else:
        base_scores = lab_scores(base)
        visits = tuple(
            _visit(course, rt, lab, base, base_scores, responses)
            for lab in labs
            if lab.date > base.date
        )
    stop_visits = [v for v in visits if v.stop_rt]
    found = []
    if rt is not None:
        found.append(finding("RILD-WINDOW", "RILD window: the 4 months after the end of RT"))
    if stop_visits:
        first = stop_visits[0]
        text = (
            f"liver injury CTCAE v5 grade {first.max_ctcae_grade} ≥ 2 during RT on {first.date}: "
            "stop RT (up to 60 % later RILD if continued); CTCAE grade 2 stands in for the "
            "seed's 'RTOG grade II' (a surrogate of hccrt's, UNCONFIRMED)"
        )
        found.append(finding("ACUTE-STOP", text, first_stop_visit=str(first.date)))
    elif any(v.phase == "during_rt" for v in visits):
        found.append(finding("ACUTE-STOP", "no liver injury ≥ grade 2 at the visits during RT"))
    statuses = [v.rild.status for v in visits if v.rild is not None and v.phase == "rild_window"]
    worst = next((s for s in _RILD_ORDER if s in statuses), "not_assessed")
    rule_ids = ["CTCAE-V5-LIVER", "SCORE-CP", "SCORE-ALBI"]
    for v in visits:
        if v.rild is not None:
            rule_ids += v.rild.rule_ids
    if responses:
        rule_ids.append("COURSE-MRECIST")
    traced = trace(found)
    rule_ids = list(dict.fromkeys([*traced["rule_ids"], *rule_ids]))
    stop_found = [f for f in found if f.rule_id == "ACUTE-STOP"]
    return CourseFollowupResult(
        patient_id=course.patient_id,
        rt_course=None if rt is None else f"RT {rt.date} {rt.dose_gy:g} Gy/{rt.fractions}",
        rt_start_date=None if rt is None else rt.date,
        rt_end_date=None if rt is None else rt.end_date,
        rild_window_end=None if rt is None or rt.end_date is None else add_months(rt.end_date, 4),
        baseline=base_scores,
        visits=visits,
        first_stop_rt_visit=stop_visits[0].date if stop_visits else None,
        stop_rt_reasons=tuple(f.text for f in stop_found),
        stop_rt_sources=tuple(source_ref(RULES[f.rule_id]) for f in stop_found[:1]),
        worst_rild=worst,
        responses=responses,
        notes=tuple(notes),
        rule_ids=tuple(rule_ids),
        sources=tuple(source_ref(RULES[r]) for r in rule_ids),
    )

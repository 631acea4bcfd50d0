"""The tumour-board summary: one page per patient and date, built from one assessment.

:func:`board_summary` gathers what a multidisciplinary board reads before it decides: the
stages, the liver function (and its trend over the lab sets of a patient course), every rated
option ranked with its reasons and sources (the seed options and, labelled, those beyond the
seeds), the open questions (every ``insufficient_data`` item of the assessment) and the prior
treatment timeline. It decides nothing and records no decision.

The course is optional and read through its timeline (``course.events``: dated items with a
``kind``, see ``docs/course-schema.json``); events after the board date are left out.
Rendering (HTML, PDF) lives in :mod:`hccrt.report.board`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from hccrt.clinical.assess import Assessment, assess
from hccrt.clinical.findings import Item, Traced
from hccrt.clinical.patient import PatientRecord, PriorTreatment
from hccrt.clinical.rules.options import Verdict
from hccrt.clinical.scores import albi_grade, albi_score, child_pugh
from hccrt.clinical.settings import ClinicalSettings
from hccrt.clinical.sources import BEYOND_SEEDS, SourceRef
from hccrt.errors import ClinicalInputError

_FROZEN = ConfigDict(frozen=True, extra="forbid")
DISCLAIMER = (
    "Decision support for the tumour board: every item names its rule and source; the board "
    "decides. Items marked 'beyond the seeds' come from the modern literature, not the seed "
    "documents."
)
VERDICT_ORDER = (
    Verdict.recommended,
    Verdict.consider,
    Verdict.insufficient_data,
    Verdict.relative_contraindication,
    Verdict.not_indicated,
    Verdict.contraindicated,
)
"""Ranking of the options on the board: the best verdict first."""


class CourseLike(Protocol):
    """What the board reads from a patient course: its dated events (``kind``, ``date``)."""

    @property
    def events(self) -> Sequence[Any]:
        """Events in date order."""
        ...


class RankedOption(Traced):
    """One option on the board: its rank (1 = first), name, verdict and trace."""

    rank: int
    name: str
    verdict: Verdict
    group: str  # "seed" (the seed rules) or "beyond the seeds"


class OpenQuestion(BaseModel):
    """An ``insufficient_data`` item: what the board must find out, with the rules asking."""

    model_config = _FROZEN

    topic: str
    question: str
    rule_ids: tuple[str, ...] = ()


class TimelineEntry(BaseModel):
    """One dated event before the board date (treatment, lab set or imaging)."""

    model_config = _FROZEN

    date: date
    kind: str
    text: str
    origin: str  # "patient record" or "course"


class LabPoint(BaseModel):
    """One lab set of the course with the scores computed from it (``None``: not computable)."""

    model_config = _FROZEN

    date: date
    bilirubin_mg_dl: float | None = None
    albumin_g_dl: float | None = None
    inr: float | None = None
    platelets_10e9_l: float | None = None
    afp_ng_ml: float | None = None
    albi_score: float | None = None
    albi_grade: int | None = None
    child_pugh_score: int | None = None
    child_pugh_class: str | None = None


class LiverTrend(BaseModel):
    """Liver function over the course lab sets, first to last (empty without a course)."""

    model_config = _FROZEN

    points: tuple[LabPoint, ...] = ()
    summary: tuple[str, ...] = ()


class BoardSummary(BaseModel):
    """The one-page tumour-board summary of one patient on one date (frozen)."""

    model_config = _FROZEN

    patient_id: str | None
    board_date: date
    ruleset: str
    disclaimer: str = DISCLAIMER
    stages: dict[str, str]
    stage_reasons: dict[str, tuple[str, ...]]
    liver_function: dict[str, str]
    liver_trend: LiverTrend
    options: tuple[RankedOption, ...]
    radiotherapy: tuple[str, ...]
    transplant: tuple[str, ...]
    open_questions: tuple[OpenQuestion, ...]
    warnings: tuple[Item, ...]
    timeline: tuple[TimelineEntry, ...]
    assessment: Assessment


def _fmt(value: float | int | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:g}{unit}"


def _liver_function(a: Assessment) -> dict[str, str]:
    lf = a.liver_function
    cp, albi, meld, ps = lf.child_pugh, lf.albi, lf.meld, lf.performance
    return {
        "Child-Pugh": f"{_fmt(cp.score)} ({cp.class_})",
        "ALBI": f"{_fmt(albi.score)} (grade {_fmt(albi.grade)})",
        "MELD / MELD-Na": f"{_fmt(meld.meld)} / {_fmt(meld.meld_na)}",
        "MELD 3.0 (beyond the seeds)": _fmt(meld.meld_3_0),
        "Performance": f"KPS {_fmt(ps.kps)} / ECOG {_fmt(ps.ecog)} ({ps.basis})",
    }


def rank_options(a: Assessment) -> list[RankedOption]:
    """Every rated option, best verdict first (seed options before literature at equal verdict;
    first-line systemic regimens in their BCLC 2022 order)."""
    rows: list[tuple[int, int, int, RankedOption]] = []
    fields = ("reasons", "rule_ids", "facts", "sources")
    for index, o in enumerate(a.options):
        row = RankedOption(
            rank=0,
            name=o.therapy.value,
            verdict=o.verdict,
            group="seed",
            **o.model_dump(include=set(fields)),
        )
        rows.append((VERDICT_ORDER.index(o.verdict), 0, index, row))
    if a.beyond_seeds is not None:
        for index, s in enumerate(a.beyond_seeds.systemic_first_line):
            row = RankedOption(
                rank=0,
                name=f"{s.regimen.value} (first line, rank {s.rank})",
                verdict=s.verdict,
                group=BEYOND_SEEDS.lower(),
                **s.model_dump(include=set(fields)),
            )
            rows.append((VERDICT_ORDER.index(s.verdict), 1, s.rank * 10 + index, row))
    rows.sort(key=lambda r: r[:3])
    return [r[3].model_copy(update={"rank": n}) for n, r in enumerate(rows, start=1)]


def _question(topic: str, traced: Traced) -> OpenQuestion:
    text = "; ".join(traced.reasons) or "insufficient data"
    return OpenQuestion(topic=topic, question=text, rule_ids=traced.rule_ids)


def open_questions(a: Assessment) -> list[OpenQuestion]:
    """Every ``insufficient_data`` item of the assessment, as a question for the board."""
    out: list[OpenQuestion] = []
    for detail, name in ((a.staging.bclc_detail, "BCLC"), (a.staging.cnlc_detail, "CNLC")):
        if detail.stage == "insufficient_data":
            out.append(_question(f"{name} stage", detail))
    cp = a.liver_function.child_pugh
    if cp.score is None:
        out.append(
            OpenQuestion(
                topic="Child-Pugh",
                question=f"missing {', '.join(cp.missing)}",
                rule_ids=cp.rule_ids,
            )
        )
    meld = a.liver_function.meld
    if meld.meld_3_0 is None:
        out.append(
            OpenQuestion(
                topic="MELD 3.0 (beyond the seeds)",
                question=f"missing {', '.join(meld.meld_3_0_missing)}",
                rule_ids=("SCORE-MELD3",),
            )
        )
    out += [
        _question(o.therapy.value, o) for o in a.options if o.verdict is Verdict.insufficient_data
    ]
    rt = a.radiotherapy
    if rt.indicated and rt.intent is None:
        out.append(OpenQuestion(topic="RT intent", question="intent insufficient_data"))
    out += [_question(i.key, i) for i in rt.sequencing if i.key.endswith("_unknown")]
    out += [_question(w.key, w) for w in rt.warnings if w.key.endswith("_unknown")]
    b = a.beyond_seeds
    if b is not None:
        bclc = b.bclc_2022
        if bclc.stage == "B" and bclc.subgroup is None:
            out.append(_question("BCLC-B subgroup (beyond the seeds)", bclc))
        out += [
            _question("AFP (beyond the seeds)", n) for n in bclc.afp_notes if n.key == "afp_missing"
        ]
        out += [
            _question(f"{s.regimen.value} (beyond the seeds)", s)
            for s in b.systemic_first_line
            if s.verdict is Verdict.insufficient_data
        ]
        tx = b.transplant_criteria
        if tx.missing:
            out.append(_question("extended transplant criteria (beyond the seeds)", tx))
    return out


def _prior_text(t: PriorTreatment) -> str:
    text = f"{t.kind.value}, outcome {t.outcome.value}"
    if t.margin_positive is not None:
        text += ", margin positive" if t.margin_positive else ", margin negative"
    return f"{text}{f' ({t.notes})' if t.notes else ''}"


def event_text(event: Any) -> str:
    """A one-line summary of a course event, from the fields its ``kind`` has."""
    kind = str(getattr(event, "kind", "event"))

    def get(name: str) -> Any:
        return getattr(event, name, None)

    if kind in {"tace", "tae", "deb_tace"}:
        parts = [kind.upper().replace("_", "-")]
        if get("lipiodol") is not None:
            parts.append("lipiodol" if get("lipiodol") else "no lipiodol")
        if get("lipiodol_deposition"):
            parts.append(f"deposition {get('lipiodol_deposition')}")
        return ", ".join(parts)
    if kind == "rt":
        text = (
            f"RT {_fmt(get('dose_gy'))} Gy / {_fmt(get('fractions'))} fx, "
            f"{get('technique')}, {get('status')}"
        )
        if get("mean_normal_liver_dose_gy") is not None:
            text += f", mean normal liver {get('mean_normal_liver_dose_gy'):g} Gy"
        end = get("end_date")
        return text + (f", until {end.isoformat()}" if end else "")
    if kind == "y90":
        return f"Y-90, mean liver dose {_fmt(get('mean_liver_dose_gy'), ' Gy')}"
    if kind == "systemic":
        return f"systemic line {get('line')}: {get('agent')}"
    if kind == "labs":
        names = ("bilirubin_mg_dl", "albumin_g_dl", "inr", "platelets_10e9_l", "afp_ng_ml")
        shown = [f"{n} {get(n):g}" for n in names if get(n) is not None]
        return "labs: " + (", ".join(shown) or "recorded")
    if kind == "imaging":
        lesions = get("target_lesions") or ()
        sizes = ", ".join(f"{t.lesion_id} {t.viable_diameter_mm:g} mm" for t in lesions)
        new = " , new lesion" if get("new_lesions") else ""
        return f"imaging ({get('modality')}): {sizes or 'no target lesions'}{new}"
    if kind == "ablation":
        return f"ablation ({get('method')})"
    if kind == "resection":
        return "resection" + (", margin positive" if get("margin_positive") else "")
    return kind


def timeline(
    patient: PatientRecord, course: CourseLike | None, board_date: date
) -> list[TimelineEntry]:
    """Prior treatments of the record and the course events on or before ``board_date``.

    Course lab sets are left out (they make the liver trend); imaging visits stay.
    """
    out = [
        TimelineEntry(date=t.date, kind=t.kind.value, text=_prior_text(t), origin="patient record")
        for t in patient.prior_treatments
        if t.date <= board_date
    ]
    for event in course.events if course is not None else ():
        if event.date <= board_date and getattr(event, "kind", None) != "labs":
            out.append(
                TimelineEntry(
                    date=event.date, kind=str(event.kind), text=event_text(event), origin="course"
                )
            )
    return sorted(out, key=lambda e: e.date)


def lab_point(event: Any) -> LabPoint:
    """The scores of one course lab set (ALBI; Child-Pugh when all five items are there)."""

    def get(name: str) -> Any:
        return getattr(event, name, None)

    bili, alb = get("bilirubin_mg_dl"), get("albumin_g_dl")
    score = None if bili is None or alb is None else albi_score(bili, alb)
    record = PatientRecord(
        bilirubin_mg_dl=bili,
        albumin_g_dl=alb,
        inr=get("inr"),
        ascites=get("ascites"),
        encephalopathy=get("encephalopathy"),
    )
    cp = child_pugh(record)
    return LabPoint(
        date=event.date,
        bilirubin_mg_dl=bili,
        albumin_g_dl=alb,
        inr=get("inr"),
        platelets_10e9_l=get("platelets_10e9_l"),
        afp_ng_ml=get("afp_ng_ml"),
        albi_score=None if score is None else round(score, 3),
        albi_grade=None if score is None else albi_grade(score),
        child_pugh_score=cp.score,
        child_pugh_class=None if cp.score is None else cp.class_,
    )


def liver_trend(points: Sequence[LabPoint]) -> LiverTrend:
    """First-to-last change of ALBI, Child-Pugh, bilirubin, platelets and AFP over ``points``."""
    if len(points) < 2:
        note = "one lab set: no trend" if points else "no course lab sets: no trend"
        return LiverTrend(points=tuple(points), summary=(note,))
    lines = []

    def change(label: str, values: Iterable[tuple[date, float | None]], unit: str = "") -> None:
        known = [(d, v) for d, v in values if v is not None]
        if len(known) >= 2:
            (d0, v0), (d1, v1) = known[0], known[-1]
            lines.append(
                f"{label}: {v0:g}{unit} ({d0.isoformat()}) → {v1:g}{unit} ({d1.isoformat()}), "
                f"change {v1 - v0:+.3g}{unit}"
            )

    change("ALBI", ((p.date, p.albi_score) for p in points))
    change("Child-Pugh score", ((p.date, p.child_pugh_score) for p in points))
    change("bilirubin", ((p.date, p.bilirubin_mg_dl) for p in points), " mg/dL")
    change("albumin", ((p.date, p.albumin_g_dl) for p in points), " g/dL")
    change("platelets", ((p.date, p.platelets_10e9_l) for p in points), " × 10^9/L")
    change("AFP", ((p.date, p.afp_ng_ml) for p in points), " ng/mL")
    grades = [p.albi_grade for p in points if p.albi_grade is not None]
    if len(grades) >= 2 and grades[-1] > grades[0]:
        lines.append(f"ALBI grade worse: {grades[0]} → {grades[-1]}")
    return LiverTrend(points=tuple(points), summary=tuple(lines or ["no comparable lab values"]))


def _radiotherapy_lines(a: Assessment) -> list[str]:
    rt = a.radiotherapy
    head = "indicated" if rt.indicated else "not indicated"
    lines = [f"Radiotherapy {head}" + (f", intent {rt.intent}" if rt.intent else "")]
    limit = rt.dose_limits.normal_liver_mean_gy
    if rt.indicated:
        lines.append(
            f"CTV = GTV + {rt.margins.ctv_mm:g} mm; PTV = CTV + {_fmt(rt.margins.ptv_mm, ' mm')}; "
            f"mean normal liver ≤ {_fmt(limit, ' Gy')}"
        )
    lines += [f"RILD risk: {r.text}" for r in rt.rild_risk_factors]
    lines += [f"Sequencing: {s.text}" for s in rt.sequencing]
    return lines


def _transplant_lines(a: Assessment) -> list[str]:
    if a.beyond_seeds is None:
        return []
    return list(a.beyond_seeds.transplant_criteria.reasons)


def board_summary(
    patient: PatientRecord,
    course: CourseLike | None = None,
    board_date: date | None = None,
    settings: ClinicalSettings | None = None,
) -> BoardSummary:
    """The tumour-board summary of ``patient`` on ``board_date``.

    Parameters
    ----------
    patient
        The validated record.
    course
        Optional patient course (``hccrt.clinical.course.PatientCourse``): its lab sets give the
        liver-function trend and its events join the timeline.
    board_date
        The board's date; ``None`` uses the record's ``assessment_date``, else the latest
        dated fact in the record or course, else the planned RT start. The record's
        ``assessment_date`` (the 6-month window of the varices screening) is set to it when
        not recorded.
    settings
        Overrides of the labelled non-seed defaults.
    """
    course_id = getattr(course, "patient_id", None)
    if course_id and patient.patient_id and course_id != patient.patient_id:
        raise ClinicalInputError(
            "course.patient_id",
            f"differs from the record's patient_id {patient.patient_id!r}",
            course_id,
            "give the course of the same patient",
        )
    day = board_date or patient.assessment_date or _latest_date(patient, course)
    if patient.assessment_date is None:
        patient = patient.model_copy(update={"assessment_date": day})
    a = assess(patient, settings)
    labs = [
        lab_point(e)
        for e in (course.events if course is not None else ())
        if getattr(e, "kind", None) == "labs" and e.date <= day
    ]
    return BoardSummary(
        patient_id=patient.patient_id or getattr(course, "patient_id", None),
        board_date=day,
        ruleset=a.ruleset,
        stages={"BCLC 2022": a.staging.bclc, "CNLC": a.staging.cnlc},
        stage_reasons={
            "BCLC 2022": a.staging.bclc_detail.reasons,
            "CNLC": a.staging.cnlc_detail.reasons,
        },
        liver_function=_liver_function(a),
        liver_trend=liver_trend(labs),
        options=tuple(rank_options(a)),
        radiotherapy=tuple(_radiotherapy_lines(a)),
        transplant=tuple(_transplant_lines(a)),
        open_questions=tuple(open_questions(a)),
        warnings=(*a.radiotherapy.warnings, *a.warnings),
        timeline=tuple(timeline(patient, course, day)),
        assessment=a,
    )


def _latest_date(patient: PatientRecord, course: CourseLike | None) -> date:
    dates = [t.date for t in patient.prior_treatments]
    dates += [e.date for e in (course.events if course is not None else ())]
    if dates:
        return max(dates)
    if patient.planned_rt_start_date is not None:
        return patient.planned_rt_start_date
    raise ClinicalInputError(
        "board_date",
        "not given and no date in the record or course",
        None,
        "pass --date YYYY-MM-DD",
    )


def sources_of(summary: BoardSummary) -> list[SourceRef]:
    """Every distinct source cited on the board (for the reference list of the page)."""
    seen: dict[str, SourceRef] = {}
    for o in summary.options:
        for s in o.sources:
            seen.setdefault(s.rule_id, s)
    for w in summary.warnings:
        for s in w.sources:
            seen.setdefault(s.rule_id, s)
    return list(seen.values())

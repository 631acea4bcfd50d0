"""Plain-text rendering of the course assessment and the course follow-up (with sources)."""

from __future__ import annotations

from collections.abc import Iterable

from hccrt.clinical.course_assess import CourseAssessment
from hccrt.clinical.course_followup import CourseFollowupResult
from hccrt.clinical.findings import Item
from hccrt.clinical.sources import SourceRef

__all__ = ["render_course_followup_text", "render_course_text"]


def _ids(rule_ids: Iterable[str]) -> str:
    ids = list(rule_ids)
    return f"[{', '.join(ids)}]" if ids else ""


def _items(items: Iterable[Item], indent: str = "  ") -> list[str]:
    return [f"{indent}· {i.text} {_ids(i.rule_ids)}" for i in items]


def _sources(sources: Iterable[SourceRef]) -> list[str]:
    seen: dict[str, SourceRef] = {s.rule_id: s for s in sources}
    return [f"  {s.rule_id} ({s.status}): {s.document} — “{s.passage}”" for s in seen.values()]


def render_course_text(result: CourseAssessment) -> str:
    """The ``assess --course`` section: timeline, cumulative dose, re-irradiation, calendar."""
    lines = [
        f"Patient course{f' — {result.patient_id}' if result.patient_id else ''}",
        "",
        "Timeline:",
    ]
    for entry in result.timeline:
        until = f" to {entry.end_date}" if entry.end_date else ""
        lines.append(f"  {entry.date}{until}  {entry.text}")
    lf = result.liver_function
    if lf is not None:
        albi = "n/a" if lf.albi_score is None else f"{lf.albi_score:g} (grade {lf.albi_grade})"
        lines.append(
            f"Liver function at the latest labs ({lf.date}): Child-Pugh "
            f"{lf.child_pugh_score if lf.child_pugh_score is not None else 'n/a'} "
            f"({lf.child_pugh_class}), ALBI {albi}"
        )
    cum = result.cumulative_liver_dose
    lines += ["", f"Cumulative normal-liver dose (EQD2, α/β {cum.alpha_beta_gy:g} Gy):"]
    for dose in cum.courses:
        eqd2 = "insufficient_data" if dose.mean_eqd2_gy is None else f"{dose.mean_eqd2_gy:g} Gy"
        physical = "" if dose.mean_physical_gy is None else f"mean {dose.mean_physical_gy:g} Gy, "
        lines.append(f"  {dose.label} ({dose.status}): {physical}EQD2 {eqd2} [{dose.method}]")
    if cum.courses:
        total = "insufficient_data" if cum.total_eqd2_gy is None else f"{cum.total_eqd2_gy:g} Gy"
        lines.append(
            f"  total {total}; limit {cum.limit_gy:g} Gy ({cum.limit_id}): {cum.limit_status}"
        )
    else:
        lines.append("  no RT course recorded")
    for y in cum.y90:
        liver = "n/a" if y.mean_liver_dose_gy is None else f"{y.mean_liver_dose_gy:g} Gy"
        tumour = "n/a" if y.mean_tumor_dose_gy is None else f"{y.mean_tumor_dose_gy:g} Gy"
        lines.append(f"  beside it — Y-90 {y.date}: mean liver {liver}, mean tumour {tumour}")
    lines += [f"  note: {n}" for n in cum.notes]
    lines += _items(result.y90_risks)
    if result.reirradiation:
        head = "Re-irradiation:" if result.is_reirradiation else "Prior RT:"
        lines += ["", head, *_items(result.reirradiation)]
    sched = result.scheduling
    lines += ["", "TACE + RT scheduling:", *_items(sched.items)]
    if sched.earliest_safe_rt_start:
        lines.append(f"  earliest RT start by the seed rules: {sched.earliest_safe_rt_start}")
    if sched.calendar:
        lines.append("  Proposed calendar:")
        for step in sched.calendar:
            latest = f" to {step.latest}" if step.latest else ""
            lines.append(f"    {step.date}{latest}  {step.what} {_ids(step.rule_ids)}")
    if result.literature_options:
        lines += ["", "Literature options (beyond the seeds):", *_items(result.literature_options)]
    sources = [
        *cum.sources,
        *(s for i in result.reirradiation for s in i.sources),
        *(s for i in result.y90_risks for s in i.sources),
        *sched.sources,
        *(s for i in result.literature_options for s in i.sources),
    ]
    extra = [n for n in result.notes if n not in cum.notes]
    if extra:
        lines += ["", *(f"Note: {n}" for n in extra)]
    lines += ["", "Sources:", *_sources(sources)]
    return "\n".join(lines) + "\n"


def _grade(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def render_course_followup_text(result: CourseFollowupResult) -> str:
    """Per-visit follow-up lines, the stop-RT visit, RILD and mRECIST, with sources."""
    lines = [f"Course follow-up{f' — {result.patient_id}' if result.patient_id else ''}", ""]
    if result.rt_course:
        end = result.rt_end_date or "ongoing"
        lines.append(
            f"RT followed: {result.rt_course} ({result.rt_start_date} to {end}); RILD window "
            f"to {result.rild_window_end or 'n/a'}"
        )
    if result.baseline is not None:
        b = result.baseline
        lines.append(
            f"Baseline labs {b.date}: Child-Pugh {_grade(b.child_pugh_score)} "
            f"({b.child_pugh_class}), ALBI {b.albi_score}"
        )
    lines += [f"  note: {n}" for n in result.notes]
    lines.append("")
    lines.append("Visits (CTCAE v5.0 grade ALT/AST/ALP/bilirubin; Child-Pugh Δ; ALBI Δ):")
    for v in result.visits:
        grades = "/".join(_grade(v.ctcae[t].grade) for t in ("alt", "ast", "alp", "bilirubin"))
        cp = f"CP {_grade(v.child_pugh_score)} (Δ {_grade(v.child_pugh_change)})"
        albi = f"ALBI Δ {v.albi_change if v.albi_change is not None else 'n/a'}"
        extra = ""
        if v.stop_rt:
            extra = "  → STOP RT"
        if v.rild is not None:
            extra += f"  RILD {v.rild.status}"
        lines.append(f"  {v.date} [{v.phase}] grades {grades}; {cp}; {albi}{extra}")
        if v.rild is not None and v.rild.status != "none":
            lines += [f"      · {r}" for r in v.rild.reasons]
    stop = result.first_stop_rt_visit
    lines.append("")
    lines.append(f"First visit qualifying for stopping RT: {stop or 'none'}")
    lines += [f"  · {r}" for r in result.stop_rt_reasons]
    lines.append(f"Worst RILD status in the window: {result.worst_rild}")
    if result.responses:
        lines += ["", "mRECIST (viable target lesions):"]
        for r in result.responses:
            change = (
                ""
                if r.change_from_baseline_percent is None
                else f" ({r.change_from_baseline_percent:+g} % vs baseline)"
            )
            lines.append(f"  {r.date} {r.response}: sum {r.sum_viable_mm:g} mm{change}")
    lines += ["", "Sources:", *_sources(result.sources)]
    return "\n".join(lines) + "\n"

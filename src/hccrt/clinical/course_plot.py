"""Trend plot of a course: liver labs over time with the RT course and TACE sessions marked.

Top panel: ALT, AST, ALP and bilirubin as multiples of their upper limit of normal, with the
seed-000 RILD thresholds (ALP 2 × ULN, ALT 5 × ULN) as dashed lines. Bottom panel: Child-Pugh
score and ALBI. RT courses are shaded, TACE/TAE/DEB-TACE sessions are solid vertical lines,
Y-90 dotted, and imaging visits carry their mRECIST category. Matplotlib's object API (no pyplot
state), PNG output.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hccrt.clinical.course import PatientCourse
from hccrt.clinical.course_followup import CourseFollowupResult
from hccrt.errors import InputError

__all__ = ["plot_course"]


def plot_course(course: PatientCourse, result: CourseFollowupResult, path: str | Path) -> Path:
    """Write the trend plot of ``course`` to ``path`` (PNG) and return the path.

    Raises
    ------
    InputError
        When the course has no lab set, or the path does not end in ``.png``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise InputError("--plot", "must be a .png file", str(path), "e.g. --plot trend.png")
    if not course.labs:
        raise InputError("course", "has no lab set to plot", None, "add labs events")
    figure = Figure(figsize=(12, 6.5), dpi=100)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ulns = course.lab_ulns
    series = (
        ("ALT", "alt_u_l", "alt_uln_u_l", ulns.alt_uln_u_l),
        ("AST", "ast_u_l", "ast_uln_u_l", ulns.ast_uln_u_l),
        ("ALP", "alp_u_l", "alp_uln_u_l", ulns.alp_uln_u_l),
        ("bilirubin", "bilirubin_mg_dl", "bilirubin_uln_mg_dl", ulns.bilirubin_uln_mg_dl),
    )
    for label, field, uln_field, default_uln in series:
        points: list[tuple[date, float]] = []
        for labs in course.labs:
            value, uln = getattr(labs, field), getattr(labs, uln_field) or default_uln
            if value is not None and uln:
                points.append((labs.date, value / uln))
        if points:
            top.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
    top.axhline(2.0, color="tab:green", linestyle="--", linewidth=0.8, label="ALP 2 × ULN (RILD)")
    top.axhline(5.0, color="tab:blue", linestyle="--", linewidth=0.8, label="ALT 5 × ULN (RILD)")
    top.set_ylabel("× upper limit of normal")
    top.set_title(f"Course {course.patient_id or ''}: liver labs (CTCAE v5, seed 000 RILD)")
    cp = [(v.date, v.child_pugh_score) for v in result.visits if v.child_pugh_score is not None]
    albi = [(v.date, v.albi_score) for v in result.visits if v.albi_score is not None]
    if result.baseline is not None:
        if result.baseline.child_pugh_score is not None:
            cp.insert(0, (result.baseline.date, result.baseline.child_pugh_score))
        if result.baseline.albi_score is not None:
            albi.insert(0, (result.baseline.date, result.baseline.albi_score))
    if cp:
        bottom.step([p[0] for p in cp], [p[1] for p in cp], where="post", label="Child-Pugh")
    bottom.set_ylabel("Child-Pugh score")
    if albi:
        twin = bottom.twinx()
        twin.plot([p[0] for p in albi], [p[1] for p in albi], color="tab:purple", marker="s")
        twin.set_ylabel("ALBI score", color="tab:purple")
    for axis in (top, bottom):
        for rt in course.rt_courses:
            end = rt.end_date or rt.date
            axis.axvspan(rt.date, end, color="tab:red", alpha=0.15)
        for session in course.arterial_sessions:
            axis.axvline(session.date, color="tab:orange", linewidth=1.2)
        for y90 in course.y90:
            axis.axvline(y90.date, color="tab:olive", linestyle=":", linewidth=1.2)
    for rt in course.rt_courses:
        top.annotate(
            f"RT {rt.dose_gy:g}/{rt.fractions} ({rt.status})",
            (rt.date, 1.0),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize=8,
            color="tab:red",
        )
    for session in course.arterial_sessions:
        top.annotate(
            session.kind.upper(),
            (session.date, 0.92),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            color="tab:orange",
            rotation=90,
            va="top",
        )
    for response in result.responses:
        bottom.annotate(
            f"mRECIST {response.response}",
            (response.date, 0.05),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            rotation=90,
        )
    if result.first_stop_rt_visit is not None:
        top.axvline(result.first_stop_rt_visit, color="black", linestyle="-.", linewidth=1.0)
        top.annotate(
            "stop RT (≥ grade 2)",
            (result.first_stop_rt_visit, 0.75),
            xycoords=("data", "axes fraction"),
            fontsize=8,
            rotation=90,
        )
    first, last = course.events[0].date, course.events[-1].date
    ends = [rt.end_date for rt in course.rt_courses if rt.end_date is not None]
    last = max([last, *ends])
    margin = timedelta(days=max(3, (last - first).days // 30))
    top.set_xlim(first - margin, last + margin)
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path

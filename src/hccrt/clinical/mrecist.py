"""mRECIST response per imaging visit (Lencioni & Llovet, Semin Liver Dis 2010).

The sum of the viable (arterially enhancing) diameters of the target lesions is compared with
the baseline sum (the first imaging visit) for a response and with the smallest sum recorded so
far (the nadir) for progression:

* CR: no viable tumour left in any target lesion (sum 0 mm) and no new lesion;
* PR: sum ≤ 70 % of the baseline sum ("at least a 30 % decrease");
* PD: sum ≥ 120 % of the nadir ("an increase of at least 20 %"), a new lesion, or unequivocal
  progression of non-target lesions;
* SD: neither PR nor PD.

A progression (PD) after RT feeds criterion ④ of the seed's RILD diagnosis ("liver tumour
progression excluded").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hccrt.clinical import course_rules  # noqa: F401  (registers COURSE-MRECIST)
from hccrt.clinical.course import ImagingVisit
from hccrt.clinical.findings import Traced, finding, trace

__all__ = ["MrecistResponse", "mrecist"]


class MrecistResponse(Traced):
    """The mRECIST category of one imaging visit (``baseline`` for the first)."""

    date: date
    response: str  # baseline | CR | PR | SD | PD | not_evaluable
    sum_viable_mm: float
    baseline_sum_mm: float
    nadir_sum_mm: float
    change_from_baseline_percent: float | None
    change_from_nadir_percent: float | None


def _percent(value: float, reference: float) -> float | None:
    return None if reference <= 0 else round(100.0 * (value - reference) / reference, 1)


def _category(visit: ImagingVisit, total: float, baseline: float, nadir: float) -> tuple[str, str]:
    """(category, why) of one follow-up visit; integer arithmetic keeps 30 % / 20 % exact."""
    if visit.new_lesions:
        return "PD", "new lesion"
    if visit.nontarget_progression:
        return "PD", "unequivocal progression of non-target lesions"
    if total * 5 >= nadir * 6 and total > nadir:
        return "PD", f"viable sum {total:g} mm ≥ 120 % of the nadir {nadir:g} mm"
    if total == 0:
        return "CR", "no viable (enhancing) tumour left in any target lesion"
    if total * 10 <= baseline * 7:
        return "PR", f"viable sum {total:g} mm ≤ 70 % of the baseline {baseline:g} mm"
    return "SD", f"viable sum {total:g} mm: neither ≥ 30 % decrease nor ≥ 20 % increase"


def mrecist(visits: Sequence[ImagingVisit]) -> tuple[MrecistResponse, ...]:
    """mRECIST per visit, the first visit being the baseline (rule COURSE-MRECIST).

    Examples
    --------
    >>> from hccrt.clinical.course import ImagingVisit, TargetLesion
    >>> def visit(day, mm):
    ...     lesion = TargetLesion(lesion_id="a", viable_diameter_mm=mm)
    ...     return ImagingVisit(kind="imaging", date=day, target_lesions=(lesion,))
    >>> [r.response for r in mrecist([visit("2026-01-01", 60), visit("2026-03-01", 42)])]
    ['baseline', 'PR']
    """
    if not visits:
        return ()
    sums = [float(sum(t.viable_diameter_mm for t in v.target_lesions)) for v in visits]
    baseline = sums[0]
    out = []
    nadir = baseline
    for index, (visit, total) in enumerate(zip(visits, sums, strict=True)):
        if index == 0:
            text = f"baseline viable target sum {baseline:g} mm"
            category = "baseline"
            if baseline <= 0:
                category, text = "not_evaluable", "no viable target lesion at baseline"
        elif baseline <= 0:
            category, text = "not_evaluable", "no viable target lesion at baseline"
        else:
            category, why = _category(visit, total, baseline, nadir)
            text = f"mRECIST {category}: {why}"
            if visit.new_lesions is None and category != "PD":
                text += " (new lesions not recorded: target lesions only)"
        one = finding("COURSE-MRECIST", text, mrecist=category, sum_viable_mm=total)
        out.append(
            MrecistResponse(
                date=visit.date,
                response=category,
                sum_viable_mm=total,
                baseline_sum_mm=baseline,
                nadir_sum_mm=nadir,
                change_from_baseline_percent=None if index == 0 else _percent(total, baseline),
                change_from_nadir_percent=None if index == 0 else _percent(total, nadir),
                **trace([one]),
            )
        )
        nadir = min(nadir, total)
    return tuple(out)

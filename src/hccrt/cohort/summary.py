"""Summary statistics and the NTCP vs mean normal-liver dose plot of a cohort table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def _stats(values: pd.Series) -> dict[str, float] | None:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.empty:
        return None
    return {
        "n": int(numbers.size),
        "mean": float(numbers.mean()),
        "median": float(numbers.median()),
        "min": float(numbers.min()),
        "max": float(numbers.max()),
        "p25": float(numbers.quantile(0.25)),
        "p75": float(numbers.quantile(0.75)),
    }


def summarize(table: pd.DataFrame) -> dict[str, Any]:
    """Counts by status and verdict, and statistics of dose and NTCP over the evaluated cases.

    Returns
    -------
    dict
        ``cases``, ``ok``, ``failed``, ``verdicts`` (verdict -> count), and
        ``mean_normal_liver_dose_gy`` / ``ntcp`` each ``{n, mean, median, min, max, p25, p75}``
        or ``None`` when no case has the value.
    """
    ok = table[table["status"] == "ok"]
    verdicts = ok["verdict"].fillna("none").value_counts().sort_index()
    return {
        "cases": len(table),
        "ok": len(ok),
        "failed": int((table["status"] == "error").sum()),
        "verdicts": {str(k): int(v) for k, v in verdicts.items()},
        "mean_normal_liver_dose_gy": _stats(ok["mean_normal_liver_dose_gy"]),
        "ntcp": _stats(ok["ntcp"]),
    }


def plot_ntcp_vs_dose(table: pd.DataFrame, path: Path) -> bool:
    """Scatter plot of RILD NTCP against mean normal-liver dose (PNG); ``False`` if no data."""
    points = table[(table["status"] == "ok")][["mean_normal_liver_dose_gy", "ntcp", "verdict"]]
    points = points.dropna(subset=["mean_normal_liver_dose_gy", "ntcp"])
    if points.empty:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    for verdict, colour in (("pass", "#1e7b34"), ("fail", "#b00020")):
        chosen = points[points["verdict"] == verdict]
        if not chosen.empty:
            axes.scatter(
                chosen["mean_normal_liver_dose_gy"],
                100 * chosen["ntcp"],
                s=22,
                c=colour,
                label=f"plan {verdict} (n={len(chosen)})",
            )
    other = points[~points["verdict"].isin(["pass", "fail"])]
    if not other.empty:
        axes.scatter(
            other["mean_normal_liver_dose_gy"],
            100 * other["ntcp"],
            s=22,
            c="#7f7f7f",
            label=f"other (n={len(other)})",
        )
    axes.set_xlabel("Mean normal-liver dose (Gy)")
    axes.set_ylabel("RILD NTCP (%)")
    axes.set_title(f"Cohort: NTCP vs mean normal-liver dose ({len(points)} plans)")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    figure.savefig(tmp)
    plt.close(figure)
    tmp.replace(path)
    return True

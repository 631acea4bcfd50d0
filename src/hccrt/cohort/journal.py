"""The cohort journal: one JSON file per finished case, consolidated into a Parquet table.

Each case's row is written to ``.<OUT>.parts/<case_id>.json`` as soon as the case finishes
(temporary file + fsync + rename), so a crash loses at most the cases still running. The Parquet
table is rewritten from the journal (temporary file + rename) after every run; a reader never
sees a half-written table.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

COLUMNS = (
    "case_id",
    "status",
    "error",
    "verdict",
    "mean_normal_liver_dose_gy",
    "ntcp",
    "constraints_total",
    "constraints_failed",
    "protocol",
    "hccrt_version",
    "ruleset_version",
    "parameters",
    "elapsed_s",
    "run_id",
    "finished_at",
)
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def part_name(case_id: str) -> str:
    """File name of a case's journal entry (case ids are folder names; others escaped)."""
    return _SAFE.sub("_", case_id) + ".json"


class Journal:
    """Finished-case rows of one results table ``out``."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.parts = self.out.parent / f".{self.out.name}.parts"
        self.parts.mkdir(parents=True, exist_ok=True)

    def write(self, row: dict[str, Any]) -> None:
        """Record one finished case atomically."""
        handle, tmp = tempfile.mkstemp(dir=self.parts, prefix=".tmp-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(row, stream, allow_nan=False, default=str)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(tmp, self.parts / part_name(str(row["case_id"])))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def rows(self) -> dict[str, dict[str, Any]]:
        """All recorded rows by case id: the table's rows, overridden by newer journal entries."""
        found: dict[str, dict[str, Any]] = {}
        if self.out.is_file():
            for row in pd.read_parquet(self.out).to_dict(orient="records"):
                found[str(row["case_id"])] = {k: _plain(v) for k, v in row.items()}
        for part in sorted(self.parts.glob("*.json")):
            try:
                row = json.loads(part.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                continue  # a torn file cannot exist (atomic rename); ignore foreign files
            found[str(row["case_id"])] = row
        return found

    def consolidate(self) -> pd.DataFrame:
        """Rewrite the Parquet table from all rows (atomic); returns the table."""
        rows = sorted(self.rows().values(), key=lambda r: str(r["case_id"]))
        table = pd.DataFrame(rows, columns=list(COLUMNS))
        for column in ("mean_normal_liver_dose_gy", "ntcp", "elapsed_s"):
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
        for column in ("constraints_total", "constraints_failed"):
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("Int64")
        self.out.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=self.out.parent, prefix=f".{self.out.name}.tmp-")
        os.close(handle)
        try:
            table.to_parquet(tmp, index=False)
            os.replace(tmp, self.out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return table


def _plain(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value

"""The node's audit log: one JSON line per association and per object received or sent."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class AuditLog:
    """Append-only JSON-lines file, safe to write from the server's association threads.

    Parameters
    ----------
    path
        The log file (created with its folder; never truncated).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def write(self, event: str, **fields: Any) -> None:
        """Append one line: UTC time, the event name and its fields."""
        record = {"time_utc": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
        record.update(fields)
        line = json.dumps(record, default=str, ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def read(self) -> list[dict[str, Any]]:
        """Every record so far (for tests and status)."""
        if not self.path.is_file():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line]

"""Domain errors whose messages name the field, the rule, the value found and the fix.

Every error a user can cause derives from :class:`InputError` (itself a ``ValueError``), so the
CLI and the web app can turn it into a one-line message and exit code 2 without a traceback.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """Bad input: a field, the rule it breaks, the value found and how to fix it.

    Parameters
    ----------
    field
        What is wrong: a field name, a file path or a DICOM attribute.
    rule
        The rule the value breaks, e.g. ``"above 30 mg/dL"``.
    value
        The value that was found (shown with ``repr`` unless it is a string).
    fix
        What the user should do, e.g. ``"did you mean µmol/L? use bilirubin_umol_l"``.

    Examples
    --------
    >>> str(InputError("bilirubin_mg_dl", "above 30 mg/dL", 34, "use bilirubin_umol_l"))
    'bilirubin_mg_dl=34: above 30 mg/dL; use bilirubin_umol_l'
    """

    def __init__(self, field: str, rule: str, value: Any = None, fix: str = "") -> None:
        self.field = field
        self.rule = rule
        self.value = value
        self.fix = fix
        super().__init__(self._compose())

    def _compose(self) -> str:
        shown = self.value if isinstance(self.value, str) else repr(self.value)
        head = f"{self.field}={shown}" if self.value is not None else self.field
        message = f"{head}: {self.rule}"
        return f"{message}; {self.fix}" if self.fix else message


class DicomInputError(InputError):
    """A DICOM file or series that cannot be used as it is."""


class GeometryMismatchError(InputError):
    """Objects that do not share a Frame of Reference or do not overlap in space."""


class ClinicalInputError(InputError):
    """An impossible, unit-confused or contradictory clinical value."""

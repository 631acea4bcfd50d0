"""The tumour board's decision as a validated record (issue 16, item 7).

A :class:`BoardDecision` says what the board decided on a date, who decided, who dissented and
why, and the reasons of the decision. hccrt never makes the decision: it records it. The store
(:mod:`hccrt.store.board_decisions`) signs it (the signing account re-enters its password), audits
it and then keeps it unchanged; a later assessment shows the last one.

Every validation error is one :class:`~hccrt.errors.ClinicalInputError` naming the field, the
rule, the value and the fix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hccrt.errors import ClinicalInputError, InputError
from hccrt.numbers import WholeNumber

__all__ = ["BoardDecision", "Dissent", "parse_decision"]

_FROZEN = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)
MAX_TEXT = 4000
"""Longest free text of a decision, its reasons or a dissent (characters)."""
MAX_NAME = 120
"""Longest name of a board member (characters)."""


def _fail(field: str, rule: str, value: Any, fix: str) -> ClinicalInputError:
    return ClinicalInputError(field, rule, value, fix)


def _name(value: str, field: str) -> str:
    if not value:
        raise _fail(field, "empty", None, "give the member's name and role, e.g. 'Dr A (RO)'")
    if len(value) > MAX_NAME:
        raise _fail(field, f"longer than {MAX_NAME} characters", value[:40] + "...", "shorten it")
    return value


class Dissent(BaseModel):
    """One member who disagreed with the decision, and why."""

    model_config = _FROZEN
    member: str = Field(description="Name (and role) of the dissenting member.")
    reason: str = Field(description="Why the member disagreed.")

    @field_validator("member")
    @classmethod
    def _member(cls, value: str) -> str:
        return _name(value, "dissent.member")

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value:
            raise _fail(
                "dissent.reason", "empty", None, "say why the member disagreed (one sentence)"
            )
        if len(value) > MAX_TEXT:
            raise _fail("dissent.reason", f"longer than {MAX_TEXT} characters", len(value), "")
        return value


class BoardDecision(BaseModel):
    """The board's decision on one date: what, who decided, who dissented and why."""

    model_config = _FROZEN
    board_date: date = Field(description="Date of the board meeting (YYYY-MM-DD).")
    decision: str = Field(description="What the board decided, in words (e.g. 'SBRT 5 x 8 Gy').")
    rationale: str = Field(description="Why: the reasons the board gave.")
    decided_by: tuple[str, ...] = Field(
        description="Members who made the decision (names and roles); at least one."
    )
    dissent: tuple[Dissent, ...] = Field(
        default=(), description="Members who disagreed, each with the reason."
    )
    course_version: WholeNumber | None = Field(
        default=None, ge=1, description="Version of the stored patient course the board read."
    )

    @field_validator("decision", "rationale")
    @classmethod
    def _text(cls, value: str, info: Any) -> str:
        if not value:
            raise _fail(info.field_name, "empty", None, f"write the board's {info.field_name}")
        if len(value) > MAX_TEXT:
            raise _fail(
                info.field_name, f"longer than {MAX_TEXT} characters", len(value), "shorten it"
            )
        return value

    @field_validator("decided_by")
    @classmethod
    def _members(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        names = tuple(_name(v.strip(), "decided_by") for v in value)
        if not names:
            raise _fail("decided_by", "no member named", [], "name who decided, e.g. ['Dr A (RO)']")
        return names

    @model_validator(mode="after")
    def _nobody_both(self) -> BoardDecision:
        both = sorted(set(self.decided_by) & {d.member for d in self.dissent})
        if both:
            raise _fail(
                "dissent.member",
                "also listed in decided_by",
                ", ".join(both),
                "a member either decided or dissented: remove the name from one list",
            )
        return self


def _decision_error(error: ValidationError) -> ClinicalInputError:
    first = error.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, ClinicalInputError):
        return cause
    if isinstance(cause, InputError):
        return _fail(cause.field, cause.rule, cause.value, cause.fix)
    where = ".".join(str(p) for p in first["loc"]) or "decision"
    value = first.get("input")
    shown = value if isinstance(value, str | int | float | type(None)) else type(value).__name__
    fix = "see docs/clinical.md (board decisions)"
    if first["type"] == "missing":
        return _fail(where, "missing", None, "fill it in")
    return _fail(where, first["msg"], shown, fix)


def parse_decision(data: Any) -> BoardDecision:
    """Validate a decoded JSON object (or form) as a :class:`BoardDecision`.

    Raises
    ------
    ClinicalInputError
        One line naming the first wrong field, the rule, the value and the fix.
    """
    try:
        return BoardDecision.model_validate(data)
    except ValidationError as error:
        raise _decision_error(error) from None

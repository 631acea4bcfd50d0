"""The liver-lab fields, one home each: type, bounds, unit (in the name) and description.

The patient record (:mod:`hccrt.clinical.patient`), the follow-up lab sets
(:mod:`hccrt.clinical.followup_record`) and the course lab sets (:mod:`hccrt.clinical.course`)
annotate their lab fields with these types, so a bound is written once. Each type is optional
(``None``: not measured) and finite (:data:`hccrt.numbers.FiniteFloat`: no NaN, no boolean, no
string). The bounds refuse impossible values only; the plausibility ranges with their
unit-confusion hints (bilirubin, albumin, INR) live in :data:`hccrt.clinical.units.PLAUSIBLE`.
A model may give a field its own description (``Field(None, description=...)``); the bounds
stay those of the type.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from hccrt.numbers import FiniteFloat

__all__ = [
    "AfpNgMl",
    "AlbuminGDl",
    "AlpUL",
    "AlpUlnUL",
    "AltUL",
    "AltUlnUL",
    "AstUL",
    "AstUlnUL",
    "BilirubinMgDl",
    "BilirubinUlnMgDl",
    "Inr",
    "PlateletsE9L",
]

ENZYME_MAX_U_L = 100000
"""Above any measured ALT, AST or ALP (U/L): a larger number is a typing error."""

BilirubinMgDl = Annotated[FiniteFloat | None, Field(description="Total bilirubin, mg/dL.")]
"""Total bilirubin, mg/dL (plausible range and the µmol/L hint: ``units.PLAUSIBLE``)."""
BilirubinUlnMgDl = Annotated[
    FiniteFloat | None, Field(gt=0, le=3, description="Bilirubin upper limit of normal, mg/dL.")
]
"""Upper limit of normal of total bilirubin, mg/dL (0 < ULN <= 3)."""
AlbuminGDl = Annotated[FiniteFloat | None, Field(description="Serum albumin, g/dL.")]
"""Serum albumin, g/dL (plausible range and the g/L hint: ``units.PLAUSIBLE``)."""
Inr = Annotated[FiniteFloat | None, Field(description="International normalised ratio.")]
"""International normalised ratio (plausible range: ``units.PLAUSIBLE``)."""
AltUL = Annotated[FiniteFloat | None, Field(gt=0, lt=ENZYME_MAX_U_L, description="ALT, U/L.")]
"""Alanine aminotransferase, U/L."""
AstUL = Annotated[FiniteFloat | None, Field(gt=0, lt=ENZYME_MAX_U_L, description="AST, U/L.")]
"""Aspartate aminotransferase, U/L."""
AlpUL = Annotated[
    FiniteFloat | None,
    Field(gt=0, lt=ENZYME_MAX_U_L, description="Alkaline phosphatase, U/L."),
]
"""Alkaline phosphatase, U/L."""
AltUlnUL = Annotated[
    FiniteFloat | None, Field(gt=0, lt=1000, description="ALT upper limit of normal, U/L.")
]
"""Upper limit of normal of ALT, U/L."""
AstUlnUL = Annotated[
    FiniteFloat | None, Field(gt=0, lt=1000, description="AST upper limit of normal, U/L.")
]
"""Upper limit of normal of AST, U/L."""
AlpUlnUL = Annotated[
    FiniteFloat | None, Field(gt=0, lt=2000, description="ALP upper limit of normal, U/L.")
]
"""Upper limit of normal of ALP, U/L."""
PlateletsE9L = Annotated[
    FiniteFloat | None, Field(gt=0, lt=5000, description="Platelet count, 10^9/L.")
]
"""Platelet count, 10^9/L."""
AfpNgMl = Annotated[
    FiniteFloat | None, Field(ge=0, lt=10_000_000, description="Serum alpha-fetoprotein, ng/mL.")
]
"""Serum alpha-fetoprotein, ng/mL."""

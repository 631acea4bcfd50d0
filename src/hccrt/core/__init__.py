"""Core value types of hccrt, below every IO package (validated, immutable records)."""

from hccrt.core.plan import Beam, ControlPoint, LeafBank, MlcGeometry, Plan, RotationDirection

__all__ = ["Beam", "ControlPoint", "LeafBank", "MlcGeometry", "Plan", "RotationDirection"]

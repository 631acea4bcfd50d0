"""Synthetic liver patient: analytic anatomy, CT series, exact RTSTRUCT and clinical record.

Use :func:`generate_phantom` (or ``hccrt phantom --out DIR``).
"""

from hccrt.phantom.generate import PhantomResult, generate_phantom
from hccrt.phantom.options import GENERATOR_VERSION, PhantomOptions

__all__ = ["GENERATOR_VERSION", "PhantomOptions", "PhantomResult", "generate_phantom"]

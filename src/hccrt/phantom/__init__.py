"""Synthetic liver patient: analytic anatomy, CT series, exact RTSTRUCT and clinical record.

Use :func:`generate_phantom` (or ``hccrt phantom --out DIR``).
"""

from hccrt.phantom.generate import (
    GENERATOR_VERSION,
    PhantomOptions,
    PhantomResult,
    generate_phantom,
)

__all__ = ["GENERATOR_VERSION", "PhantomOptions", "PhantomResult", "generate_phantom"]

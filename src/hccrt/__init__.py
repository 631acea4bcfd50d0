"""hccrt: radiotherapy and local treatment of hepatocellular carcinoma.

Decision support from the seed documents, radiobiology (BED/EQD2, NTCP), target volumes on DICOM
images, plan evaluation (DVH, dose constraints), planning and follow-up.

The workflow verbs are available from the top level and load their library on first use, so
``import hccrt`` stays cheap:

>>> import hccrt
>>> hccrt.bed(5.0, 10, alpha_beta_gy=10.0)
75.0
>>> "evaluate_plan" in dir(hccrt)
True
"""

from __future__ import annotations

from typing import Any

# Verb -> "module:attribute". One line per verb: repoint a verb here when its library moves.
_FACADE = {
    "assess": "hccrt._api:assess",
    "bed": "hccrt._api:bed",
    "compute_dvh": "hccrt._api:compute_dvh",
    "eqd2": "hccrt._api:eqd2",
    "evaluate_plan": "hccrt._api:evaluate_plan",
    "expand": "hccrt._api:expand",
    "plan": "hccrt._api:plan",
    "read_case": "hccrt._api:read_case",
    "read_patient": "hccrt._api:read_patient",
    "run_case": "hccrt._api:run_case",
    "write_report": "hccrt._api:write_report",
    "InputError": "hccrt.errors:InputError",
}

__all__ = ["__version__", *_FACADE]


def __getattr__(name: str) -> Any:
    """Load a facade verb (or ``__version__``) on first access."""
    import importlib

    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("hccrt")
    elif name in _FACADE:
        module, attribute = _FACADE[name].split(":")
        value = getattr(importlib.import_module(module), attribute)
    else:
        raise AttributeError(f"module 'hccrt' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the module's names, with the verbs that are not loaded yet."""
    return sorted(set(globals()) | set(__all__))

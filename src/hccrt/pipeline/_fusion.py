"""The fusion stage of the main job: a fused CT/MR view for review when the case holds a REG.

Seed 000 draws the GTV on CT/MR fusion. When the case folder holds a Spatial Registration that
links another series (MR, an older CT) to the planning CT, ``hccrt run`` renders the fused view
of :func:`hccrt.registration.display.case_fused_view` (checkerboard through the first target,
the targets' contours drawn; the web upload page shows the same view) into ``fusion.png`` and
into the report, so that the clinician can see the registration the targets rest on before
signing.
"""

from __future__ import annotations

from pathlib import Path

from hccrt.dicom.case import CaseInventory
from hccrt.errors import InputError
from hccrt.pipeline.results import StageOutcome, Workspace

__all__ = ["ReviewFigure", "fusion_stage"]

ReviewFigure = tuple[Path, str]
"""A figure for the report's review section: its PNG file and caption."""


def fusion_stage(inventory: CaseInventory, work: Workspace) -> ReviewFigure | None:
    """Render the fused view of the case's first registration (module docstring).

    Parameters
    ----------
    inventory
        The case's files (REG objects and the series they register).
    work
        The run's workspace (stage outcome and ``fusion.png``).

    Returns
    -------
    tuple or None
        ``(fusion.png, caption)`` for the report; None without a REG (no stage recorded) or
        when the view cannot be made (the stage says why).
    """
    if not inventory.registrations:
        return None
    from hccrt.registration.display import case_fused_view

    try:
        fusion = case_fused_view(inventory)
    except InputError as error:
        work.stages.append(StageOutcome("fusion", "failed", str(error)))
        return None
    path = work.folder / "fusion.png"
    path.write_bytes(fusion.png)
    kind, reg = fusion.result.kind, fusion.registration.name
    caption = (
        f"{kind.capitalize()} registration {reg}: planning CT and {fusion.moving_modality} in "
        "32 mm checkerboard tiles (edges continuing across tiles: aligned), through the first "
        "target; GTV contours drawn, with the other targets'. Check it before accepting targets "
        "drawn on the fused image."
    )
    detail = f"{kind} {reg}: fused view fusion.png for review"
    work.stages.append(StageOutcome("fusion", "done", detail, ("fusion.png",)))
    return path, caption

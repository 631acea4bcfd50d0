"""The fusion stage of the main job: a fused CT/MR view for review when the case holds a REG.

Seed 000 draws the GTV on CT/MR fusion. When the case folder holds a Spatial Registration that
links another series (MR, an older CT) to the planning CT, ``hccrt run`` renders the fused view
of :func:`hccrt.registration.display.fused_view_png` (checkerboard through the first GTV, its
contour drawn) into ``fusion.png`` and into the report, so that the clinician can see the
registration the targets rest on before signing.
"""

from __future__ import annotations

from pathlib import Path

from hccrt.dicom.case import CaseInventory
from hccrt.dvh.names import gtv_like
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
    from hccrt.dicom import read_ct_series, read_rtstruct
    from hccrt.dicom.series import files_by_series
    from hccrt.registration.display import fused_view_png
    from hccrt.registration.io import load_registration

    reg = inventory.registrations[0]
    try:
        _, result = load_registration(reg)
        moving_files = files_by_series(inventory.registered_files).get(result.moving_series_uid)
        if not moving_files or not inventory.ct_files:
            detail = f"{reg.name}: the registered series or the planning CT is not in the case"
            work.stages.append(StageOutcome("fusion", "skipped", detail))
            return None
        ct = read_ct_series(list(inventory.ct_files))
        moving = read_ct_series(list(moving_files))
        targets = []
        if inventory.rtstruct is not None:
            structures = read_rtstruct(inventory.rtstruct)
            targets = [structures.get(name) for name in gtv_like(structures.names)]
        png = fused_view_png(ct, moving, result, targets, title=f"{result.kind} fusion (review)")
    except InputError as error:
        work.stages.append(StageOutcome("fusion", "failed", str(error)))
        return None
    path = work.folder / "fusion.png"
    path.write_bytes(png)
    caption = (
        f"{result.kind.capitalize()} registration {reg.name}: planning CT and {moving.modality} in "
        "32 mm checkerboard tiles (edges continuing across tiles: aligned), GTV contours drawn. "
        "Check it before accepting targets drawn on the fused image."
    )
    detail = f"{result.kind} {reg.name}: fused view fusion.png for review"
    work.stages.append(StageOutcome("fusion", "done", detail, ("fusion.png",)))
    return path, caption

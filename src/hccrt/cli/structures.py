"""``hccrt structures``, ``hccrt margin`` and ``hccrt derive``: target volumes from the shell.

JSON keys are a contract. ``structures`` -> ``{structures: [{name, number, volume_cc,
volume_cc_mask, contours, interpreted_type}], frame_of_reference_uid, sop_instance_uid,
warnings}``; ``margin`` and ``derive`` -> ``{name, number, interpreted_type, expression,
volume_cc, volume_cc_polygons, contours, out, sop_instance_uid, grid, warnings}`` (plus
``margins_mm`` for ``margin``, and ``ptv_margin`` with ``--breathing``). Volumes in cc, margins
in mm.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from hccrt.cli._input import finite_float
from hccrt.cli.output import FormatOption, OutputFormat, emit

if TYPE_CHECKING:
    from hccrt.dicom.structure_ops import DerivedStructure

RtstructOption = Annotated[
    Path, typer.Option("--rtstruct", help="RTSTRUCT file (DICOM).", dir_okay=False)
]
CtOption = Annotated[
    Path | None,
    typer.Option(
        "--ct",
        help="Folder of the CT series the structures were drawn on; its grid is used for masks "
        "and the structure set is checked against it (Frame of Reference, references).",
        file_okay=False,
    ),
]
ResolutionOption = Annotated[
    float,
    typer.Option(
        "--resolution-mm",
        help="Without --ct: in-plane voxel size (mm) of the grid built on the contour planes.",
        parser=finite_float,
    ),
]


Breathing = Literal["abc", "free"]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _render_table(payload: dict[str, Any]) -> str:
    lines = [f"{'ROI':<24} {'#':>4} {'contours':>8} {'cc (polygons)':>14} {'cc (CT mask)':>13}"]
    for row in payload["structures"]:
        lines.append(
            f"{row['name']:<24} {row['number']:>4} {row['contours']:>8} "
            f"{_fmt(row['volume_cc']):>14} {_fmt(row['volume_cc_mask']):>13}"
        )
    lines.extend(f"warning: {w}" for w in payload["warnings"])
    return "\n".join(lines)


def structures(
    rtstruct: RtstructOption,
    ct: CtOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """List the ROIs of an RTSTRUCT with their volumes in cc.

    volume_cc: sum of polygon areas x slab thickness (half-slice end caps); volume_cc_mask (with
    --ct): fractional-occupancy mask on the CT grid.
    """
    from hccrt.dicom.structure_ops import structure_table

    table = structure_table(rtstruct, ct)
    payload = {
        "structures": [
            {
                "name": s.name,
                "number": s.number,
                "volume_cc": s.volume_cc,
                "volume_cc_mask": s.volume_cc_mask,
                "contours": s.contours,
                "interpreted_type": s.interpreted_type,
            }
            for s in table.structures
        ],
        "frame_of_reference_uid": table.frame_of_reference_uid,
        "sop_instance_uid": table.sop_instance_uid,
        "warnings": list(table.warnings),
    }
    emit(payload, output_format, _render_table)


def _derived_payload(result: DerivedStructure, out: Path, sop_uid: str) -> dict[str, Any]:
    grid = result.grid
    return {
        "name": result.structure.name,
        "number": result.structure.number,
        "interpreted_type": result.structure.interpreted_type,
        "expression": result.expression,
        "volume_cc": result.volume_cc,
        "volume_cc_polygons": result.volume_cc_polygons,
        "contours": len(result.structure.contours),
        "out": str(out),
        "sop_instance_uid": sop_uid,
        "grid": {"shape": list(grid.shape), "spacing_mm": list(grid.spacing_mm)},
        "warnings": list(result.warnings),
    }


def _render_derived(payload: dict[str, Any]) -> str:
    lines = [
        f"{payload['name']} (ROI {payload['number']}, {payload['interpreted_type']}): "
        f"{payload['volume_cc']:.2f} cc (contours {payload['volume_cc_polygons']:.2f} cc) "
        f"= {payload['expression']}",
        f"written to {payload['out']} (SOP Instance UID {payload['sop_instance_uid']})",
    ]
    lines.extend(f"warning: {w}" for w in payload["warnings"])
    return "\n".join(lines)


def _save(rtstruct: Path, result: DerivedStructure, out: Path, ct: Path | None) -> str:
    from hccrt.dicom.structure_ops import save_new_rois

    return save_new_rois(rtstruct, (result.structure,), out, ct)


def margin(
    rtstruct: RtstructOption,
    source: Annotated[str, typer.Option("--source", help="ROI to expand or contract.")],
    name: Annotated[str, typer.Option("--name", help="New ROI name (TG-263 style, e.g. PTV).")],
    out: Annotated[Path, typer.Option("--out", help="New RTSTRUCT file to write.", dir_okay=False)],
    margin_mm: Annotated[
        float | None,
        typer.Option("--margin-mm", help="Isotropic margin in mm.", parser=finite_float),
    ] = None,
    margins_mm: Annotated[
        str | None,
        typer.Option(
            "--margins-mm",
            help="Per-direction margins in mm, order R,L,A,P,S,I (patient Right, Left, "
            "Anterior, Posterior, Superior, Inferior), e.g. 5,5,5,5,10,10.",
        ),
    ] = None,
    breathing: Annotated[
        Breathing | None,
        typer.Option(
            "--breathing",
            case_sensitive=False,
            help="Instead of a margin: CTV->PTV margin for 'abc' (seed 000: CTV + 6 mm with "
            "active breathing control) or 'free' (van Herk 2.5 Sigma + 0.7 sqrt(sigma^2 + "
            "sigma_resp^2) per axis; needs the three options below).",
        ),
    ] = None,
    systematic_sd_mm: Annotated[
        str | None,
        typer.Option("--systematic-sd-mm", help="Set-up systematic SD Sigma, LR,AP,SI in mm."),
    ] = None,
    random_sd_mm: Annotated[
        str | None,
        typer.Option("--random-sd-mm", help="Set-up random SD sigma, LR,AP,SI in mm."),
    ] = None,
    amplitude_mm: Annotated[
        str | None,
        typer.Option(
            "--breathing-amplitude-mm", help="Peak-to-peak breathing motion, LR,AP,SI in mm."
        ),
    ] = None,
    abc_margin_mm: Annotated[
        float,
        typer.Option(
            "--abc-margin-mm", help="Margin with ABC in mm (seed 000: 6).", parser=finite_float
        ),
    ] = 6.0,
    contract: Annotated[bool, typer.Option("--contract", help="Shrink instead of expand.")] = False,
    within: Annotated[
        str | None, typer.Option("--within", help="Keep the result inside this ROI (e.g. Liver).")
    ] = None,
    subtract: Annotated[
        str | None, typer.Option("--subtract", help="Remove this ROI from the result.")
    ] = None,
    ct: CtOption = None,
    resolution_mm: ResolutionOption = 1.0,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Expand (or contract) an ROI by exact margins in mm and save it as a new ROI.

    The original RTSTRUCT is untouched: OUT gets a new SOP Instance UID, the same Frame of
    Reference and referenced series, all original ROIs and the new one.
    """
    from hccrt.dicom.structure_ops import derive_structure, margin_expression
    from hccrt.errors import InputError
    from hccrt.geometry.margins import Margins

    given = [margin_mm is not None, margins_mm is not None, breathing is not None]
    if sum(given) != 1:
        raise InputError(
            "margin",
            "give exactly one of --margin-mm, --margins-mm and --breathing",
            None,
            "e.g. --margin-mm 5",
        )
    motion: dict[str, Any] | None = None
    if breathing is not None:
        margins, motion = _motion_margins(
            breathing, systematic_sd_mm, random_sd_mm, amplitude_mm, abc_margin_mm
        )
    elif margin_mm is not None:
        margins = Margins.isotropic(margin_mm)
    else:
        margins = Margins.parse(str(margins_mm))
    node = margin_expression(source, margins, contract=contract, within=within, subtract=subtract)
    result = derive_structure(rtstruct, node, name, ct_dir=ct, resolution_mm=resolution_mm)
    sop_uid = _save(rtstruct, result, out, ct)
    payload = _derived_payload(result, out, sop_uid)
    payload["expression"] = _margin_text(source, margins, contract, within, subtract)
    r, left, a, p, s, i = margins.as_tuple()
    payload["margins_mm"] = {"R": r, "L": left, "A": a, "P": p, "S": s, "I": i}
    if motion is not None:
        payload["ptv_margin"] = motion
        payload["warnings"].extend(motion["warnings"])
    emit(payload, output_format, _render_derived)


def _motion_margins(
    breathing: Breathing,
    systematic: str | None,
    random: str | None,
    amplitude: str | None,
    abc_margin_mm: float,
) -> tuple[Any, dict[str, Any]]:
    """Margins from :func:`hccrt.geometry.motion.ptv_margin`; insufficient data is exit 2."""
    import dataclasses

    from hccrt.errors import ClinicalInputError
    from hccrt.geometry.motion import AxisValues, ptv_margin

    def axes(text: str | None, field: str) -> AxisValues | None:
        return None if text is None else AxisValues.parse(text, field)

    result = ptv_margin(
        breathing,
        systematic_sd_mm=axes(systematic, "systematic_sd_mm"),
        random_sd_mm=axes(random, "random_sd_mm"),
        breathing_amplitude_mm=axes(amplitude, "breathing_amplitude_mm"),
        abc_margin_mm=abc_margin_mm,
    )
    if result.margins is None:
        raise ClinicalInputError(
            "breathing=free",
            f"insufficient_data: missing {', '.join(result.missing)}",
            None,
            "pass --systematic-sd-mm, --random-sd-mm and --breathing-amplitude-mm (LR,AP,SI); "
            + result.warnings[0].split("; ", 1)[-1],
        )
    summary = dataclasses.asdict(result)
    summary.pop("margins")
    return result.margins, summary


def _margin_text(
    source: str, margins: Any, contract: bool, within: str | None, subtract: str | None
) -> str:
    values = ",".join(f"{v:g}" for v in margins.as_tuple())
    text = f"{'contract' if contract else 'expand'}('{source}', {values})"
    if within:
        text += f" & '{within}'"
    if subtract:
        text += f" - '{subtract}'"
    return text


def derive(
    rtstruct: RtstructOption,
    expr: Annotated[
        str,
        typer.Option(
            "--expr",
            help="Expression: + or | union, & intersection, - difference, expand(X, mm), "
            "expand(X, R,L,A,P,S,I), contract(...), ring(X, inner_mm, outer_mm); quote names "
            'with spaces. E.g. "Liver - GTV", "expand(GTV, 5) & Liver".',
        ),
    ],
    name: Annotated[
        str, typer.Option("--name", help="New ROI name (TG-263 style, e.g. Liver-GTV).")
    ],
    out: Annotated[Path, typer.Option("--out", help="New RTSTRUCT file to write.", dir_okay=False)],
    ct: CtOption = None,
    resolution_mm: ResolutionOption = 1.0,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Build a new ROI from an expression of existing ROIs and save it in a new RTSTRUCT."""
    from hccrt.dicom.structure_ops import derive_structure

    result = derive_structure(rtstruct, expr, name, ct_dir=ct, resolution_mm=resolution_mm)
    sop_uid = _save(rtstruct, result, out, ct)
    emit(_derived_payload(result, out, sop_uid), output_format, _render_derived)


def register(app: typer.Typer) -> None:
    """Add ``structures``, ``margin`` and ``derive`` to the ``hccrt`` app."""
    app.command("structures")(structures)
    app.command("margin")(margin)
    app.command("derive")(derive)

"""Registers the radiobiology commands: ``bed``, ``fractionation compare`` and ``ntcp``.

The commands live in :mod:`hccrt.cli.bed` (BED/EQD2 of one or several schemes) and
:mod:`hccrt.cli.ntcp` (RILD NTCP of a liver DVH); they only parse input and call
:mod:`hccrt.radiobiology`. ``hccrt.cli.app`` calls :func:`register`.
"""

from __future__ import annotations

import typer

from hccrt.cli import bed, ntcp


def register(app: typer.Typer) -> None:
    """Add ``bed``, ``fractionation compare`` and ``ntcp`` to the ``hccrt`` app."""
    app.command("bed")(bed.bed)
    app.add_typer(bed.fractionation_app, name="fractionation")
    app.command("ntcp")(ntcp.ntcp)

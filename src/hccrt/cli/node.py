"""``hccrt listen``: the DICOM node (C-STORE/C-ECHO SCP; results back by C-STORE SCU)."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer


def listen(
    store: Annotated[
        Path | None,
        typer.Option(help="Folder for received cases, results and audit.jsonl (or [node] store)."),
    ] = None,
    ae_title: Annotated[
        str | None, typer.Option("--ae-title", help="This node's AE title (default HCCRT).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="DICOM port to listen on, TCP (default 11112).")
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="node.toml: allowed callers, remote nodes, quiet period (s), timeout (s), "
            "records_dir, run options (docs/node.md).",
        ),
    ] = None,
) -> None:
    """Run the DICOM node: receive cases, run `hccrt run` on each complete one, send results.

    A study is complete when it holds CT + RTSTRUCT and no object came for the quiet period
    (quiet_period_s, default 30 s). Stop with Ctrl-C.
    """
    from hccrt.node import DicomNode, load_node_config

    settings = load_node_config(config, store=store, ae_title=ae_title, port=port, host=host)
    node = DicomNode(settings)
    node.start()
    sys.stderr.write(
        f"hccrt listen: {settings.ae_title} on {settings.host}:{node.port}, store "
        f"{settings.store}, audit {node.audit.path} (Ctrl-C to stop)\n"
    )
    stopped = threading.Event()

    def _stop(*_: Any) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()


def register(app: typer.Typer) -> None:
    """Add ``listen`` to the CLI."""
    app.command("listen")(listen)

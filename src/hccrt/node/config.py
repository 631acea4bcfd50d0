"""The DICOM node's settings: its own AE, the callers it accepts, remote nodes, timing.

Read from a TOML file (schema in ``docs/node.md``); the command line overrides the ``[node]``
values. Every setting is validated on load: an unknown key, a bad AE title or a port out of range
is one clear line, before the node starts.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hccrt.errors import InputError

__all__ = [
    "NodeConfig",
    "NodeTls",
    "RemoteNode",
    "RemoteTls",
    "RunSettings",
    "load_node_config",
    "load_remote",
]

_STRICT = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
# PS3.5 AE title: 1-16 characters of the default repertoire, no backslash or control characters.
_AE_TITLE = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")


def _ae_title(value: str) -> str:
    stripped = value.strip()
    if not stripped or not _AE_TITLE.match(value):
        raise ValueError("an AE title is 1-16 printable ASCII characters without a backslash")
    return stripped


class NodeTls(BaseModel):
    """TLS of the listener (``[node.tls]``, DICOM PS3.15 Annex B secure transport): PEM files."""

    model_config = _STRICT

    certificate: Path = Field(description="The node's certificate (PEM; chain allowed).")
    key: Path = Field(description="Its private key (PEM, unencrypted; keep it mode 0600).")
    client_ca: Path | None = Field(
        None,
        description="CA certificates (PEM) that callers' certificates must be signed by; "
        "set: a caller without such a certificate is refused (mutual TLS).",
    )


class RemoteTls(BaseModel):
    """TLS towards a remote node (``[remotes.NAME.tls]``): how hccrt checks it, and itself."""

    model_config = _STRICT

    ca: Path = Field(description="CA certificates (PEM) the remote's certificate is checked with.")
    check_hostname: bool = Field(True, description="The certificate must name the host.")
    certificate: Path | None = Field(None, description="hccrt's client certificate (PEM).")
    key: Path | None = Field(None, description="Its private key (PEM).")

    @model_validator(mode="after")
    def _pair(self) -> RemoteTls:
        if (self.certificate is None) != (self.key is None):
            raise ValueError("give certificate and key together, or neither")
        return self


class RemoteNode(BaseModel):
    """A DICOM node hccrt sends results to (``[remotes.NAME]``)."""

    model_config = _STRICT

    ae_title: str = Field(description="The remote node's AE title (called AE).")
    host: str = Field(min_length=1, description="Host name or IP address.")
    port: int = Field(ge=1, le=65535, description="DICOM port (TCP).")
    tls: RemoteTls | None = Field(None, description="Connect with TLS (none: plain TCP).")

    @field_validator("ae_title")
    @classmethod
    def _check_ae(cls, value: str) -> str:
        return _ae_title(value)


class RunSettings(BaseModel):
    """How each complete case is run (``[run]``): the options of ``hccrt run``."""

    model_config = _STRICT

    technique: Literal["auto", "3dcrt", "imrt", "vmat"] = "auto"
    prescription_gy: float | None = Field(None, gt=0, le=100)
    fractions: int | None = Field(None, ge=1, le=60)
    final_dose: Literal["collapsed_cone", "pencil_beam"] = "collapsed_cone"

    @model_validator(mode="after")
    def _both_or_neither(self) -> RunSettings:
        if (self.prescription_gy is None) != (self.fractions is None):
            raise ValueError("give prescription_gy and fractions together, or neither")
        return self


class NodeConfig(BaseModel):
    """Everything the node needs (the ``[node]`` table, ``[run]`` and ``[remotes.*]``)."""

    model_config = _STRICT

    ae_title: str = "HCCRT"
    host: str = Field("127.0.0.1", min_length=1, description="Address to listen on.")
    port: int = Field(11112, ge=1, le=65535)
    store: Path = Field(description="Folder for received cases, results and the audit log.")
    allowed_callers: tuple[str, ...] = Field(
        (), description="Calling AE titles accepted; empty: any caller (not for production)."
    )
    quiet_period_s: float = Field(
        30.0, gt=0, le=3600, description="Seconds with no new object before a case is complete."
    )
    case_timeout_s: float = Field(
        3600.0,
        gt=0,
        le=7 * 86400,
        description="Seconds after the last object before an "
        "incomplete case (no CT or no RTSTRUCT) is reported as timed out.",
    )
    records_dir: Path | None = Field(
        None, description="Folder of patient records named <PatientID>.json (from the EHR)."
    )
    send_results_to: str | None = Field(None, description="Name of a [remotes.NAME] entry.")
    max_store_gb: float | None = Field(
        None,
        gt=0,
        le=100_000,
        description="Quota of the received cases (GB): objects beyond it are refused with "
        "C-STORE status A700 (out of resources) and audited; none: no quota.",
    )
    tls: NodeTls | None = Field(None, description="Listen with TLS (none: plain TCP).")
    run: RunSettings = RunSettings()
    remotes: dict[str, RemoteNode] = {}

    @field_validator("ae_title")
    @classmethod
    def _check_ae(cls, value: str) -> str:
        return _ae_title(value)

    @field_validator("allowed_callers")
    @classmethod
    def _callers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_ae_title(v) for v in value)

    @model_validator(mode="after")
    def _destination_known(self) -> NodeConfig:
        if self.send_results_to is not None and self.send_results_to not in self.remotes:
            raise ValueError(
                f"send_results_to names {self.send_results_to!r}, not one of [remotes] "
                f"({', '.join(sorted(self.remotes)) or 'none defined'})"
            )
        if self.case_timeout_s <= self.quiet_period_s:
            raise ValueError("case_timeout_s must be longer than quiet_period_s")
        return self

    @property
    def destination(self) -> RemoteNode | None:
        """The remote node that receives the results, if one is configured."""
        return None if self.send_results_to is None else self.remotes[self.send_results_to]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("--config", "file not found", str(path), "give a node.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        fix = "see docs/node.md"
        raise InputError("--config", f"not valid TOML ({error})", str(path), fix) from None


def load_node_config(path: Path | None = None, **overrides: Any) -> NodeConfig:
    """Read and validate the node's settings.

    Parameters
    ----------
    path
        TOML file (``[node]``, ``[run]``, ``[remotes.NAME]``); ``None``: settings from
        ``overrides`` only.
    overrides
        ``[node]`` values that replace the file's (``None`` values are ignored): the command
        line's ``--ae-title``, ``--port``, ``--store``.

    Returns
    -------
    NodeConfig

    Raises
    ------
    InputError
        Missing or malformed file, an unknown key, a value out of range.
    """
    data = _read_toml(path) if path is not None else {}
    unknown = set(data) - {"node", "run", "remotes"}
    if unknown:
        raise InputError(
            "node.toml", "unknown table", ", ".join(sorted(unknown)), "use [node], [run], [remotes]"
        )
    settings: dict[str, Any] = dict(data.get("node", {}))
    settings.update({k: v for k, v in overrides.items() if v is not None})
    for key in ("store", "records_dir"):
        if isinstance(settings.get(key), str):
            settings[key] = Path(settings[key])
    settings["run"] = data.get("run", {})
    settings["remotes"] = data.get("remotes", {})
    try:
        return NodeConfig.model_validate(settings)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "node"
        raise InputError(
            f"node.toml:{field}", first["msg"], first.get("input"), "see docs/node.md"
        ) from None


def load_remote(path: Path, name: str) -> tuple[str, RemoteNode]:
    """One remote node of the TOML configuration, and this node's calling AE title.

    Only ``[node] ae_title`` and ``[remotes.NAME]`` are read (``hccrt pull`` needs no store).

    Parameters
    ----------
    path
        The node's TOML file.
    name
        A key of ``[remotes]``.

    Returns
    -------
    ae_title, remote
        hccrt's AE title (default ``HCCRT``) and the validated remote node.

    Raises
    ------
    InputError
        Missing or malformed file, an unknown remote, an invalid remote or AE title.
    """
    data = _read_toml(path)
    remotes = data.get("remotes", {})
    if not isinstance(remotes, dict) or name not in remotes:
        known = ", ".join(sorted(remotes)) if isinstance(remotes, dict) else ""
        raise InputError(
            "--from",
            f"not a [remotes] entry of {path.name} ({known or 'none defined'})",
            name,
            f"add [remotes.{name}] with ae_title, host and port (docs/node.md)",
        )
    node = data.get("node", {})
    try:
        ae_title = _ae_title(str(node.get("ae_title", "HCCRT")))
    except ValueError as error:
        raise InputError("node.toml:node.ae_title", str(error), node.get("ae_title")) from None
    try:
        return ae_title, RemoteNode.model_validate(remotes[name])
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        where = f"node.toml:remotes.{name}.{field}"
        raise InputError(where, first["msg"], first.get("input"), "see docs/node.md") from None

"""TLS contexts of the DICOM node (PS3.15 Annex B): the listener's and the client's.

Python's :mod:`ssl` with its secure defaults (TLS 1.2 or newer, the system's cipher choice); the
certificates and keys are the operator's PEM files named in node.toml. A file that cannot be
read, or a key that does not match its certificate, is one clear error before anything listens
or connects.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from hccrt.errors import InputError
from hccrt.node.config import NodeTls, RemoteNode, RemoteTls

__all__ = ["client_context", "server_context", "tls_args"]


def _load(context: ssl.SSLContext, field: str, certificate: Path, key: Path) -> None:
    try:
        context.load_cert_chain(certificate, key)
    except (OSError, ssl.SSLError) as error:
        raise InputError(
            field,
            f"certificate or key not usable ({error})",
            f"{certificate}, {key}",
            "give PEM files of a certificate and its (unencrypted) private key",
        ) from None


def _trust(context: ssl.SSLContext, field: str, ca: Path) -> None:
    try:
        context.load_verify_locations(cafile=ca)
    except (OSError, ssl.SSLError) as error:
        raise InputError(
            field, f"CA certificates not usable ({error})", str(ca), "give a PEM CA bundle"
        ) from None


def server_context(tls: NodeTls) -> ssl.SSLContext:
    """The listener's context: its certificate, and callers' certificates when ``client_ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _load(context, "node.tls.certificate/key", tls.certificate, tls.key)
    if tls.client_ca is not None:
        _trust(context, "node.tls.client_ca", tls.client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def client_context(tls: RemoteTls, name: str) -> ssl.SSLContext:
    """The context hccrt connects to remote ``name`` with (its CA, optional client certificate)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = tls.check_hostname
    _trust(context, f"remotes.{name}.tls.ca", tls.ca)
    if tls.certificate is not None and tls.key is not None:
        _load(context, f"remotes.{name}.tls.certificate/key", tls.certificate, tls.key)
    return context


def tls_args(remote: RemoteNode) -> dict[str, Any]:
    """Keyword arguments of ``AE.associate`` for ``remote``: ``tls_args`` when it uses TLS."""
    if remote.tls is None:
        return {}
    return {"tls_args": (client_context(remote.tls, remote.ae_title), remote.host)}

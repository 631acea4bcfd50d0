"""The node over TLS (issue 18 item 1: "Security: an AE-title allow-list, optional TLS"): a
real TLS handshake on loopback with certificates made by openssl for the test."""

from __future__ import annotations

import gc
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

from hccrt.errors import InputError
from hccrt.node import DicomNode, RemoteNode
from hccrt.node._results import send_files
from hccrt.node.config import RemoteTls, load_node_config
from hccrt.phantom import PhantomResult
from tests.node.conftest import case_files, free_port, write_config

StartNode = Callable[[Path], DicomNode]
# The refusals below make handshakes fail on purpose; pynetdicom then leaves the failed socket to
# the garbage collector (a ResourceWarning, reported as unraisable). They are collected after each
# test, here, so that no other test sees them; every other warning stays an error.
pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <(ssl.SSLSocket|socket.socket):"
        "pytest.PytestUnraisableExceptionWarning"
    ),
]


@pytest.fixture(autouse=True)
def _collect_failed_sockets() -> Iterator[None]:
    yield
    gc.collect()


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test CA, a server certificate for 127.0.0.1 and a client certificate, all PEM."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca = folder / "ca.key", folder / "ca.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key),
             "-out", str(ca), "-days", "2", "-subj", "/CN=hccrt test CA")  # fmt: skip
    for name, san in (("node", "IP:127.0.0.1,DNS:localhost"), ("client", "DNS:sender")):
        key, csr, cert = (folder / f"{name}.{ext}" for ext in ("key", "csr", "pem"))
        (folder / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
                 "-subj", f"/CN={name}")  # fmt: skip
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
                 "-CAcreateserial", "-out", str(cert), "-days", "2",
                 "-extfile", str(folder / f"{name}.ext"))  # fmt: skip
    return folder


def _tls_config(folder: Path, pki: Path, mutual: bool = False) -> Path:
    extra = f'[node.tls]\ncertificate = "{pki / "node.pem"}"\nkey = "{pki / "node.key"}"\n' + (
        f'client_ca = "{pki / "ca.pem"}"\n' if mutual else ""
    )
    return write_config(folder, extra=extra)


def _echo(port: int, context: ssl.SSLContext | None) -> bool:
    ae = AE(ae_title="SENDER")
    ae.add_requested_context(Verification)
    kwargs = {} if context is None else {"tls_args": (context, "127.0.0.1")}
    assoc = ae.associate("127.0.0.1", port, ae_title="HCCRT", **kwargs)
    if not assoc.is_established:
        return False
    status = assoc.send_c_echo()
    assoc.release()
    return int(status.Status) == 0


def _client(pki: Path, with_certificate: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki / "ca.pem"))
    if with_certificate:
        context.load_cert_chain(pki / "client.pem", pki / "client.key")
    return context


def test_the_node_speaks_tls_and_refuses_plain_tcp(
    tmp_path: Path, pki: Path, start_node: StartNode
) -> None:
    node = start_node(_tls_config(tmp_path, pki))
    assert _echo(node.port, _client(pki))
    assert not _echo(node.port, None)
    started = next(e for e in node.audit.read() if e["event"] == "node_started")
    assert started["tls"] is True
    assert started["mutual_tls"] is False


def test_mutual_tls_needs_a_client_certificate(
    tmp_path: Path, pki: Path, start_node: StartNode
) -> None:
    node = start_node(_tls_config(tmp_path, pki, mutual=True))
    assert _echo(node.port, _client(pki, with_certificate=True))
    assert not _echo(node.port, _client(pki))


def test_results_are_sent_to_a_tls_remote(
    tmp_path: Path, pki: Path, start_node: StartNode, node_phantom: PhantomResult
) -> None:
    remote_node = start_node(_tls_config(tmp_path, pki))
    files = case_files(node_phantom)[:3]
    remote = RemoteNode(
        ae_title="HCCRT", host="127.0.0.1", port=remote_node.port,
        tls=RemoteTls(ca=pki / "ca.pem"),
    )  # fmt: skip
    sent = send_files(files, remote, "SENDER")
    assert [s.status for s in sent] == [0, 0, 0]
    plain = RemoteNode(ae_title="HCCRT", host="127.0.0.1", port=remote_node.port)
    assert all(s.status is None for s in send_files(files[:1], plain, "SENDER"))


def test_a_bad_certificate_is_refused_before_listening(tmp_path: Path, pki: Path) -> None:
    config = write_config(
        tmp_path,
        extra=f'[node.tls]\ncertificate = "{pki / "ca.pem"}"\nkey = "{pki / "node.key"}"\n',
    )
    node = DicomNode(load_node_config(config), poll_s=0.2)
    with pytest.raises(InputError, match=r"node\.tls\.certificate/key.*certificate or key not"):
        node.start()
    assert free_port() > 0


def test_certificate_without_key_is_refused_in_the_config() -> None:
    with pytest.raises(ValueError, match="certificate and key together"):
        RemoteTls(ca=Path("ca.pem"), certificate=Path("c.pem"))

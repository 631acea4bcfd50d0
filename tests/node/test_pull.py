"""``hccrt pull`` from a real Orthanc (scripts/ci_services.sh): C-FIND, then C-GET of a study.

The case is uploaded through Orthanc's REST API, pulled by DICOM into a case folder, and the
folder is checked as ``hccrt run`` reads it. Without Orthanc the tests are skipped (failed
under ``CI=true``), like tests/node/test_orthanc.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hccrt.dicom.case import inventory_case
from hccrt.dicom.incoming import identify_file
from hccrt.errors import InputError
from hccrt.node.config import load_remote
from hccrt.phantom import PhantomOptions, PhantomResult, generate_phantom
from tests.conftest import invoke
from tests.node.conftest import (
    ORTHANC_AET,
    ORTHANC_DICOM_PORT,
    case_files,
    delete_orthanc_study,
    free_port,
    require_orthanc,
    upload_case,
)


@pytest.fixture(scope="module")
def pull_phantom(tmp_path_factory: pytest.TempPathFactory) -> PhantomResult:
    """A small phantom of its own (seed 5): test_orthanc.py adds and deletes the seed-3 study."""
    options = PhantomOptions(seed=5, matrix_size=128, slice_thickness_mm=6.0)
    return generate_phantom(tmp_path_factory.mktemp("pull_phantom"), options)


@pytest.fixture(scope="module")
def pacs_study(pull_phantom: PhantomResult) -> Iterator[tuple[str, str, int]]:
    """The phantom case in Orthanc: (patient ID, study UID, CT slices); deleted afterwards."""
    require_orthanc()
    _, study_uid = upload_case(pull_phantom)
    identity = identify_file(pull_phantom.rtstruct_path)
    try:
        yield identity.patient_id, study_uid, len(case_files(pull_phantom)) - 1
    finally:
        delete_orthanc_study(study_uid)


def _config(tmp_path: Path, port: int = ORTHANC_DICOM_PORT) -> Path:
    config = tmp_path / "node.toml"
    config.write_text(
        f'[node]\nae_title = "HCCRT"\nstore = "{tmp_path / "store"}"\n'
        f'[remotes.pacs]\nae_title = "{ORTHANC_AET}"\nhost = "127.0.0.1"\nport = {port}\n',
        encoding="utf-8",
    )
    return config


def test_a_study_is_pulled_into_a_case_folder(
    tmp_path: Path, pacs_study: tuple[str, str, int]
) -> None:
    patient_id, study_uid, slices = pacs_study
    out = tmp_path / "case"
    args = ["pull", "--from", "pacs", "--patient-id", patient_id, "--out", str(out)]
    result = invoke([*args, "--config", str(_config(tmp_path)), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["study_uid"] == study_uid
    assert payload["files"] == {"CT": slices, "RTSTRUCT": 1}
    assert payload["failed_suboperations"] == 0
    assert payload["remote"] == f"{ORTHANC_AET}@127.0.0.1:{ORTHANC_DICOM_PORT}"
    inventory = inventory_case(out)
    assert len(inventory.ct_files) == slices
    assert inventory.rtstruct is not None
    assert not list(out.rglob("*.part"))  # no staging file left behind
    again = invoke([*args, "--config", str(_config(tmp_path)), "--study-uid", study_uid])
    assert again.exit_code == 2  # the folder now holds the case: never overwritten
    assert "--out=" in again.stderr
    assert "exists and is not an empty folder" in again.stderr


def test_an_unknown_patient_is_named(tmp_path: Path, pacs_study: tuple[str, str, int]) -> None:
    out = tmp_path / "case"
    result = invoke(
        ["pull", "--from", "pacs", "--patient-id", "NO-SUCH-PATIENT", "--out", str(out),
         "--config", str(_config(tmp_path))]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--patient-id=NO-SUCH-PATIENT: the PACS has no patient with this ID" in result.stderr
    assert not out.exists()


# pynetdicom 3.0.4 leaves the socket of a refused connection for the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_pacs_that_is_down_is_reported(tmp_path: Path) -> None:
    from hccrt.node._pull import pull_study

    calling, remote = load_remote(_config(tmp_path, free_port()), "pacs")
    with pytest.raises(InputError, match=r"--from=HCCRT_PACS@127.0.0.1:\d+: association refused"):
        pull_study(remote, calling, "X", tmp_path / "case", timeout_s=5.0)


def test_an_unknown_remote_names_the_known_ones(tmp_path: Path) -> None:
    result = invoke(
        ["pull", "--from", "nowhere", "--patient-id", "X", "--out", str(tmp_path / "c"),
         "--config", str(_config(tmp_path))]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--from=nowhere: not a [remotes] entry of node.toml (pacs)" in result.stderr


def test_a_bad_remote_port_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"node.toml:remotes.pacs.port=0: Input should be"):
        load_remote(_config(tmp_path, 0), "pacs")


def test_a_nan_timeout_is_refused(tmp_path: Path) -> None:
    result = invoke(
        ["pull", "--from", "pacs", "--patient-id", "X", "--out", str(tmp_path / "c"),
         "--config", str(_config(tmp_path)), "--timeout-s", "nan"]
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--timeout-s" in result.stderr

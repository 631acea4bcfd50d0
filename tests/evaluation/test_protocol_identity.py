"""A protocol's identity is its content hash; file protocols cannot pose as packaged ones.

Issue 15 item 1: a secret JSON file's keys and values came back in the error, and a planted
protocol with no constraints gave a PASS labelled as the packaged ``hcc_sbrt_5fx 1.0``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.evaluation import (
    load_packaged_protocol,
    load_protocol,
    packaged_protocol_names,
)

PACKAGED = json.loads(
    resources.files("hccrt.evaluation").joinpath("protocols/hcc_sbrt_5fx.json").read_text()
)


def test_packaged_names_and_loading_by_name_only() -> None:
    assert packaged_protocol_names() == (
        "hcc_sbrt_3fx", "hcc_sbrt_5fx", "hcc_hypofractionated_5x10", "hcc_conventional"
    )  # fmt: skip
    protocol = load_packaged_protocol("hcc_sbrt_5fx")
    identity = protocol.identity()
    assert identity["id"] == "hcc_sbrt_5fx"
    assert identity["origin"] == "packaged"
    assert len(identity["sha256"]) == 64
    with pytest.raises(InputError, match=r"protocol=/etc/x\.json: not a packaged protocol"):
        load_packaged_protocol("/etc/x.json")


def test_the_hash_is_of_the_content(tmp_path: Path) -> None:
    same = tmp_path / "copy.json"
    same.write_text(json.dumps(PACKAGED, indent=4))  # other whitespace, same content
    copied = load_protocol(same)
    assert copied.sha256 == load_packaged_protocol("hcc_sbrt_5fx").sha256
    changed = dict(PACKAGED, title="edited")
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(changed))
    assert load_protocol(edited).sha256 != copied.sha256


def test_a_file_is_labelled_by_path_and_hash_not_by_the_id_it_claims(tmp_path: Path) -> None:
    loosened = dict(PACKAGED, constraints=PACKAGED["constraints"][:1])
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(loosened))
    identity = load_protocol(path).identity()
    assert identity["id"] == f"file {path.resolve()}"
    assert identity["origin"] == str(path.resolve())
    assert identity["claimed_id"] == "hcc_sbrt_5fx"
    assert "not a packaged protocol" in identity["title"]
    assert "same_as_packaged" not in identity


def test_a_protocol_without_constraints_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(dict(PACKAGED, constraints=[])))
    with pytest.raises(InputError, match="no constraints: a protocol needs at least one"):
        load_protocol(path)


def test_a_secret_file_is_not_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secrets.json"
    secret.write_text(json.dumps({"db_password": "hunter2-s3cret", "api_key": "AKIA-XYZ"}))
    with pytest.raises(InputError) as caught:
        load_protocol(secret)
    message = str(caught.value)
    assert "not a valid protocol (missing constraints, fractionation, id" in message
    for leaked in ("hunter2", "db_password", "api_key", "AKIA"):
        assert leaked not in message

"""node.toml: valid settings load, every mistake is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hccrt.errors import InputError
from hccrt.node import load_node_config

VALID = """
[node]
ae_title = "HCCRT"
port = 11112
store = "{store}"
allowed_callers = ["ORTHANC", "ECLIPSE"]
quiet_period_s = 30.0
send_results_to = "pacs"

[run]
technique = "3dcrt"
prescription_gy = 50.0
fractions = 25

[remotes.pacs]
ae_title = "ORTHANC"
host = "127.0.0.1"
port = 4242
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(text.replace("{store}", str(tmp_path / "store")))
    return path


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = load_node_config(_write(tmp_path, VALID))
    assert config.allowed_callers == ("ORTHANC", "ECLIPSE")
    assert config.destination is not None
    assert config.destination.port == 4242
    assert config.run.fractions == 25
    assert config.case_timeout_s == 3600.0


def test_command_line_values_override_the_file(tmp_path: Path) -> None:
    config = load_node_config(_write(tmp_path, VALID), port=11113, ae_title="OTHER")
    assert (config.port, config.ae_title) == (11113, "OTHER")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('port = 11112', 'port = 0'), r"node.toml:port=0: Input should be greater than or equal"),
        (('ae_title = "HCCRT"', 'ae_title = "A_TITLE_TOO_LONG_X"'), "1-16 printable ASCII"),
        (('send_results_to = "pacs"', 'send_results_to = "nowhere"'), "names 'nowhere'"),
        (('quiet_period_s = 30.0', 'quiet_period_s = 30.0\ncase_timeout_s = 10.0'),
         "case_timeout_s must be longer"),
        (('fractions = 25', ''), "prescription_gy and fractions together"),
        (('[run]', '[run]\ncolour = "red"'), "run.colour=red: Extra inputs are not permitted"),
        (('[node]', '[nodes]\n[node]'), "unknown table"),
        (('port = 11112', 'port = "eleven"'), "node.toml:port=eleven"),
    ],
)  # fmt: skip
def test_each_mistake_is_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_node_config(_write(tmp_path, VALID.replace(*change, 1)))


def test_a_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"--config=.*: file not found"):
        load_node_config(tmp_path / "nope.toml")
    with pytest.raises(InputError, match="not valid TOML"):
        load_node_config(_write(tmp_path, "[node\n"))


def test_the_store_is_required(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"node.toml:store.*Field required"):
        load_node_config(None)

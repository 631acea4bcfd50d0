from hccrt import __version__
from tests.conftest import invoke


def test_version_and_help() -> None:
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert __version__ in result.stdout
    assert invoke(["--help"]).exit_code == 0


def test_unknown_command_is_usage_error() -> None:
    result = invoke(["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.stderr

"""What ``hccrt serve`` checks and says before it starts: a free port, the first admin account.

The command line calls these before it prints its banner, so a port already in use is one line
of error (exit 2) and a fresh store says how to create its first account; the login page shows
the same hint while no account exists.
"""

from __future__ import annotations

import socket

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hccrt.errors import InputError
from hccrt.store.models import User

FIRST_ADMIN_COMMAND = "hccrt serve --create-admin NAME"
"""The command that creates the first admin (the password is read from a terminal or env)."""


def require_free_port(host: str, port: int) -> None:
    """Check that ``host:port`` can be listened on, before anything is printed or started.

    Raises
    ------
    InputError
        When another program listens there (or the address is not this machine's).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds (SO_REUSEADDR): a socket in TIME_WAIT is no conflict, a listener is.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InputError(
                "--port",
                f"cannot listen on {host}:{port} ({error.strerror or error})",
                port,
                "stop the program using that port (is hccrt already running?) or choose "
                "another --port",
            ) from None


def has_accounts(sessions: sessionmaker[Session]) -> bool:
    """Whether the store has at least one account."""
    with sessions() as session:
        return bool(session.scalar(select(func.count()).select_from(User)))


def first_admin_hint(data_dir_option: str = "") -> str:
    """The sentence that tells how to create the first admin account.

    Parameters
    ----------
    data_dir_option
        Extra options to repeat in the command (e.g. ``"--data-dir /srv/hccrt"``).
    """
    command = f"{FIRST_ADMIN_COMMAND} {data_dir_option}".strip()
    return (
        f"No account exists yet. Create the first administrator with: {command} "
        "(it asks for the password, or reads HCCRT_ADMIN_PASSWORD)."
    )

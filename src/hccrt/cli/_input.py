"""Command-line input rules shared by every command, and the one-line form of parse errors.

* :func:`finite_float` is the parser of every float option (``typer.Option(parser=...)``): it
  refuses ``nan`` and ``inf``, which Python's ``float()`` would accept;
* :func:`number_list` parses comma-separated numbers (``--gantry-angles 0,90``) by the same rule;
* :func:`usage_error_line` and :func:`os_error_line` give Typer's own parse errors and the
  file-system errors a user causes the project's ``field=value: rule; fix`` form (exit code 2).
"""

from __future__ import annotations

import errno
import math
from typing import Any

from pydantic import ValidationError

from hccrt.errors import InputError
from hccrt.numbers import check_number


def finite_float(text: Any) -> float:
    """A float option's value: a finite number (``nan``, ``inf`` and words are refused).

    Raises
    ------
    InputError
        Not a number, or not finite; :func:`usage_error_line` names the option.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        return check_number("value", text)  # a default value
    try:
        number = float(str(text))
    except ValueError:
        raise InputError("value", "must be a number", text, "give a number such as 2.5") from None
    if not math.isfinite(number):
        raise InputError("value", "must be finite (not NaN or infinity)", text, "give a number")
    return number


def number_list(text: str, field: str, example: str) -> tuple[float, ...]:
    """Comma-separated finite numbers, e.g. ``"0,90,180"``.

    Raises
    ------
    InputError
        A part that is not a finite number (named by ``field``, with ``example`` as the fix).
    """
    values = []
    for part in text.split(","):
        try:
            values.append(finite_float(part.strip()))
        except InputError:
            raise InputError(
                field, "must be comma-separated finite numbers", text, f"e.g. {example}"
            ) from None
    return tuple(values)


def _name(error: Any) -> str:
    param = getattr(error, "param", None)
    if param is None:
        return str(getattr(error, "option_name", "") or "")
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.name or "").upper()
    opts = getattr(param, "opts", None) or []
    return str(opts[0]) if opts else str(param.name or "")


def usage_error_line(error: Any) -> str:
    """One ``field=value: rule; fix`` line for a Typer/Click usage error.

    Parameters
    ----------
    error
        The usage error Typer raised: a bad option value (with its pydantic cause), a missing
        option or argument, an unknown option or command.

    Returns
    -------
    str
        The line, without the ``error:`` prefix.
    """
    ctx = getattr(error, "ctx", None)
    root = ctx.find_root().command_path if ctx is not None else ""
    command = "hccrt" + (ctx.command_path[len(root) :] if ctx is not None else "")
    help_fix = f"see {command} --help"
    name = _name(error) or "command"
    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        first = cause.errors()[0]
        inner = (first.get("ctx") or {}).get("error")
        if isinstance(inner, InputError):
            return str(InputError(name, inner.rule, inner.value, inner.fix))
        choices = getattr(getattr(error.param, "type_descriptor", None), "choices", None)
        rule = (
            f"must be one of {', '.join(str(c) for c in choices)}"
            if choices
            else str(first["msg"]).removeprefix("Value error, ").rstrip(".")
        )
        return str(InputError(name, rule, first.get("input"), help_fix))
    kind = type(error).__name__
    message = str(error.format_message() if hasattr(error, "format_message") else error)
    if kind == "MissingParameter":
        what = getattr(getattr(error, "param", None), "param_type_name", "value")
        return str(InputError(name, f"missing required {what}", None, help_fix))
    if kind == "NoSuchOption":
        possible = sorted(getattr(error, "possibilities", None) or ())
        fix = f"did you mean {possible[0]}?" if possible else help_fix
        return str(InputError(name, "no such option", None, fix))
    return str(InputError(name, message.rstrip("."), None, help_fix))


_USER_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT}


def os_error_line(error: OSError) -> str | None:
    """One line for a file-system error the user can fix (permissions, full disk), else ``None``.

    Examples
    --------
    >>> os_error_line(PermissionError(13, "Permission denied", "/results"))
    '/results: permission denied; choose a folder you can write to, or change its permissions'
    """
    where = error.filename or "file"
    if isinstance(error, NotADirectoryError):
        return str(InputError(where, "a part of the path is a file", None, "give a folder path"))
    if isinstance(error, IsADirectoryError):
        return str(InputError(where, "is a folder", None, "give a file path"))
    if error.errno not in _USER_ERRNOS:
        return None
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return str(InputError(where, "no space left", None, "free disk space or write elsewhere"))
    rule = "read-only file system" if error.errno == errno.EROFS else "permission denied"
    return str(
        InputError(where, rule, None, "choose a folder you can write to, or change its permissions")
    )

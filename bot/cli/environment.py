"""Every ``poolbot`` command answers an environment problem with one line and exit code 2.

The root command group catches what the environment gets wrong (the database, the disk, files and
folders) around whichever command runs, says the cause and the fix in one red line, and exits; a
defect of poolbot itself still raises with its traceback.
"""

from __future__ import annotations

import errno
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from bot.storage import problems

_target: dict[str, str] = {}  # the database URL the running command uses, for the messages


def using(url: str) -> None:
    """Name the database of the running command in any problem it meets."""
    _target["url"] = url


class EnvironmentGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except Exception as exc:  # typer's own Exit and usage errors are described as None: re-raised
            line = describe(exc)
            if line is None:
                raise
            Console(stderr=True, soft_wrap=True).print(Text(line, style="red"))
            raise typer.Exit(2) from exc


def describe(exc: BaseException) -> str | None:
    """The one line for ``exc``, or None when it is not the environment's problem."""
    found = problems.describe(exc, _target.get("url"))
    if found is not None:
        return found
    if isinstance(exc, OSError):
        return os_problem(exc)
    return None


def os_problem(exc: OSError) -> str | None:
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        return f"{where}the disk is full ({reason}): free some space, then run the command again."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{where}{reason}: make it writable for this user, or choose another path."
    if exc.errno == errno.EISDIR:
        return f"{where}is a directory: give the path of a file."
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"{where}{reason}: check the path."
    return None

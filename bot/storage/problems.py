"""A database the environment got wrong, said in one line: the cause and the fix.

``check_url`` refuses a URL poolbot cannot use before anything connects; ``describe`` turns the
errors of a connection or a statement (server down, no such database, a read-only or full SQLite
file) into the sentence an operator reads. Both name the URL with its password hidden.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

USE = "use sqlite:///path/to/poolbot.db or postgresql://user@host/database"


class DatabaseProblem(Exception):
    """The database URL or the database cannot be used; the message is one line for the operator."""


def redact(url: str) -> str:
    """A database URL fit for logs and messages: the password replaced."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL and for an in-memory SQLite database)."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database.removeprefix("file:").split("?", 1)[0])


def check_url(url: str, *, must_exist: bool = False) -> None:
    """Raise :class:`DatabaseProblem` unless ``url`` is an SQLite or PostgreSQL URL poolbot can open
    (for SQLite: its folder exists; with ``must_exist``, the file too)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseProblem(f"DATABASE_URL is not a database URL: {USE}.") from exc
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseProblem(f"DATABASE_URL has an unknown scheme {parsed.drivername!r}: {USE}.")
    path = sqlite_path(url)
    if path is None:
        return
    if not path.parent.is_dir():
        raise DatabaseProblem(
            f"The SQLite database {path} cannot be created: the folder {path.parent} does not exist "
            "(create it, or fix DATABASE_URL)."
        )
    if must_exist and not path.is_file():
        raise DatabaseProblem(
            f"There is no SQLite database at {path}: run `poolbot db upgrade` (or fix DATABASE_URL)."
        )


def describe(exc: BaseException, url: str | None) -> str | None:
    """One line for an error of the database behind ``url``; None when it is not the environment's."""
    if isinstance(exc, DatabaseProblem):
        return str(exc)
    where = redact(url) if url else "the database"
    if isinstance(exc, NoSuchModuleError | ArgumentError):
        return f"DATABASE_URL cannot be used ({_first_line(exc)}): {USE}."
    if not isinstance(exc, DBAPIError):
        return None
    text = _first_line(exc.orig if exc.orig is not None else exc)
    lower = text.lower()
    if "database or disk is full" in lower or "no space left" in lower or "could not extend file" in lower:
        return f"The disk of {where} is full ({text}): free some space, then run the command again."
    if "readonly database" in lower or "read-only" in lower:
        return (
            f"{where} is read-only ({text}): this command writes, so make the database file and its "
            "folder writable (export, jobs status and db current work read-only)."
        )
    if "unable to open database file" in lower:
        return f"Cannot open {where} ({text}): check that the file and its folder exist and may be read."
    if "does not exist" in lower and "database" in lower:
        return f"{where}: {text}: create that database, or point DATABASE_URL at the right one."
    if "password authentication failed" in lower or ("role" in lower and "does not exist" in lower):
        return f"{where} refused the login ({text}): fix the user or password in DATABASE_URL."
    if exc.connection_invalidated or "connect" in lower or "timeout" in lower or "resolve" in lower:
        return f"Cannot reach {where} ({text}): check DATABASE_URL and that the database server is running."
    return None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__

"""A broken environment gets one line naming the cause and the fix, a non-zero exit, no traceback.

Every test runs the real ``poolbot`` command (typer's CliRunner, or a subprocess where the process's
own permissions matter) and checks exactly that: the exit code, one line on stderr, no traceback.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_ADMIN_URL
from sqlalchemy import Engine, event
from typer.testing import CliRunner, Result

from bot.cli import app

EXAMPLE = Path(__file__).parent.parent / "config" / "poolbot.example.toml"
ROOT = Path(__file__).parent.parent
PG_BASE = PG_ADMIN_URL.rsplit("/", 1)[0]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in (
        "DATABASE_URL",
        "POOLBOT_CONFIG",
        "POOLBOT_FILES_DIR",
        "SLACK_BOT_TOKEN",
        "DINGTALK_CLIENT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "poolbot.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "customers.csv").write_text("name,phone\nAcme,13800000001\nGlobex,+1 555 0100\n", "utf-8")
    return tmp_path


def invoke(args: list[str], env: dict[str, str] | None = None, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(app, args, env=env, input=stdin)


def one_line(result: Result, *words: str) -> str:
    """The single line a refusal prints on stderr; fails unless the exit code is non-zero."""
    assert result.exit_code != 0, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    ), result.exception
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# ---- the database URL ----------------------------------------------------------------------------


COMMANDS = [
    ["export"],
    ["jobs", "status"],
    ["db", "current"],
    ["db", "upgrade"],
    ["demo"],
    ["import", "customers.csv", "--pool", "east-main"],
]
URLS = [
    ("postgresql://postgres@127.0.0.1:1/poolbot", "Cannot reach"),
    ("mysql://user@localhost/poolbot", "unknown scheme 'mysql'"),
    ("ftp://example.com/poolbot", "unknown scheme 'ftp'"),
    ("not a url at all", "not a database URL"),
    ("sqlite:////nonexistent/folder/poolbot.db", "does not exist"),
]


@pytest.mark.parametrize(("url", "says"), URLS, ids=[u for u, _ in URLS])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_database_url_that_cannot_work_is_one_line(
    workdir: Path, command: list[str], url: str, says: str
) -> None:
    line = one_line(invoke(command, env={"DATABASE_URL": url}), says)
    assert "DATABASE_URL" in line or "database" in line


def test_a_database_that_does_not_exist_on_the_server(
    workdir: Path, postgres_unavailable: str | None
) -> None:
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    url = f"{PG_BASE}/poolbot_no_such_database"
    for command in (["export"], ["db", "upgrade"], ["chat", "--as", "alice"]):
        one_line(invoke(command, env={"DATABASE_URL": url}), "does not exist", "DATABASE_URL")


@pytest.mark.parametrize("command", [["export"], ["jobs", "status"]], ids=" ".join)
def test_a_read_only_command_on_a_missing_sqlite_file_creates_nothing(
    workdir: Path, command: list[str]
) -> None:
    one_line(
        invoke(command, env={"DATABASE_URL": "sqlite:///./absent.db"}), "no SQLite database", "db upgrade"
    )
    assert not (workdir / "absent.db").exists()


def test_the_password_is_never_shown(workdir: Path) -> None:
    line = one_line(invoke(["export"], env={"DATABASE_URL": "postgresql://u:s3cret@127.0.0.1:1/x"}))
    assert "s3cret" not in line and "***" in line


# ---- the config file -----------------------------------------------------------------------------


def test_a_config_file_that_is_a_directory(workdir: Path) -> None:
    (workdir / "dir.toml").mkdir()
    one_line(invoke(["export", "--config", "dir.toml"]), "is a directory")
    one_line(invoke(["db", "current"], env={"POOLBOT_CONFIG": "dir.toml"}), "is a directory")


def test_a_config_file_that_is_not_utf8(workdir: Path) -> None:
    (workdir / "gbk.toml").write_bytes('[[teams]]\nname = "华东"\n'.encode("gb18030"))
    one_line(invoke(["jobs", "status", "--config", "gbk.toml"]), "not UTF-8", "gbk.toml")


# ---- the commands' own arguments -----------------------------------------------------------------


def test_db_upgrade_to_an_unknown_revision(workdir: Path) -> None:
    one_line(invoke(["db", "upgrade", "zzz9"]), "Unknown revision 'zzz9'", "0001")


def test_an_sqlite_too_old_for_the_pool_search_is_one_line(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0012's FTS5 trigram table needs SQLite 3.34; an older library says so and how."""
    monkeypatch.setattr("sqlite3.sqlite_version_info", (3, 31, 1))
    one_line(invoke(["db", "upgrade"]), "needs SQLite 3.34 or newer", "PostgreSQL")


@pytest.mark.parametrize("at", ["0001-01-01T00:00+14:00", "9999-12-31T23:00-12:00", "1900-01-01T00:00+00:00"])
def test_jobs_run_at_outside_the_supported_range(workdir: Path, at: str) -> None:
    one_line(invoke(["jobs", "run", "recycle", "--at", at, "--dry-run"]), "outside the supported range")


def demo(workdir: Path, env: dict[str, str] | None = None) -> None:
    """The demo team (maria, alice, bob, chen) in a database of its own, without the example config."""
    (workdir / "config" / "poolbot.toml").unlink()
    loaded = invoke(["demo"], env=env)
    assert loaded.exit_code == 0, loaded.output


def test_jobs_run_dispatch_reports_what_it_delivered(workdir: Path) -> None:
    demo(workdir)
    result = invoke(["jobs", "run", "dispatch"])
    assert result.exit_code == 0, result.output
    assert "dispatch: sent=" in result.stdout and result.exception is None


def test_export_to_a_directory_or_a_missing_folder(workdir: Path) -> None:
    (workdir / "out").mkdir()
    one_line(invoke(["export", "-o", "out"]), "is a directory")
    one_line(invoke(["export", "-o", "missing/out.csv"]), "does not exist")
    assert list((workdir / "out").iterdir()) == []


def test_export_on_a_full_disk_leaves_no_file(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The export is written to a temporary file beside the target and renamed when complete."""
    from bot import exporter

    assert invoke(["import", "customers.csv", "--pool", "east-main"]).exit_code == 0
    (workdir / "out.csv").write_text("the previous export\n", encoding="utf-8")
    real = exporter.export_csv

    def disk_fills_up(db: Any, out: Any, **kwargs: Any) -> int:
        real(db, out, **kwargs)
        out.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(exporter, "export_csv", disk_fills_up)
    one_line(invoke(["export", "-o", "out.csv"]), "disk is full", "out.csv")
    assert (workdir / "out.csv").read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in workdir.iterdir() if "out.csv" in p.name) == ["out.csv"]


def test_a_full_sqlite_database_is_one_line(workdir: Path) -> None:
    """SQLite's own "database or disk is full" (the file may not grow: max_page_count)."""
    assert invoke(["db", "upgrade"]).exit_code == 0
    rows = "".join(f"Company {i:06d},{13000000000 + i}\n" for i in range(3000))
    (workdir / "many.csv").write_text("name,phone\n" + rows, encoding="utf-8")

    def cannot_grow(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(Engine, "connect", cannot_grow)
    try:
        one_line(invoke(["import", "many.csv", "--pool", "east-main"]), "is full", "free some space")
    finally:
        event.remove(Engine, "connect", cannot_grow)


# ---- files the bot writes ------------------------------------------------------------------------


def test_report_with_an_unwritable_files_dir_shows_its_table(workdir: Path) -> None:
    (workdir / "a-file").write_text("not a folder", encoding="utf-8")
    env = {"POOLBOT_FILES_DIR": str(workdir / "a-file" / "charts")}
    demo(workdir, env)
    result = invoke(["chat", "--as", "maria"], env=env, stdin=b"/report\n")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "POOLBOT_FILES_DIR" in result.stdout  # the chart could not be saved, said in the reply
    assert "maria> /report" in result.stdout and "Alice" in result.stdout  # the table is there


# ---- standard input ------------------------------------------------------------------------------


def test_chat_skips_a_line_that_is_not_utf8_and_exits_1(workdir: Path) -> None:
    demo(workdir)
    result = invoke(["chat", "--as", "alice"], stdin=b"/mine\n/claim \xff\xfe bad\n/help\n")
    one_line(result, "line 2", "not UTF-8")
    assert result.exit_code == 1
    assert "alice> /mine" in result.stdout and "alice> /help" in result.stdout


# ---- a read-only database ------------------------------------------------------------------------


def _unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``poolbot`` in a subprocess that obeys file permissions even as root (CAP_DAC_OVERRIDE off)."""
    command = [sys.executable, "-m", "bot.cli", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "POOLBOT_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def read_only_folder() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="poolbot_ro_"))
    try:
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(folder)


@pytest.mark.parametrize("lock", ["file", "file and folder"])
def test_read_only_commands_work_on_a_read_only_database(read_only_folder: Path, lock: str) -> None:
    folder = read_only_folder
    (folder / "config").mkdir()
    (folder / "config" / "poolbot.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), "utf-8")
    (folder / "c.csv").write_text("name,phone\nAcme,13800000001\n", "utf-8")
    assert _unprivileged(["import", "c.csv", "--pool", "east-main"], folder).returncode == 0
    database = folder / "poolbot.db"
    database.chmod(0o444)
    if lock == "file and folder":
        folder.chmod(0o555)

    exported = _unprivileged(["export"], folder)
    assert exported.returncode == 0, exported.stderr
    assert "Acme" in exported.stdout
    status = _unprivileged(["jobs", "status"], folder)
    assert status.returncode == 0 and "recycle" in status.stdout, status.stderr
    current = _unprivileged(["db", "current"], folder)
    assert current.returncode == 0 and current.stdout.strip().startswith("00"), current.stderr

    writes = _unprivileged(["import", "c.csv", "--pool", "east-main"], folder)
    assert writes.returncode == 2 and "Traceback" not in writes.stderr, writes.stderr
    lines = [line for line in writes.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "read-only" in lines[0], writes.stderr


def test_the_console_skips_a_line_that_is_not_utf8(workdir: Path) -> None:
    result = invoke(["run"], stdin=b"\xff\xfe\n/help\n")
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "not UTF-8" in result.stderr and "Traceback" not in result.output
    assert "/认领 <客户>" in result.stdout  # the next line still ran

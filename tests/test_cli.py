"""The ``poolbot`` command as an admin and a rep use it, on a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.storage import migrate

EXAMPLE = Path(__file__).parent.parent / "config" / "poolbot.example.toml"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "POOLBOT_CONFIG", "SLACK_BOT_TOKEN", "DINGTALK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "poolbot.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "customers.csv").write_text(
        "客户名称,联系人,电话,优先级\n杭州云帆科技有限公司,王总,13800000001,A\nAcme Corp,Ann,+1 555 0100,B\n",
        encoding="utf-8",
    )
    return tmp_path


def test_import_then_chat_from_standard_input(workdir: Path) -> None:
    runner = CliRunner()
    imported = runner.invoke(app, ["import", "customers.csv", "--pool", "east-main"])
    assert imported.exit_code == 0, imported.output
    script = "# a comment\n/claim 杭州云帆科技有限公司\n/mine\n/as maria\n/assign #2 bob\n"
    result = runner.invoke(app, ["chat", "--as", "alice"], input=script)
    assert result.exit_code == 0, result.output
    assert "alice> /claim 杭州云帆科技有限公司" in result.output
    assert "杭州云帆科技有限公司 is yours" in result.output or "认领成功" in result.output
    assert "Acme Corp 已分配给 Bob" in result.output  # the example team speaks zh-CN
    assert (workdir / "poolbot.db").exists()


def test_chat_as_unknown_member_exits_with_a_message(workdir: Path) -> None:
    result = CliRunner().invoke(app, ["chat", "--as", "ghost"], input="/mine\n")
    assert result.exit_code == 1
    assert "Unknown member 'ghost'" in result.output


def test_chat_as_an_inactive_member_says_the_member_is_inactive(workdir: Path) -> None:
    toml = workdir / "config" / "poolbot.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("active = true", "active = false", 1), encoding="utf-8")
    handle = text.split("active = true")[0].rsplit('handle = "', 1)[1].split('"', 1)[0]
    result = CliRunner().invoke(app, ["chat", "--as", handle], input="/mine\n")
    assert result.exit_code == 1
    assert "is inactive. Ask an admin." in result.output and "Unknown member" not in result.output


def test_run_opens_the_console_and_quits_on_end_of_input(workdir: Path) -> None:
    result = CliRunner().invoke(app, ["run"], input="/help\n")
    assert result.exit_code == 0, result.output
    assert "poolbot console on sqlite:///./poolbot.db" in result.output
    assert "/认领 <客户>" in result.output


def test_db_upgrade_and_current(workdir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    current = runner.invoke(app, ["db", "current"])
    assert current.output.strip() == migrate.head()


def test_export_writes_owner_and_deadline(workdir: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["import", "customers.csv", "--pool", "east-main"])
    runner.invoke(app, ["chat", "--as", "alice"], input="/claim #1\n")
    result = runner.invoke(app, ["export", "-o", "out.csv"])
    assert result.exit_code == 0, result.output
    text = (workdir / "out.csv").read_text(encoding="utf-8-sig")
    row = next(line for line in text.splitlines() if "杭州云帆" in line)
    assert "alice" in row


def test_the_console_script_is_still_bot_cli_app() -> None:
    """bot/cli became a package: the installed ``poolbot`` script and ``python -m bot.cli`` still work."""
    import subprocess
    import sys
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "poolbot"]
    assert script.value == "bot.cli:app" and script.load() is app
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and "import" in done.stdout and "export" in done.stdout


def test_jobs_status_warns_when_the_holiday_schedule_runs_out(workdir: Path) -> None:
    """``holidays = "CN"`` past chinesecalendar's last published year: the admin is told in
    ``jobs status`` (and at start); the warning follows the library actually installed."""
    from datetime import UTC, datetime

    from bot.domain.calendar import build

    toml = workdir / "config" / "poolbot.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('# holidays = "CN"', 'holidays = "CN"'), "utf-8")
    started = CliRunner().invoke(app, ["run"], input="/help\n")  # syncs the config into the file
    assert started.exit_code == 0, started.output
    result = CliRunner().invoke(app, ["jobs", "status"])
    assert result.exit_code == 0, result.output
    calendar = build(
        timezone="Asia/Shanghai", locale="zh-CN", working_days="mon,tue,wed,thu,fri", holidays="CN"
    )
    expected = calendar.warning(datetime.now(UTC).date())
    assert "last_day" in result.output
    if expected is None:
        assert "no published schedule" not in result.output
    else:
        assert f"warning: team 'east': {expected}" in " ".join(result.output.split())

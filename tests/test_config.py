"""A broken config names the file, the key and what is wrong; nothing starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import ConfigError, load_config

EXAMPLE = Path(__file__).parent.parent / "config" / "poolbot.example.toml"


def test_the_example_config_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert {p.name for p in config.pools} == {"east-main", "east-key-accounts"}
    assert config.pools[0].recycle_days.B == 15


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("max_held_per_rep = 50", "max_held_per_rep = -1"),
            "pools[0].max_held_per_rep: Input should be greater",
        ),
        (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), "teams[0].timezone: unknown time zone"),
        (
            ('role = "manager"', 'role = "boss"'),
            "members[0].role: Input should be 'rep', 'manager' or 'admin'",
        ),
        (("B = 15", 'B = "two weeks"'), "pools[0].recycle_days.B: Input should be a valid integer"),
        (
            ('name = "east-main"\nteam = "east"', 'name = "east-main"\nteam = "west"'),
            "pools[0].team: no team named 'west'",
        ),
        (
            ("warn_days = 3", "warn_days = 3\nwarn_dayz = 4"),
            "pools[0].warn_dayz: Extra inputs are not permitted",
        ),
        (('name = "east"\n', 'name = "east"\nslack_bot_token = "xoxb-1"\n'), "teams[0].slack_bot_token"),
    ],
)
def test_broken_config_names_file_key_and_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / "poolbot.toml"
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_top_level_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('slack_bot_token = "xoxb-secret"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="slack_bot_token: secrets go in the environment"):
        load_config(path)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[[teams]\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")


def test_cli_refuses_to_start_on_a_broken_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace("warn_days = 3", "warn_days = -3"), "utf-8")
    result = CliRunner().invoke(app, ["chat", "--as", "alice", "--config", str(path)], input="/mine\n")
    assert result.exit_code == 2
    assert "warn_days" in result.output and "bad.toml" in result.output
    assert not (tmp_path / "poolbot.db").exists()


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db:5432/pool", "postgresql+psycopg://u:p@db:5432/pool"),
        ("postgresql://u@db/pool", "postgresql+psycopg://u@db/pool"),
        ("postgresql+psycopg://u@db/pool", "postgresql+psycopg://u@db/pool"),
        ("sqlite:///./poolbot.db", "sqlite:///./poolbot.db"),
    ],
)
def test_database_urls_from_any_host_work(given: str, used: str) -> None:
    from bot.settings import normalize_database_url

    assert normalize_database_url(given) == used


def test_environment_overrides_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    path = tmp_path / "p.toml"
    path.write_text('database_url = "sqlite:///from-file.db"\n', encoding="utf-8")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings(poolbot_config=path)
    assert settings.resolved_database_url(settings.load()) == "sqlite:///from-file.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://env@db/pool")
    settings = Settings(poolbot_config=path)
    assert settings.resolved_database_url(settings.load()) == "postgresql+psycopg://env@db/pool"


ASSIGNMENT = """
[pools.assignment]
strategy = "rules"
pick = "round_robin"
on_import = true

[[pools.assignment.rules]]
region = "East"
members = ["alice"]
"""


def _with_assignment(tmp_path: Path, block: str) -> Path:
    """The example config with ``block`` added to its first pool (east-main)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    marker = '\n[[pools]]\nname = "east-key-accounts"'
    assert marker in text
    path = tmp_path / "poolbot.toml"
    path.write_text(text.replace(marker, block + marker, 1), encoding="utf-8")
    return path


def test_pool_assignment_is_read_from_the_pool_table(tmp_path: Path) -> None:
    config = load_config(_with_assignment(tmp_path, ASSIGNMENT))
    settings = config.pools[0].assignment
    assert settings is not None and settings.strategy == "rules" and settings.on_import
    assert settings.rules[0].region == "East" and settings.rules[0].members == ("alice",)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            ASSIGNMENT.replace('["alice"]', '["zoe"]'),
            "pools[0].assignment.rules[0].members: 'zoe' is not a rep",
        ),
        (ASSIGNMENT.replace('["alice"]', '["maria"]'), "'maria' is not a rep of team 'east'"),
        (ASSIGNMENT.replace('"rules"', '"fastest"'), "pools[0].assignment.strategy: Input should be"),
        (ASSIGNMENT.replace('region = "East"\n', ""), "a rule needs at least one of region"),
        (ASSIGNMENT.replace('strategy = "rules"', 'strategy = "round_robin"'), "apply only with strategy"),
        ('\n[pools.assignment]\nstrategy = "rules"\n', 'strategy "rules" needs at least one'),
        (
            "\n[pools.assignment]\nsmart_floor = 0\n",
            "pools[0].assignment.smart_floor: Input should be greater",
        ),
    ],
)
def test_broken_assignment_names_the_key(tmp_path: Path, block: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_with_assignment(tmp_path, block))
    assert message in str(caught.value)


def test_a_config_path_that_is_a_directory_or_not_utf8_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "poolbot.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match="is a directory") as raised:
        load_config(folder)
    assert "\n" not in str(raised.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[[teams]]\nname = "Zürich"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8 text") as raised:
        load_config(latin)
    assert "\n" not in str(raised.value) and "latin.toml" in str(raised.value)

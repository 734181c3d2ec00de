"""The boundaries an engineer taking this over relies on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.i18n import AREAS, EN, ZH

BOT = Path(__file__).parent.parent / "bot"
CHAT_SDKS = ("slack_bolt", "slack_sdk", "dingtalk_stream")
SQL_LIBRARIES = ("sqlalchemy", "sqlmodel", "psycopg")

# Each part of bot/ and the parts it may import (besides itself and the standard library and
# third-party packages). A "part" is a sub-package (handlers' surfaces each count as their own) or a
# top-level module. The composition root (app, surfaces, cli) may import anything.
LEAVES: set[str] = set()
ALLOWED: dict[str, set[str]] = {
    "messages": LEAVES,
    "i18n": LEAVES,
    "names": LEAVES,
    "logs": LEAVES,
    "config": LEAVES,
    "settings": {"config"},
    "spreadsheet": {"names"},
    "delivery": {"messages"},
    "storage": {"names", "config"},
    "domain": {"storage", "config", "i18n", "names", "logs"},
    "scheduler": {"domain", "storage", "delivery", "messages", "config", "logs"},
    "importer": {"domain", "storage", "spreadsheet", "names", "config"},
    "exporter": {"domain", "storage"},
    "demo": {"domain", "storage", "config", "names"},
}
# every part of the chat side: the command table, the notice renderers, the surfaces
HANDLERS = {
    "handlers",
    "handlers.table",
    "handlers.notices",
    "handlers.console",
    "handlers.slack",
    "handlers.dingtalk",
}
for _part in HANDLERS:
    ALLOWED[_part] = {
        *HANDLERS,
        "domain",
        "delivery",
        "messages",
        "i18n",
        "names",
        "logs",
        "config",
        "settings",
    }
COMPOSITION_ROOT = {"app", "surfaces", "cli"}


def _part_of(module: str) -> str | None:
    """``bot.handlers.slack.listeners`` -> ``handlers.slack``; ``bot.logs`` -> ``logs``."""
    parts = module.split(".")
    if parts[0] != "bot" or len(parts) < 2:
        return None
    if parts[1] == "handlers" and len(parts) > 2 and (BOT / "handlers" / parts[2]).is_dir():
        return f"handlers.{parts[2]}"
    return parts[1]


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(BOT.parent).with_suffix("").parts).removesuffix(".__init__")


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports; ``from bot import logs`` counts as ``bot.logs``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "bot":
                names.update(f"bot.{alias.name}" for alias in node.names)
    return names


def _sources() -> list[Path]:
    return [p for p in BOT.rglob("*.py") if "migrations" not in p.parts]


def test_every_part_of_bot_is_placed_in_the_layers() -> None:
    parts = {_part_of(_module_of(path)) for path in _sources()} - {None, "__init__"}
    assert parts <= set(ALLOWED) | COMPOSITION_ROOT, parts - set(ALLOWED) - COMPOSITION_ROOT


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(BOT)))
def test_imports_point_only_along_the_allowed_arrows(path: Path) -> None:
    here = _part_of(_module_of(path))
    if here in COMPOSITION_ROOT or here is None or here == "__init__":
        return
    allowed = ALLOWED[here] | {here}
    bad = sorted(
        name for name in _imported(path) if (part := _part_of(name)) is not None and part not in allowed
    )
    assert not bad, f"{here} may import {sorted(allowed)}; {path} imports {bad}"


@pytest.mark.parametrize("folder", ["domain", "storage", "scheduler", "i18n"])
def test_the_core_never_imports_a_chat_sdk(folder: str) -> None:
    for path in (BOT / folder).rglob("*.py"):
        bad = [name for name in _imported(path) if name.split(".")[0] in CHAT_SDKS]
        assert not bad, f"{path} imports {bad}"


# outside bot/storage a module may name a unit of work in a type hint (a session, or the bare
# connection of a hot path: Database.write_connection), and the composition root may read a
# database URL; nothing else of the SQL libraries (no statements, no text(), no dialect inserts)
SQL_OUTSIDE_STORAGE = {
    ("sqlmodel", "Session"),
    ("sqlalchemy", "Connection"),
    ("sqlalchemy.engine", "make_url"),
}


def _sql_names(path: Path) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {(a.name, "*") for a in node.names if a.name.split(".")[0] in SQL_LIBRARIES}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in SQL_LIBRARIES:
            found |= {(node.module, a.name) for a in node.names}
    return found


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(BOT)))
def test_sql_is_written_only_in_storage(path: Path) -> None:
    if "storage" in path.relative_to(BOT).parts:
        return
    bad = _sql_names(path) - SQL_OUTSIDE_STORAGE
    assert not bad, f"{path} uses {sorted(bad)}: SQL belongs in bot/storage"


def test_handlers_never_touch_the_database_themselves() -> None:
    for path in (BOT / "handlers").rglob("*.py"):
        assert not _sql_names(path), f"{path} imports {_sql_names(path)}"


def test_no_file_in_bot_is_over_400_lines() -> None:
    long = {str(p): n for p in _sources() if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long


def test_each_area_keeps_to_its_own_keys() -> None:
    for area in AREAS:
        prefix = area.__name__.rsplit(".", 1)[1] + "."
        for key in [*area.EN, *area.ZH]:
            assert key.startswith(prefix), f"{area.__name__}: {key}"


def test_both_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert set(EN) == set(ZH)
    import string

    for key in EN:
        fields_en = {f for _, f, _, _ in string.Formatter().parse(EN[key]) if f}
        fields_zh = {f for _, f, _, _ in string.Formatter().parse(ZH[key]) if f}
        assert fields_en == fields_zh, key

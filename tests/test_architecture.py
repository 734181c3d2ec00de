"""The boundaries an engineer taking this over relies on."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.i18n import AREAS, EN, ZH

BOT = Path(__file__).parent.parent / "bot"
CHAT_SDKS = ("slack_bolt", "slack_sdk", "dingtalk_stream")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("folder", ["domain", "storage", "scheduler", "i18n"])
def test_the_core_never_imports_a_chat_sdk(folder: str) -> None:
    for path in (BOT / folder).rglob("*.py"):
        bad = [name for name in _imports(path) if name.split(".")[0] in CHAT_SDKS]
        assert not bad, f"{path} imports {bad}"


def test_handlers_never_write_sql() -> None:
    for path in (BOT / "handlers").rglob("*.py"):
        bad = [n for n in _imports(path) if n.split(".")[0] in ("sqlalchemy", "sqlmodel", "psycopg")]
        assert not bad, f"{path} imports {bad}"


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

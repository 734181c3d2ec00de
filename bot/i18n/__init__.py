"""User-facing text in zh-CN and en, chosen by the team's locale.

``t(locale, key, **params)`` formats a catalogue entry. Dates are shown as MM-DD; a missing key
falls back to English, and a missing parameter shows the key rather than raising, so a
translation slip never turns into a stack trace in a chat.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.i18n import calendar, dingtalk, handover, inbox, insight, pictures, registration, slack
from bot.i18n.en import MESSAGES as CORE_EN
from bot.i18n.zh_cn import MESSAGES as CORE_ZH

# the core catalogue: en.py and zh_cn.py, and the texts of each feature in a module of its own (both
# languages side by side, any keys); then one small catalogue per area (its keys under its prefix)
FEATURES = (registration, inbox, calendar, handover, pictures)
AREAS = (slack, dingtalk, insight)
EN: dict[str, str] = {**CORE_EN}
ZH: dict[str, str] = {**CORE_ZH}
for _area in (*FEATURES, *AREAS):
    EN.update(_area.EN)
    ZH.update(_area.ZH)

CATALOGUES: dict[str, dict[str, str]] = {"en": EN, "zh-CN": ZH}
DEFAULT_LOCALE = "en"


def t(locale: str, key: str, **params: Any) -> str:
    catalogue = CATALOGUES.get(locale, EN)
    template = catalogue.get(key) or EN.get(key) or key
    shown = {name: _show(value) for name, value in params.items()}
    try:
        return template.format(**shown)
    except (KeyError, IndexError, ValueError):
        return template


def _show(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%m-%d")
    return value

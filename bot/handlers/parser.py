"""One parser for every surface: English commands, Chinese aliases, quotes and ``key:value`` options.

``/claim "Acme Corp" warm lead next:明天`` -> name ``claim``, words ``("Acme Corp", "warm", "lead")``,
options ``{"next": "明天"}``. The leading slash is optional, so DingTalk users can type ``认领 云帆``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.handlers.registry import Registry

OPTION_ALIASES = {
    "下次": "next",
    "方式": "kind",
    "行业": "industry",
    "地区": "region",
    "规模": "size",
    "优先级": "priority",
    "页": "page",
    "池": "pool",
}
_QUOTES = {'"': '"', "“": "”", "「": "」", "'": "'"}
_OPTION = re.compile(r"^([A-Za-z\u4e00-\u9fff]+)[:：](.*)$")
MAX_COMMAND_LENGTH = 4000


@dataclass(frozen=True)
class Parsed:
    name: str
    words: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)


# invisible characters a paste or an IME leaves behind: zero-width spaces and joiners, the BOM
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# the characters that give a command its structure, in their full-width forms
_STRUCTURE = {"＃": "#", "：": ":", "／": "/"}
_ALLOWED_CONTROLS = "\t\n\r"


def normalise(text: str) -> str:
    """The text as the parser reads it: invisible characters dropped, and digits and the ``#``,
    ``:`` and ``/`` of any width folded to ASCII (``／认领 ＃１`` is ``/认领 #1``). Nothing else is
    changed, so a note keeps its full-width punctuation."""
    return "".join(_folded(c) for c in text.translate(_INVISIBLE))


def _folded(char: str) -> str:
    if char.isascii():
        return char
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    return _STRUCTURE.get(char, char)


def control_character(text: str) -> str | None:
    """The first control character (NUL and friends; tabs and line breaks are fine), or None."""
    return next((c for c in text if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS), None)


def parse(text: str, commands: Registry) -> Parsed | None:
    """Parse a line; None when it is not a known command (the caller answers with help).

    ``commands`` declares the words that call each command and the option keys it takes: only
    those are options (``next:明天`` for /followup); any other ``key:value`` is text, so a note
    such as "met the region:East office" is kept as typed.
    """
    text = text.strip()
    if not text:
        return None
    tokens = tokenize(text)
    head = tokens[0].lstrip("/／").lower()
    name = commands.words.get(head)
    spec = commands.get(name) if name is not None else None
    if name is None or spec is None:
        return None
    words: list[str] = []
    options: dict[str, str] = {}
    for token in tokens[1:]:
        match = _OPTION.match(token)
        key = match and OPTION_ALIASES.get(match.group(1), match.group(1).lower())
        if match and key in spec.options:
            options[str(key)] = match.group(2)
        else:
            words.append(token)
    return Parsed(name=name, words=tuple(words), options=options)


def tokenize(text: str) -> list[str]:
    """Split on whitespace; "double", “curly” and 「corner」 quotes keep spaces inside one token.

    A quote character inside a word (O'Brien) is just a character.
    """
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        closing = _QUOTES.get(text[i])
        if closing is not None:
            end = text.find(closing, i + 1)
            if end != -1:
                tokens.append(text[i + 1 : end])
                i = end + 1
                continue
        end = i
        while end < n and not text[end].isspace():
            end += 1
        tokens.append(text[i:end])
        i = end
    return tokens

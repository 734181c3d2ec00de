"""One parser for every surface: English commands, Chinese aliases, quotes and ``key:value`` options.

``/claim "Acme Corp" warm lead next:明天`` -> name ``claim``, words ``("Acme Corp", "warm", "lead")``,
options ``{"next": "明天"}``. The leading slash is optional, so DingTalk users can type ``认领 云帆``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

OPTION_KEYS = frozenset({"next", "kind", "industry", "region", "size", "priority", "page", "pool"})
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


def parse(text: str, commands: Mapping[str, str]) -> Parsed | None:
    """Parse a line; None when it is not a known command (the caller answers with help).

    ``commands``: every word that calls a command (lower case) -> the command's name, as the
    command registry declares them.
    """
    text = text.strip()
    if not text:
        return None
    tokens = tokenize(text)
    head = tokens[0].lstrip("/／").lower()
    name = commands.get(head)
    if name is None:
        return None
    words: list[str] = []
    options: dict[str, str] = {}
    for token in tokens[1:]:
        match = _OPTION.match(token)
        key = match and OPTION_ALIASES.get(match.group(1), match.group(1).lower())
        if match and key in OPTION_KEYS:
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

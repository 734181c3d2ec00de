"""Neutral :class:`~bot.messages.Message` -> Slack Block Kit.

:func:`to_block_kit` returns ``(fallback text, blocks)`` for ``chat.postMessage`` and friends.
Mapping: :class:`Text` -> a ``section`` with mrkdwn (a heading -> a ``header``, plain text, at most
150 characters); :class:`Fields` -> ``section`` blocks with at most 10 fields each; :class:`Actions`
-> ``actions`` blocks with at most 25 buttons each; :class:`Context` -> a ``context`` block;
:class:`Divider` -> a ``divider``. mrkdwn text is neutralised (:func:`escape`): ``&``, ``<``, ``>``
escaped, so user text can neither mention nor link, and the formatting markers (``*``, ``_``,
``~``, `````, ``>`` at a line's start) fenced by zero-width spaces, so a customer called
``*ACME*`` or a note quoting ``> terms`` shows as typed. A confirmation dialog keeps Slack's limits
(title 100, text 300, confirm / deny 30: slack_sdk's ``ConfirmObject``); Release has none on Slack,
where it opens a form that asks.

Action ids: Block Kit rejects a block in which two elements share an ``action_id``. The first
button with a given id keeps it; a later one in the same block gets ``"<action_id>:<index>"``
(``index`` = its position in that block). Listeners should match ``^<action_id>(:\\d+)?$`` and
use :func:`base_action_id` to get the neutral id back; ``value`` is passed through unchanged, so
``twin(base_action_id(action_id), value)`` of the command registry is the typed twin again.

A message holds at most :data:`MAX_BLOCKS` blocks: a longer one keeps the first 49 and ends with a
context block saying how many were left out.
"""

from __future__ import annotations

import re
from typing import Any

from bot.handlers.columns import aligned
from bot.handlers.slack.text import ZERO_WIDTH
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import Actions, Button, Context, Divider, Fields, Image, Message, Table, Text

MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_BUTTONS = 25
MAX_FALLBACK = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
# a button whose listener opens a form, which asks instead of a confirmation dialog
RELEASE_BUTTON = "customer.release"

SlackBlock = dict[str, Any]

_SUFFIX = re.compile(r":\d+$")
_MARKERS = re.compile(r"([*_~`])")
_QUOTE = re.compile(r"^(&gt;)", re.MULTILINE)


def escape(text: str) -> str:
    """Text shown exactly as written in mrkdwn. Slack escapes only ``&<>`` (docs.slack.dev
    "Formatting text": "Escaping text"); mrkdwn has no escape for its markers, so each ``*_~```
    gets a zero-width space on both sides (a marker only formats when it touches a word boundary
    on one side and text on the other: with both sides fenced it is neither) and a line starting
    with ``>`` one in front (a quote must start the line)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MARKERS.sub(f"{ZERO_WIDTH}\\1{ZERO_WIDTH}", escaped)
    return _QUOTE.sub(f"{ZERO_WIDTH}\\1", escaped)


def base_action_id(action_id: str) -> str:
    """The neutral action id behind a Block Kit one (drops a ``:<index>`` de-duplication suffix)."""
    return _SUFFIX.sub("", action_id)


def to_block_kit(
    message: Message, *, locale: str = DEFAULT_LOCALE, max_blocks: int = MAX_BLOCKS
) -> tuple[str, list[SlackBlock]]:
    """Render ``message`` as ``(fallback text, Block Kit blocks)`` in the reader's ``locale`` (the
    note that ends a message cut at ``max_blocks``, confirmation dialogs). Messages hold at most
    50 blocks; App Home and modals 100."""
    blocks = _blocks(message, locale)
    if len(blocks) > max_blocks:
        left_out = len(blocks) - (max_blocks - 1)
        blocks = [*blocks[: max_blocks - 1], _context(t(locale, "slack.more_blocks", count=left_out))]
    return _fallback(message), blocks


def _blocks(message: Message, locale: str) -> list[SlackBlock]:
    blocks: list[SlackBlock] = []
    for block in message.blocks:
        if isinstance(block, Text | Context) and not block.text.strip():
            continue  # Slack rejects empty text objects
        if isinstance(block, Text):
            blocks.append(_text(block))
        elif isinstance(block, Fields):
            blocks.extend(_fields(block))
        elif isinstance(block, Actions):
            blocks.extend(_actions(block, locale))
        elif isinstance(block, Context):
            blocks.append(_context(block.text))
        elif isinstance(block, Divider):
            blocks.append({"type": "divider"})
        elif isinstance(block, Image):
            blocks.append(_context(block.title))  # the file itself is uploaded beside the message
        elif isinstance(block, Table):
            blocks.extend(_table(block))
    return blocks


def _code_line(text: str) -> str:
    """Inside a code block only Slack's entities and the fence mean anything (escaped after the
    alignment: an entity shows as one character)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def _table(block: Table) -> list[SlackBlock]:
    """The table as code blocks (a fixed-width font keeps its columns), as many sections as the
    3,000-character limit of one needs; no line is cut."""
    out: list[SlackBlock] = []
    lines: list[str] = []
    for line in map(_code_line, aligned(block)):
        if lines and sum(len(x) + 1 for x in lines) + len(line) + 8 > MAX_SECTION_TEXT:
            out.append(_code(lines))
            lines = []
        lines.append(line)
    if lines:
        out.append(_code(lines))
    return out


def _code(lines: list[str]) -> SlackBlock:
    return {"type": "section", "text": {"type": "mrkdwn", "text": "```" + "\n".join(lines) + "```"}}


def images_of(message: Message) -> list[Image]:
    """The pictures of a message: uploaded as files next to it (Block Kit cannot carry a local file)."""
    return [block for block in message.blocks if isinstance(block, Image)]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str, limit: int) -> dict[str, str]:
    return _mrkdwn_raw(escape(text), limit)


def _mrkdwn_raw(escaped: str, limit: int) -> dict[str, str]:
    # cut after escaping (the limit counts escaped characters) without splitting an entity
    if len(escaped) > limit:
        escaped = re.sub(r"&[a-z]{0,3}$", "", escaped[: limit - 1]) + "…"
    return {"type": "mrkdwn", "text": escaped}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit), "emoji": True}


def _text(block: Text) -> SlackBlock:
    if block.heading:
        return {"type": "header", "text": _plain(block.text, MAX_HEADER)}
    return {"type": "section", "text": _mrkdwn(block.text, MAX_SECTION_TEXT)}


def _fields(block: Fields) -> list[SlackBlock]:
    fields = [
        _mrkdwn_raw(f"*{escape(label)}*\n{escape(value)}", MAX_FIELD_TEXT) for label, value in block.pairs
    ]
    return [
        {"type": "section", "fields": fields[i : i + MAX_FIELDS]} for i in range(0, len(fields), MAX_FIELDS)
    ]


def _actions(block: Actions, locale: str) -> list[SlackBlock]:
    out: list[SlackBlock] = []
    for start in range(0, len(block.buttons), MAX_BUTTONS):
        chunk = block.buttons[start : start + MAX_BUTTONS]
        seen: set[str] = set()
        elements = []
        for index, button in enumerate(chunk):
            action_id = button.action_id
            if action_id in seen:
                action_id = f"{button.action_id}:{index}"
            seen.add(action_id)
            elements.append(_button(button, action_id, locale))
        out.append({"type": "actions", "elements": elements})
    return out


def _button(button: Button, action_id: str, locale: str) -> SlackBlock:
    element: SlackBlock = {
        "type": "button",
        "text": _plain(button.label, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": button.value,
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    # Release opens a form on Slack, which asks instead (bot.handlers.slack.forms.release_modal)
    question = "" if button.action_id == RELEASE_BUTTON else button.confirm
    if question:
        element["confirm"] = {
            "title": _plain(button.label, MAX_CONFIRM_TITLE),
            "text": _plain(question, MAX_CONFIRM_TEXT),
            "confirm": _plain(button.label, MAX_CONFIRM_BUTTON),
            "deny": _plain(t(locale, "slack.cancel"), MAX_CONFIRM_BUTTON),
        }
    return element


def _context(text: str) -> SlackBlock:
    return {"type": "context", "elements": [_mrkdwn(text, MAX_SECTION_TEXT)]}


def _fallback(message: Message) -> str:
    """The notification / preview text: the summary, else the text blocks joined."""
    text = message.summary or "\n".join(b.text for b in message.blocks if isinstance(b, Text | Context))
    return _mrkdwn(text, MAX_FALLBACK)["text"]

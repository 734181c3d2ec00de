"""Neutral :class:`~bot.messages.Message` -> DingTalk robot messages (markdown or ActionCard).

DingTalk robot messages are markdown; their buttons cannot call the bot back (only interactive
cards from a template can, see :mod:`bot.handlers.dingtalk.cards`). What a button can do is send
a chat message in the user's name: a ``dtmd://dingtalkclient/sendMessage?content=...`` link. So
every :class:`Button` becomes a link that types its :func:`~bot.handlers.table.twin`
(``/approve 42``) back to the bot, in a one-to-one chat with it. In a group such a message does
not @-mention the bot, so DingTalk never passes it on: a message for a group (``twins_hint``
given) carries no such button at all, and shows the commands to type (``@bot /approve 42``)
instead; interactive claim cards (a template) call back from groups too.

Sizes are bytes, not characters: a group message's ``msgParam`` may hold at most
:data:`GROUP_MAX_PARAM_BYTES` (15,000) bytes, so :meth:`Rendered.pieces` splits a long one into
several messages (nothing is lost); a one-to-one message's text is cut at
:data:`MAX_TEXT_BYTES` with an ellipsis. An ActionCard's 2 to 5 buttons are stacked vertically on
every path: ``sampleActionCard2..5`` through the OpenAPI, ``btnOrientation`` "0" through a
session webhook.

Mapping: a heading -> ``### title``; :class:`Text` -> a paragraph; :class:`Fields` -> one
``**label**: value`` line each; :class:`Context` -> a quoted small line; :class:`Divider` -> a rule;
:class:`Image` -> its title in bold as a caption, and the picture itself in
:attr:`Rendered.images`, which the sender uploads and sends as an image message after the text.
A message whose last :class:`Actions` block ends it and has at most :data:`MAX_CARD_BUTTONS`
buttons is an ActionCard with real buttons; every other :class:`Actions` block becomes a line of
links in place.

Text from people (customer names, claim reasons, notes, Fields values) is never markdown: every
character that could start a link, an image, emphasis, code, a heading, a quote or an HTML tag is
replaced by its full-width twin (``[`` -> ``［``, ``(`` -> ``（``, ``<`` -> ``＜`` ...), and ``://``
by ``：//``, so no ``[批准](dtmd://...)`` or bare URL written by a rep becomes a link on a
manager's card. Only the links this module builds itself (buttons) are links.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from bot.handlers.columns import aligned
from bot.handlers.table import twin
from bot.messages import Actions, Button, Context, Divider, Fields, Image, Message, Table, Text

MAX_CARD_BUTTONS = 5  # sampleActionCard2..5 carry 2 to 5 buttons; sampleActionCard one
MAX_TITLE = 60  # the title shows in the chat list and notifications
MAX_TEXT_BYTES = 12_000  # a one-to-one message's text (UTF-8), room left for title and buttons
GROUP_MAX_PARAM_BYTES = 15_000  # groupMessages/send refuses a longer msgParam
VERTICAL = "0"  # a webhook ActionCard's btnOrientation: "0" stacks the buttons, as sampleActionCard2..5 do
SEND_MESSAGE = "dtmd://dingtalkclient/sendMessage?content="


@dataclass(frozen=True)
class Rendered:
    """A message as DingTalk shows it: a title (chat list, notification), markdown, buttons."""

    title: str
    text: str
    # (label, action URL) of an ActionCard's buttons; empty for a markdown message
    buttons: tuple[tuple[str, str], ...] = ()
    # pictures to upload and send after the text (a report's chart)
    images: tuple[Image, ...] = ()

    def webhook_body(self) -> dict[str, Any]:
        """The body for a message's ``sessionWebhook``."""
        if not self.buttons:
            return {"msgtype": "markdown", "markdown": {"title": self.title, "text": self.text}}
        card = {
            "title": self.title,
            "text": self.text,
            "btnOrientation": VERTICAL,
            "btns": [{"title": label, "actionURL": url} for label, url in self.buttons],
        }
        return {"msgtype": "actionCard", "actionCard": card}

    def msg_key_and_param(self) -> tuple[str, str]:
        """``msgKey`` and ``msgParam`` (a JSON string) for the robot OpenAPI sends."""
        if not self.buttons:
            return "sampleMarkdown", _dumps({"title": self.title, "text": self.text})
        if len(self.buttons) == 1:
            ((label, url),) = self.buttons
            param = {"title": self.title, "text": self.text, "singleTitle": label, "singleURL": url}
            return "sampleActionCard", _dumps(param)
        param = {"title": self.title, "text": self.text}
        for index, (label, url) in enumerate(self.buttons, start=1):
            param[f"actionTitle{index}"] = label
            param[f"actionURL{index}"] = url
        return f"sampleActionCard{len(self.buttons)}", _dumps(param)

    def pieces(self, limit: int) -> list[Rendered]:
        """This message as messages whose ``msgParam`` fits in ``limit`` bytes: split between
        lines (a line too long alone, between characters); the buttons and pictures go with the
        last piece, and each title says which piece it is (``(2/3)``)."""
        if len(self.msg_key_and_param()[1].encode()) <= limit:
            return [self]
        room = limit - len(replace(self, text="", images=()).msg_key_and_param()[1].encode()) - _TITLE_ROOM
        texts: list[str] = []
        for line in (part for whole in self.text.split("\n") for part in _split_line(whole, room)):
            if texts and _json_bytes(texts[-1] + "\n" + line) <= room:
                texts[-1] += "\n" + line
            else:
                texts.append(line)
        last = len(texts) - 1
        return [
            Rendered(
                title=f"{self.title} ({i + 1}/{len(texts)})",
                text=text,
                buttons=self.buttons if i == last else (),
                images=self.images if i == last else (),
            )
            for i, text in enumerate(texts)
        ]


_TITLE_ROOM = 16  # bytes for a piece's " (12/34)"


def _json_bytes(text: str) -> int:
    """The bytes ``text`` takes inside a JSON string (newlines and quotes are escaped)."""
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


def _split_line(line: str, room: int) -> list[str]:
    """``line`` in runs of at most ``room`` JSON bytes."""
    runs, current = [], ""
    for char in line:
        if current and _json_bytes(current + char) > room:
            runs.append(current)
            current = ""
        current += char
    return [*runs, current]


def _dumps(value: dict[str, str]) -> str:
    return json.dumps(value, ensure_ascii=False)


def send_link(command: str) -> str:
    """The URL that, tapped, sends ``command`` as a chat message to the bot."""
    return SEND_MESSAGE + quote(command, safe="")


def render(message: Message, *, twins_hint: Callable[[str], str] | None = None) -> Rendered:
    """``twins_hint(commands)`` words a line naming the commands to type: given, the message is
    for a group, where a button's message would not reach the bot, so it has no button (and its
    length is left to :meth:`Rendered.pieces`)."""
    group = twins_hint is not None
    blocks = list(message.blocks)
    buttons: tuple[Button, ...] = ()
    if blocks and isinstance(blocks[-1], Actions) and 0 < len(blocks[-1].buttons) <= MAX_CARD_BUTTONS:
        last = blocks.pop()
        assert isinstance(last, Actions)
        buttons = last.buttons
    parts = [part for part in (_block(block, group=group) for block in blocks) if part]
    if twins_hint is not None and buttons:
        parts.append("> " + escape(twins_hint(" · ".join(twin(b) for b in buttons))))
    text = "\n\n".join(parts) if group else _cut_bytes("\n\n".join(parts), MAX_TEXT_BYTES)
    return Rendered(
        title=_cut(_title(message), MAX_TITLE),
        text=text or escape(_title(message)),
        buttons=() if group else tuple((b.label, send_link(twin(b))) for b in buttons),
        images=tuple(b for b in blocks if isinstance(b, Image)),
    )


def _block(block: object, *, group: bool = False) -> str:
    if isinstance(block, Text):
        return f"### {escape(' '.join(block.text.split()))}" if block.heading else _lines(block.text)
    if isinstance(block, Fields):
        return "  \n".join(f"**{_inline(label)}**: {_inline(value)}" for label, value in block.pairs)
    if isinstance(block, Context):
        return f"> {_lines(block.text)}" if block.text.strip() else ""
    if isinstance(block, Divider):
        return "---"
    if isinstance(block, Image):
        return f"**{_inline(block.title)}**"
    if isinstance(block, Table):  # a code block: columns line up in its fixed-width font
        return "```\n" + "\n".join(aligned(block, cell=escape)) + "\n```"
    if isinstance(block, Actions) and group:  # typed, since a link's message would not reach the bot
        return " · ".join(f"{_inline(b.label)}: {escape(twin(b))}" for b in block.buttons)
    if isinstance(block, Actions):
        return " · ".join(f"[{_inline(b.label)}]({send_link(twin(b))})" for b in block.buttons)
    return ""


# characters that start markdown or HTML in DingTalk's renderer -> their full-width twins, which
# read the same to a person and mean nothing to the renderer (``!`` only matters before ``[``, and
# ``#`` only at the start of a line, where it is replaced too)
_MARKUP = str.maketrans(
    {
        "[": "［",
        "]": "］",
        "(": "（",
        ")": "）",
        "*": "＊",
        "_": "＿",
        "`": "｀",
        "<": "＜",
        ">": "＞",
        "|": "｜",
        "\\": "＼",
    }
)


def escape(text: str) -> str:
    """``text`` (written by a person) as markdown that shows it as it is: no link, image,
    emphasis, code, heading, quote or tag survives, and no URL (``http://``, ``dtmd://``) is
    left for the client to turn into a link."""
    escaped = text.translate(_MARKUP).replace("://", "：//")
    stripped = escaped.lstrip()
    if stripped.startswith("#"):  # a heading
        return escaped[: len(escaped) - len(stripped)] + "＃" + stripped[1:]
    return escaped


def _inline(text: str) -> str:
    """Escaped, on one line (a field value or label cannot break the line it sits on)."""
    return escape(" ".join(text.split()))


def _lines(text: str) -> str:
    """Escaped; markdown joins single newlines, DingTalk keeps a line break written as two
    trailing spaces."""
    return "  \n".join(escape(line) for line in text.splitlines())


def _title(message: Message) -> str:
    if message.summary:
        return message.summary.splitlines()[0]
    first = next((b.text for b in message.blocks if isinstance(b, Text | Context) and b.text.strip()), "")
    return first.splitlines()[0] if first else "poolbot"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut_bytes(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes, ending in an ellipsis when cut."""
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - len("…".encode())].decode(errors="ignore") + "…"

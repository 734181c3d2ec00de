"""Neutral :class:`~bot.messages.Message` -> DingTalk robot messages (markdown or ActionCard).

DingTalk robot messages are markdown; their buttons cannot call the bot back (only interactive
cards from a template can, see :mod:`bot.handlers.dingtalk.cards`). What a button can do is send
a chat message in the user's name: a ``dtmd://dingtalkclient/sendMessage?content=...`` link. So
every :class:`Button` becomes a link that types its :func:`~bot.handlers.table.twin`
(``/approve 42``) back to the bot, in a one-to-one chat with it. In a group such a message does
not @-mention the bot, so the bot does not receive it there: group readers type
``@bot /approve 42`` (the twin is shown in the text) or use a template card.

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
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.handlers.table import twin
from bot.messages import Actions, Button, Context, Divider, Fields, Image, Message, Text

MAX_CARD_BUTTONS = 5  # sampleActionCard2..5 carry 2 to 5 buttons; sampleActionCard one
MAX_TITLE = 60  # the title shows in the chat list and notifications
MAX_TEXT = 5000
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
            "btnOrientation": "0" if len(self.buttons) <= 2 else "1",
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


def _dumps(value: dict[str, str]) -> str:
    return json.dumps(value, ensure_ascii=False)


def send_link(command: str) -> str:
    """The URL that, tapped, sends ``command`` as a chat message to the bot."""
    return SEND_MESSAGE + quote(command, safe="")


def render(message: Message, *, twins_hint: Callable[[str], str] | None = None) -> Rendered:
    """``twins_hint(commands)`` words a line naming the typed commands of an ActionCard's buttons,
    for groups, where a button's message does not reach the bot."""
    blocks = list(message.blocks)
    buttons: tuple[Button, ...] = ()
    if blocks and isinstance(blocks[-1], Actions) and 0 < len(blocks[-1].buttons) <= MAX_CARD_BUTTONS:
        last = blocks.pop()
        assert isinstance(last, Actions)
        buttons = last.buttons
    parts = [part for part in (_block(block) for block in blocks) if part]
    if twins_hint is not None and buttons:
        parts.append("> " + escape(twins_hint(" · ".join(twin(b) for b in buttons))))
    text = _cut("\n\n".join(parts), MAX_TEXT)
    return Rendered(
        title=_cut(_title(message), MAX_TITLE),
        text=text or escape(_title(message)),
        buttons=tuple((b.label, send_link(twin(b))) for b in buttons),
        images=tuple(b for b in blocks if isinstance(b, Image)),
    )


def _block(block: object) -> str:
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

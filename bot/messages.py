"""The neutral message vocabulary every surface renders (console text, Block Kit, DingTalk cards).

Handlers and the domain speak only these frozen dataclasses; a surface turns its input into a
:class:`Command` and renders :class:`Message` back. Every :class:`Button` has a typed twin, the
command a user can type instead of pressing it (its action id is declared on that command in the
command registry), so nothing needs a mouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Platform = Literal["console", "slack", "dingtalk"]
ButtonStyle = Literal["default", "primary", "danger"]


@dataclass(frozen=True)
class Actor:
    """Who typed or pressed: a platform identity, resolved to a member by the use case."""

    platform: Platform
    user_id: str


@dataclass(frozen=True)
class Command:
    """A line of text from any surface, e.g. ``/claim 杭州云帆 warm lead``."""

    actor: Actor
    text: str
    request_id: str = ""


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str
    style: ButtonStyle = "default"
    # asked before acting where a surface can ask ("Give Acme back to the pool?"); typing the twin
    # is its own confirmation
    confirm: str = ""


@dataclass(frozen=True)
class Text:
    text: str
    heading: bool = False


@dataclass(frozen=True)
class Fields:
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Context:
    """Small print under a block: hints, paging, who decided."""

    text: str


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Image:
    """A picture the bot made (a report's chart): a PNG file on this machine. Slack and DingTalk
    upload it; the console prints its path."""

    path: str
    title: str


@dataclass(frozen=True)
class Table:
    """Rows of cells in columns (a report's figures per rep): aligned by display width, where a
    Chinese character counts two, in the console and in Slack's and DingTalk's code blocks."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Text | Fields | Actions | Context | Divider | Image | Table


@dataclass(frozen=True)
class Message:
    blocks: tuple[Block, ...]
    # plain-text summary for notifications and platforms that show a preview
    summary: str = ""

    @classmethod
    def text(cls, text: str) -> Message:
        return cls(blocks=(Text(text),), summary=text)

    @property
    def buttons(self) -> tuple[Button, ...]:
        return tuple(b for block in self.blocks if isinstance(block, Actions) for b in block.buttons)


@dataclass(frozen=True)
class Reply:
    """What a command answers to the person who sent it."""

    message: Message
    # a reply others in the conversation should see too (Slack: in_channel)
    public: bool = False
    choices: tuple[str, ...] = field(default=())
    # nothing changed: a refusal, a usage line or a question back (a form shows it as an error)
    refused: bool = False

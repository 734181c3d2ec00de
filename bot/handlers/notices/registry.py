"""The renderer of each notification kind: ``@renders(KIND)`` above one function that turns the
kind's payload (its dataclass, read back from the outbox and checked) into a neutral message.

:func:`render` is what the composition root hands the dispatcher and what the console calls. A
kind with no renderer raises :class:`~bot.domain.notice_kind.UnknownKind`, params that do not fit
their payload :class:`~bot.domain.notice_kind.BadPayload`: the row is failed, never shown raw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bot.domain.context import Services
from bot.domain.notice_kind import NoticeKind, UnknownKind
from bot.domain.outbox import OutboxItem
from bot.messages import Message

P = TypeVar("P")
Renders = Callable[[Services, P, str], Message]
_FromParams = Callable[[Services, Mapping[str, Any], str], Message]

RENDERERS: dict[str, _FromParams] = {}


def renders(*kinds: NoticeKind[P, ...]) -> Callable[[Renders[P]], Renders[P]]:
    """Register the decorated function as the renderer of ``kinds`` (which share a payload)."""

    def register(renderer: Renders[P]) -> Renders[P]:
        for kind in kinds:
            if kind.name in RENDERERS:
                raise ValueError(f"notification kind {kind.name!r} has two renderers")
            RENDERERS[kind.name] = _reading(kind, renderer)
        return renderer

    return register


def _reading(kind: NoticeKind[P, ...], renderer: Renders[P]) -> _FromParams:
    def run(services: Services, params: Mapping[str, Any], locale: str) -> Message:
        return renderer(services, kind.read(params), locale)

    return run


def render(services: Services, item: OutboxItem, locale: str) -> Message:
    """The message of an outbox row, made now from its payload (and, for some kinds, the current
    state: a claim card delivered after the decision already shows who decided)."""
    renderer = RENDERERS.get(item.kind)
    if renderer is None:
        raise UnknownKind(item.kind)
    return renderer(services, item.params, locale)

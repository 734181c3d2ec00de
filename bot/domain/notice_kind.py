"""How a notification kind is declared: its name, the typed payload its outbox row carries, and
how the key of its cause is built (the key is unique in the outbox: a cause is queued once). The
kinds themselves are declared in :mod:`bot.domain.notices`.

:meth:`NoticeKind.read` gives a stored row's params back as the payload dataclass; a row whose
params do not fit raises :class:`BadPayload`, and a kind declared nowhere :class:`UnknownKind`: the
dispatcher fails such a row instead of retrying it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, ParamSpec, TypeVar

from pydantic import TypeAdapter, ValidationError

from bot.storage.outbox import Outgoing
from bot.storage.outbox_bulk import Encoded

P = TypeVar("P")
KeyArgs = ParamSpec("KeyArgs")


class NoticeError(Exception):
    """An outbox row no renderer can turn into a message: retrying it cannot help."""


class UnknownKind(NoticeError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"no notification kind {kind!r} is declared")
        self.kind = kind


class BadPayload(NoticeError):
    def __init__(self, kind: str, error: ValidationError) -> None:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '-'}: {e['msg']}" for e in error.errors())
        super().__init__(f"{kind} params do not fit its payload: {problems}")
        self.kind = kind


@dataclass(frozen=True, eq=False)
class NoticeKind(Generic[P, KeyArgs]):
    """One kind of notification: ``name`` (the outbox's ``kind``), its ``payload`` dataclass and
    ``cause``, which builds the outbox key from what identifies one occurrence."""

    name: str
    payload: type[P]
    cause: Callable[KeyArgs, str]

    def key(self, *args: KeyArgs.args, **kwargs: KeyArgs.kwargs) -> str:
        return self.cause(*args, **kwargs)

    @cached_property
    def _adapter(self) -> TypeAdapter[P]:
        """The payload's validator and serialiser (built on first use: it costs a few ms)."""
        return TypeAdapter(self.payload)

    def params(self, payload: P) -> dict[str, Any]:
        """The payload as the outbox stores it (JSON)."""
        params: dict[str, Any] = self._adapter.dump_python(payload, mode="json", by_alias=True)
        return params

    def encoded(self, payload: P, *, key: str, team_id: int, recipient_id: int | None) -> Encoded:
        """The outbox row of one occurrence with its params as JSON text, serialised in one step
        (the same JSON :meth:`params` gives, for :func:`~bot.storage.outbox_bulk.enqueue_encoded`)."""
        text = self._adapter.dump_json(payload, by_alias=True).decode()
        return Encoded(key, team_id, recipient_id, self.name, text)

    def read(self, params: Mapping[str, Any]) -> P:
        """A stored row's params as the payload; :class:`BadPayload` when they do not fit."""
        try:
            return self._adapter.validate_python(dict(params))
        except ValidationError as exc:
            raise BadPayload(self.name, exc) from exc

    def outgoing(
        self,
        payload: P,
        *,
        key: str,
        team_id: int,
        recipient_id: int | None,
        platform: str | None = None,
        refreshes_id: int | None = None,
    ) -> Outgoing:
        """The outbox row of one occurrence (no ``recipient_id``: the team's channel)."""
        params = self.params(payload)
        return Outgoing(key, team_id, recipient_id, self.name, params, platform, refreshes_id)


KINDS: dict[str, NoticeKind[Any, ...]] = {}


def declare(name: str, payload: type[P], cause: Callable[KeyArgs, str]) -> NoticeKind[P, KeyArgs]:
    if name in KINDS:
        raise ValueError(f"notification kind {name!r} is declared twice")
    kind = NoticeKind(name, payload, cause)
    KINDS[name] = kind
    return kind


def kind_of(name: str) -> NoticeKind[Any, ...]:
    found = KINDS.get(name)
    if found is None:
        raise UnknownKind(name)
    return found

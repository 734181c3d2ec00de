"""How a command is declared: once, next to its handler.

A :class:`CommandSpec` says everything the surfaces need to know about a command: the words that
call it (English and Chinese), who may use it, its help line, whether Slack registers it as a
slash command, which buttons it is the typed twin of, and whether it changes anything. The parser's
words, ``/help``, the router, the Slack listeners and the buttons' typed twins are all read from a
:class:`Registry`, so adding a command is its declaration, its handler and its catalogue lines.

Handlers declare themselves on a :class:`CommandGroup` (one per module of the command table); the
table's package (:mod:`bot.handlers.table`) puts the groups together in the order ``/help`` lists
them, as the one registry every surface reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.snapshots import ADMIN, MANAGER, REP

if TYPE_CHECKING:
    from bot.handlers.ctx import Ctx
    from bot.messages import Reply

Handler = Callable[["Ctx"], "Reply"]

EVERYONE = frozenset({REP, MANAGER, ADMIN})
MANAGERS = frozenset({MANAGER, ADMIN})
REPS = frozenset({REP})
# a numbered choice's button: its value is the number, and typing the number is its twin (the
# command it picks stays on the server, so no button carries what the user typed)
CHOICE_ACTION = "choice.pick"


@dataclass(frozen=True)
class CommandSpec:
    """One command, as every surface sees it.

    ``roles`` says who may use it; the domain enforces it (a test holds the two together), the
    declaration documents it. ``buttons`` are the action ids whose typed twin is this command with
    the button's value. ``changes`` marks commands that change something: those act only on an
    exact reference. ``options`` are the ``key:value`` keys it takes (any other is text).
    """

    name: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    roles: frozenset[str] = EVERYONE
    help_key: str = ""
    slash: bool = True
    buttons: tuple[str, ...] = ()
    changes: bool = False
    options: frozenset[str] = frozenset()

    @property
    def help(self) -> str:
        """The catalogue key of the help line (commands may share one: /approve and /reject)."""
        return f"help.{self.help_key or self.name}"

    @property
    def words(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class CommandGroup:
    """The commands of one module, declared with :meth:`command` on their handlers."""

    def __init__(self) -> None:
        self.specs: list[CommandSpec] = []

    def command(
        self,
        name: str,
        *,
        aliases: tuple[str, ...] = (),
        roles: frozenset[str] = EVERYONE,
        help_key: str = "",
        slash: bool = True,
        buttons: tuple[str, ...] = (),
        changes: bool = False,
        options: tuple[str, ...] = (),
    ) -> Callable[[Handler], Handler]:
        def declare(handler: Handler) -> Handler:
            spec = CommandSpec(
                name, handler, aliases, roles, help_key, slash, buttons, changes, frozenset(options)
            )
            self.add(spec)
            return handler

        return declare

    def add(self, spec: CommandSpec) -> None:
        self.specs.append(spec)


class Registry:
    """Every command of the bot, with what is derived from their declarations."""

    def __init__(self, *groups: CommandGroup) -> None:
        self._specs: dict[str, CommandSpec] = {}
        self._words: dict[str, str] = {}
        self._actions: dict[str, str] = {}
        for group in groups:
            for spec in group.specs:
                self._add(spec)

    def _add(self, spec: CommandSpec) -> None:
        if spec.name in self._specs:
            raise ValueError(f"command {spec.name!r} is declared twice")
        for word in spec.words:
            if (taken := self._words.get(word.lower())) is not None:
                raise ValueError(f"{word!r} calls both /{taken} and /{spec.name}")
            self._words[word.lower()] = spec.name
        for action_id in spec.buttons:
            if (taken := self._actions.get(action_id)) is not None:
                raise ValueError(f"button {action_id!r} is the twin of both /{taken} and /{spec.name}")
            self._actions[action_id] = spec.name
        self._specs[spec.name] = spec

    def __iter__(self) -> Iterator[CommandSpec]:
        return iter(self._specs.values())

    def get(self, name: str) -> CommandSpec | None:
        return self._specs.get(name)

    @property
    def words(self) -> Mapping[str, str]:
        """Every word that calls a command (lower case) -> the command's name."""
        return self._words

    def help_keys(self) -> tuple[str, ...]:
        """The help lines in declaration order, each once."""
        return tuple(dict.fromkeys(spec.help for spec in self))

    def slash_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self if spec.slash)

    def button_actions(self) -> tuple[str, ...]:
        return tuple(self._actions)

    def twin(self, action_id: str, value: str) -> str:
        """The command a user can type instead of pressing the button ``action_id``."""
        if action_id == CHOICE_ACTION:
            return value
        if (command := self._actions.get(action_id)) is None:
            raise KeyError(f"no command declares the button {action_id!r}")
        return f"/{command} {value}".rstrip()

    @contextmanager
    def including(self, group: CommandGroup) -> Iterator[None]:
        """This registry with ``group``'s commands too, for the ``with`` block (a test's throwaway
        command): every surface sees them, since every surface reads this one registry."""
        for spec in group.specs:
            self._add(spec)
        try:
            yield
        finally:
            for spec in group.specs:
                self._remove(spec)

    def _remove(self, spec: CommandSpec) -> None:
        del self._specs[spec.name]
        for word in spec.words:
            del self._words[word.lower()]
        for action_id in spec.buttons:
            del self._actions[action_id]

"""What a command handler is given: who is speaking, what they typed, and the bot's services."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import lookup
from bot.domain.context import Services
from bot.domain.errors import Ambiguous
from bot.domain.snapshots import MemberView
from bot.handlers.parser import Parsed
from bot.handlers.registry import Registry
from bot.i18n import t
from bot.messages import Message, Reply


@dataclass(frozen=True)
class Ctx:
    services: Services
    member: MemberView
    parsed: Parsed
    commands: Registry

    @property
    def locale(self) -> str:
        return self.member.team.locale

    def say(self, key: str, **params: object) -> Reply:
        return Reply(Message.text(t(self.locale, key, **params)))

    def refuse(self, key: str, **params: object) -> Reply:
        """An answer that changed nothing: a refusal, a usage line, a question back."""
        return Reply(Message.text(t(self.locale, key, **params)), refused=True)

    def customer(
        self, *, whole: bool = False, keep_last: int = 0, exact: bool | None = None
    ) -> tuple[int, tuple[str, ...]]:
        """Resolve the customer named at the start of the words; return its id and the rest.

        ``whole``: every word (minus ``keep_last`` trailing ones) belongs to the name. ``exact``:
        only an exact reference is taken, a near match is offered as a choice; by default, exactly
        when the command is declared as one that changes something.
        """
        spec = self.commands.get(self.parsed.name)
        exact = exact if exact is not None else spec is None or spec.changes
        words = self.parsed.words[: len(self.parsed.words) - keep_last] if keep_last else self.parsed.words
        if whole:
            query, count = " ".join(words), len(words)
        else:
            query, count = lookup.split_customer(self.services, member=self.member, words=words)
        rest = self.parsed.words[count:]
        try:
            found = lookup.resolve_customer(self.services, member=self.member, query=query, exact=exact)
            return found, rest
        except Ambiguous as exc:
            raise NeedChoice(exc, self.parsed.name, unparse(rest, self.parsed.options)) from exc


class NeedChoice(Exception):
    """The customer named is not unique: the router offers numbered choices."""

    def __init__(self, ambiguous: Ambiguous, command: str, remainder: str) -> None:
        super().__init__(ambiguous.key)
        self.ambiguous = ambiguous
        self.command = command
        self.remainder = remainder


class Offer(Exception):
    """Numbered choices that are not customers (a release's reasons): the question (a catalogue key
    and its params) and, per number, what it shows and the command it runs."""

    def __init__(self, key: str, params: dict[str, object], options: tuple[tuple[str, str], ...]) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
        self.options = options


class Usage(Exception):
    """The command was typed wrong; the reply shows its usage line."""


def unparse(words: tuple[str, ...], options: dict[str, str]) -> str:
    """Words and options back into the text that parses to them (quotes where a word has spaces)."""
    quoted = [f'"{w}"' if " " in w else w for w in words]
    return " ".join(quoted + [f"{k}:{v}" for k, v in options.items()])

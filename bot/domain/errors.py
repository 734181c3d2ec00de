"""Domain errors carry what to tell the user: a catalogue key and its parameters."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the user must read; nothing was changed."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class NotFound(DomainError):
    pass


class Merged(NotFound):
    """The customer was merged into another: its id answers where it went."""


class Forbidden(DomainError):
    pass


class RuleViolation(DomainError):
    """A pool rule refused the action; ``rule`` names it for logs and tests."""

    def __init__(self, rule: str, key: str, **params: Any) -> None:
        super().__init__(key, **params)
        self.rule = rule


class Conflict(DomainError):
    """Somebody else changed the customer first (a lost race, a decided request)."""


class Ambiguous(DomainError):
    """A name matched several customers, or (``guess``) only came close to some: ``choices`` lists
    (id, name) for the user to pick; nothing is done until they do."""

    def __init__(
        self, query: str, choices: list[tuple[int, str]], total: int | None = None, *, guess: bool = False
    ) -> None:
        """``total``: how many matched equally well, when that is more than the ``choices`` shown."""
        total = max(total or 0, len(choices))
        if guess:
            key = "error.guess_one" if len(choices) == 1 else "error.guess"
        else:
            key = "error.ambiguous" if total <= len(choices) else "error.ambiguous_more"
        one = {"id": choices[0][0], "name": choices[0][1]} if key == "error.guess_one" else {}
        super().__init__(key, query=query, count=total, shown=len(choices), **one)
        self.choices = choices

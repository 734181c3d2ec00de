"""The command table: every command the bot answers, in the order ``/help`` lists them.

Each module declares its commands on its own :class:`~bot.handlers.registry.CommandGroup`, beside
their handlers; a new command in an existing module touches nothing here.
"""

from __future__ import annotations

from bot.handlers.registry import Registry
from bot.handlers.table import (
    book,
    decisions,
    extensions,
    handover,
    help,
    managing,
    pool,
    registration,
    report,
    settings,
)
from bot.messages import Button

COMMANDS = Registry(
    pool.group,
    registration.group,
    book.group,
    extensions.group,
    decisions.group,
    managing.group,
    handover.group,
    report.group,
    settings.group,
    help.group,
)


def twin(button: Button) -> str:
    """The command a user can type instead of pressing ``button``."""
    return COMMANDS.twin(button.action_id, button.value)

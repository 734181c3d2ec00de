"""The ``poolbot`` command: run, chat, demo, import, export, db, jobs, members, scheduler.

``bot.cli:app`` is the console script; the commands live in the modules of this package by topic.
An environment problem (database, disk, files) is answered by :mod:`bot.cli.environment` with one
line naming the cause and the fix.
"""

from __future__ import annotations

from bot.cli import chat, files, members, ops
from bot.cli.common import app

__all__ = ["app", "chat", "files", "members", "ops"]

if __name__ == "__main__":
    app()

"""Notification renderers, one per declared kind (:mod:`bot.domain.notices`), grouped by topic.

Importing the package registers every renderer; :func:`render` makes the message of an outbox
row. A new kind's renderer goes into the module of its topic (a new module is imported below).
"""

from __future__ import annotations

from bot.handlers.notices import claims, extensions, handover, mornings, ownership, recycling, reports
from bot.handlers.notices.registry import RENDERERS, render, renders

__all__ = [
    "RENDERERS",
    "claims",
    "extensions",
    "handover",
    "mornings",
    "ownership",
    "recycling",
    "render",
    "renders",
    "reports",
]

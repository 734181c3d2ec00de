"""Bookkeeping every chat surface shares: acting once per inbound request, and numbered choices
that any process can answer."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.context import Services
from bot.storage import chat as store

# a number typed later than this no longer answers an old question
CHOICES_VALID_FOR = timedelta(hours=1)
# Slack retries within minutes and DingTalk redelivers within hours; a day covers both
SEEN_KEPT_FOR = timedelta(days=1)


def first_time(services: Services, *, platform: str, key: str) -> bool:
    """True the first time a platform's request key (a Slack trigger id, a DingTalk message id) is
    seen, by any process; False for its retries, which must change nothing."""
    with services.db.write() as session:
        return store.mark_seen(session, platform, key[:200], services.clock.now())


def not_acted(services: Services, *, platform: str, key: str) -> None:
    """The request :func:`first_time` let through changed nothing (refused, or failed): its key is
    free again, so the same request (a form saved again with the same values) may still act."""
    with services.db.write() as session:
        store.unmark_seen(session, platform, key[:200])


def forget_old_requests(services: Services) -> int:
    with services.db.write() as session:
        return store.forget_seen_before(session, services.clock.now() - SEEN_KEPT_FOR)


def offer(services: Services, *, platform: str, user_id: str, commands: list[str]) -> None:
    with services.db.write() as session:
        store.save_choices(session, platform, user_id, commands, services.clock.now())


def take_offer(services: Services, *, platform: str, user_id: str) -> list[str]:
    """The commands last offered to the identity (each once), or none if they are too old."""
    with services.db.write() as session:
        taken = store.take_choices(session, platform, user_id)
    if taken is None or services.clock.now() - taken[1] > CHOICES_VALID_FOR:
        return []
    return taken[0]

"""App Home: a rep's customers with their deadlines, most urgent first; for managers, the claims
waiting for them (with their buttons) and the team's figures for today. Built fresh on each open
and after each action taken from it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import home, inbox, lookup
from bot.domain.context import Services, today
from bot.domain.snapshots import MemberView
from bot.handlers import inbox_views, views
from bot.handlers.slack.blocks import to_block_kit
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import Block, Context, Divider, Fields, Message, Text
from bot.names import as_id

MAX_HOME_BLOCKS = 100
PAGE_ACTION = views.MINE_PAGE_ACTION  # pressed in Home: Home shows that page of the book
FIGURES = ("held", "claimed", "follow_ups", "released", "recycled", "won", "pending")


def page_of(value: str) -> int:
    """The page a book button (``page:N``) asks for; 1 for anything else."""
    number = as_id(value.removeprefix("page:"))
    return number if number is not None else 1


def home_view(
    services: Services, member: MemberView | None, user_id: str, *, page: int = 1
) -> dict[str, Any]:
    if member is None:
        message = Message.text(t(DEFAULT_LOCALE, "slack.home_unknown", user=user_id))
        return _view(message, DEFAULT_LOCALE)
    locale = member.team.locale
    message = _manager_home(services, member) if member.is_manager else _rep_home(services, member, page)
    return _view(message, locale)


def _view(message: Message, locale: str) -> dict[str, Any]:
    _, blocks = to_block_kit(message, locale=locale, max_blocks=MAX_HOME_BLOCKS)
    return {"type": "home", "blocks": blocks}


def _rep_home(services: Services, member: MemberView, page: int) -> Message:
    locale = member.team.locale
    owned = lookup.mine(services, member=member)
    book = views.mine(locale, owned, today(services, member.team), member.team.timezone, page=page)
    stamp = services.clock.now().astimezone(_zone(member))
    return Message(
        (
            Text(t(locale, "slack.home_rep_title"), heading=True),
            *book.blocks,
            Context(t(locale, "slack.home_updated", when=stamp)),
        ),
        summary=t(locale, "slack.home_rep_title"),
    )


def _manager_home(services: Services, member: MemberView) -> Message:
    """The team's figures for today and the first page of the inbox, with its buttons."""
    locale = member.team.locale
    figures = home.team_today(services, team=member.team)
    page = inbox.inbox(services, manager=member)
    blocks: list[Block] = [
        Text(t(locale, "slack.home_manager_title", team=member.team.name), heading=True),
        Fields(tuple((t(locale, f"slack.figure.{name}"), str(getattr(figures, name))) for name in FIGURES)),
        Divider(),
        Text(t(locale, "slack.home_pending_title"), heading=True),
    ]
    if not page.items:
        blocks.append(Context(t(locale, "slack.home_pending_none")))
    for item in page.items:
        blocks += [*inbox_views.item_blocks(locale, item), Divider()]
    if page.total > len(page.items):
        blocks.append(Context(t(locale, "slack.home_pending_more", shown=len(page.items), total=page.total)))
    stamp = services.clock.now().astimezone(_zone(member))
    blocks.append(Context(t(locale, "slack.home_updated", when=stamp)))
    return Message(tuple(blocks), summary=t(locale, "slack.home_manager_title", team=member.team.name))


def _zone(member: MemberView) -> ZoneInfo:
    return ZoneInfo(member.team.timezone)

"""A manager's inbox -> neutral messages: ``/requests``, a manager's ``/mine`` and the requests of
a manager's morning reminder are built here, on every surface alike.

Each kind of request has its renderer in :data:`RENDERERS` (the blocks of one item, its buttons
included); a new kind of request is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.home import TeamToday
from bot.domain.inbox import InboxPage, PendingItem
from bot.handlers.views import request_buttons
from bot.i18n import t
from bot.messages import Actions, Block, Button, Context, Fields, Message, Text

PAGE_ACTION = "requests.page"  # its typed twin: /requests page:N
FIGURES = ("held", "claimed", "follow_ups", "released", "recycled", "won", "pending")


def _claim(locale: str, item: PendingItem) -> list[Block]:
    line = t(
        locale,
        "requests.claim",
        request=item.request_id,
        member=item.member_name,
        customer=item.customer_name,
        pool=item.pool_name,
        reason=item.reason or "—",
    )
    return _with_facts(locale, item, line)


def _registration(locale: str, item: PendingItem) -> list[Block]:
    line = t(
        locale,
        "requests.registration",
        request=item.request_id,
        member=item.member_name,
        proposed=item.proposed or "?",
        id=item.customer_id,
        customer=item.customer_name,
        pool=item.pool_name,
    )
    return _with_facts(locale, item, line)


def _with_facts(locale: str, item: PendingItem, line: str) -> list[Block]:
    """A request's line, then when it was asked and what the rep holds, then its buttons."""
    facts = t(
        locale,
        "requests.claim_facts",
        when=item.asked_at,
        member=item.member_name,
        held=item.held,
        cap=item.cap,
        pool=item.pool_name,
    )
    return [Text(line), Context(facts), request_buttons(locale, item.request_id)]


# kind -> the blocks of one pending request
RENDERERS: dict[str, Callable[[str, PendingItem], list[Block]]] = {
    "claim": _claim,
    "registration": _registration,
}


def item_blocks(locale: str, item: PendingItem) -> list[Block]:
    return RENDERERS[item.kind](locale, item)


def inbox_message(locale: str, page: InboxPage) -> Message:
    """One page of the inbox, oldest first, each request with its buttons; Previous / Next pages."""
    if not page.items:
        return Message.text(t(locale, "requests.none"))
    title = t(locale, "requests.title", total=page.total, page=page.page, pages=page.pages)
    blocks: list[Block] = [Text(title, heading=True)]
    for item in page.items:
        blocks += item_blocks(locale, item)
    blocks += _paging(locale, page)
    return Message(tuple(blocks), summary=title)


def _paging(locale: str, page: InboxPage) -> list[Block]:
    turns = [(page.page - 1, "button.previous_page"), (page.page + 1, "button.next_page")]
    buttons = tuple(
        Button(t(locale, label), PAGE_ACTION, f"page:{to}") for to, label in turns if 1 <= to <= page.pages
    )
    return [Actions(buttons)] if buttons else []


def manager_mine(locale: str, team: str, figures: TeamToday, page: InboxPage) -> Message:
    """A manager's ``/mine``: the team's figures for today, then the inbox."""
    title = t(locale, "requests.today", team=team)
    pairs = tuple((t(locale, f"slack.figure.{name}"), str(getattr(figures, name))) for name in FIGURES)
    inbox = inbox_message(locale, page)
    return Message((Text(title, heading=True), Fields(pairs), *inbox.blocks), summary=title)

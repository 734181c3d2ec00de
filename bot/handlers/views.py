"""Domain views -> neutral messages, in the team's language. No surface-specific code here."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.domain.calendar import HolidaySpan
from bot.domain.clock import local_day
from bot.domain.snapshots import (
    CustomerCard,
    CustomerView,
    Deadline,
    EventView,
    MemberView,
    RequestView,
    SearchPage,
)
from bot.i18n import t
from bot.messages import Actions, Button, Context, Divider, Fields, Message, Text


def deadline_text(locale: str, view: CustomerView) -> str:
    if view.won:
        return t(locale, "view.never_recycled_won")
    if view.locked:
        return t(locale, "view.never_recycled_locked")
    if view.deadline is None:
        return ""
    return describe_deadline(locale, view.deadline)


def describe_deadline(locale: str, deadline: Deadline) -> str:
    """The deadline and why: the rule, the days counted (working days say which holidays were
    not counted), and an extension that moved it."""
    unit = "_working" if deadline.working else ""
    if deadline.rule == "recycle_days_without_deal":
        text = t(
            locale,
            f"view.deadline_without_deal{unit}",
            day=deadline.day,
            basis=deadline.basis,
            days=deadline.days,
        )
    else:
        text = t(
            locale,
            f"view.deadline{unit}",
            day=deadline.day,
            basis_label=t(locale, "view.basis_touch"),
            basis=deadline.basis,
            days=deadline.days,
            priority=deadline.priority,
        )
    if deadline.skipped:
        spans = ", ".join(_span(locale, span) for span in deadline.skipped)
        text += t(locale, "view.deadline_skipped", spans=spans)
    if deadline.extended_from is not None:
        text += t(locale, "view.deadline_extended", day=deadline.extended_from)
    return text


def _span(locale: str, span: HolidaySpan) -> str:
    if span.first == span.last:
        return t(locale, "view.deadline_span_day", name=span.name, first=span.first)
    return t(locale, "view.deadline_span", name=span.name, first=span.first, last=span.last)


def _label(view: CustomerView) -> str:
    parts = [p for p in (view.industry, view.region, view.size, view.pool_name) if p]
    return f"#{view.id} {view.name} [{view.priority}]" + (f" · {' · '.join(parts)}" if parts else "")


def search_page(locale: str, page: SearchPage, query: str) -> Message:
    if not page.customers:
        return Message.text(t(locale, "view.pool_empty"))
    if page.more:
        title = t(locale, "view.pool_title_many", total=f"{page.total:,}", page=page.page)
    else:
        title = t(locale, "view.pool_title", total=page.total, page=page.page, pages=page.pages)
    blocks: list[Text | Fields | Actions | Context | Divider] = [Text(title, heading=True)]
    for view in page.customers:
        line = _label(view)
        if view.pending_member_id is not None:
            blocks.append(Text(f"{line} ({t(locale, 'view.pending')})"))
            continue
        blocks.append(Text(line))
        blocks.append(
            Actions(
                (
                    Button(t(locale, "button.claim"), "claim.claim", f"#{view.id}", "primary"),
                    Button(t(locale, "button.open"), "customer.show", f"#{view.id}"),
                )
            )
        )
    if page.has_next:
        value = f"{query} page:{page.page + 1}".strip()
        blocks.append(Actions((Button(t(locale, "button.next_page"), "pool.page", value),)))
    return Message(tuple(blocks), summary=title)


MINE_PAGE = 10  # customers a page: 4 blocks each keeps a page well inside Slack's 50 blocks
MINE_PAGE_ACTION = "mine.page"  # its typed twin: /mine page:N


def mine_pages(count: int) -> int:
    return max(1, -(-count // MINE_PAGE))


def mine(
    locale: str, views: tuple[CustomerView, ...], today: date, timezone: str, *, page: int = 1
) -> Message:
    """One page of the book, most urgent first; past one page it says which customers it shows
    of how many and offers the previous and next pages."""
    if not views:
        return Message.text(t(locale, "view.mine_empty"))
    title = t(locale, "view.mine_title", count=len(views))
    blocks: list[Text | Fields | Actions | Context | Divider] = [Text(title, heading=True)]
    pages = mine_pages(len(views))
    page = min(max(page, 1), pages)
    first = (page - 1) * MINE_PAGE
    for view in views[first : first + MINE_PAGE]:
        touched = view.last_touch_at or view.owned_since
        days_since = (today - local_day(touched, timezone)).days if touched else 0
        next_text = view.next_follow_up.strftime("%m-%d") if view.next_follow_up else t(locale, "view.none")
        row = t(locale, "view.mine_row", days_since=days_since, next=next_text)
        deadline = deadline_text(locale, view)
        if view.deadline is not None:
            deadline += f" ({t(locale, 'view.days_left', days=(view.deadline.day - today).days)})"
        blocks.append(Text(_label(view)))
        blocks.append(Context(row))
        blocks.append(Context(deadline))
        blocks.append(
            Actions(
                (
                    Button(t(locale, "button.followup"), "customer.followup", f"#{view.id}", "primary"),
                    Button(
                        t(locale, "button.release"),
                        "customer.release",
                        f"#{view.id}",
                        "danger",
                        confirm=t(locale, "confirm.release", customer=view.name),
                    ),
                )
            )
        )
    if pages > 1:
        last = min(first + MINE_PAGE, len(views))
        shown = {"first": first + 1, "last": last, "total": len(views), "page": page, "pages": pages}
        blocks.append(Context(t(locale, "view.mine_page", **shown)))
        turns = [(page - 1, "button.previous_page"), (page + 1, "button.next_page")]
        blocks.append(
            Actions(
                tuple(
                    Button(t(locale, label), MINE_PAGE_ACTION, f"page:{to}")
                    for to, label in turns
                    if 1 <= to <= pages
                )
            )
        )
    return Message(tuple(blocks), summary=title)


def customer_card(locale: str, card: CustomerCard, *, viewer: MemberView) -> Message:
    """Details, deadline, the buttons this viewer may use, follow-ups and ownership history."""
    view = card.customer
    zone = ZoneInfo(viewer.team.timezone)
    hidden = t(locale, "view.hidden")

    def contact(value: str | None) -> str:
        return hidden if view.contact_hidden else (value or "—")

    pairs = [
        (t(locale, "view.owner"), view.owner_name or t(locale, "view.in_pool")),
        (t(locale, "view.pool"), view.pool_name),
        (t(locale, "view.priority"), view.priority),
        (t(locale, "view.stage"), view.stage),
        (t(locale, "view.contact"), contact(view.contact)),
        (t(locale, "view.phone"), contact(view.phone)),
        (t(locale, "view.email"), contact(view.email)),
        (t(locale, "view.industry"), view.industry or "—"),
        (t(locale, "view.region"), view.region or "—"),
        (t(locale, "view.size"), view.size or "—"),
        (t(locale, "view.tags"), view.tags or "—"),
    ]
    if view.next_follow_up:
        pairs.append((t(locale, "view.next_follow_up"), view.next_follow_up.strftime("%m-%d")))
    blocks: list[Text | Fields | Actions | Context | Divider] = [
        Text(t(locale, "view.customer_title", name=view.name, id=view.id), heading=True),
        Fields(tuple(pairs)),
    ]
    if view.owner_id is not None and (line := deadline_text(locale, view)):
        blocks.append(Context(line))
    if card.pending_request_id is not None:
        blocks.append(Context(t(locale, "view.pending_request", request=card.pending_request_id)))
    blocks.extend(_card_buttons(locale, card, viewer_id=viewer.id, is_manager=viewer.is_manager))
    blocks.append(Divider())
    blocks.append(Text(t(locale, "view.timeline"), heading=True))
    blocks.extend(_follow_up_lines(locale, card, zone))
    blocks.append(Text(t(locale, "view.history"), heading=True))
    blocks.extend(Context(event_line(locale, event, zone)) for event in card.events)
    return Message(tuple(blocks), summary=view.name)


def _card_buttons(locale: str, card: CustomerCard, *, viewer_id: int, is_manager: bool) -> list[Actions]:
    view = card.customer
    ref = f"#{view.id}"
    if view.owner_id is None and view.pending_member_id is None and not is_manager:
        return [Actions((Button(t(locale, "button.claim"), "claim.claim", ref, "primary"),))]
    if view.owner_id == viewer_id:
        return [
            Actions(
                (
                    Button(t(locale, "button.followup"), "customer.followup", ref, "primary"),
                    Button(
                        t(locale, "button.release"),
                        "customer.release",
                        ref,
                        "danger",
                        confirm=t(locale, "confirm.release", customer=view.name),
                    ),
                )
            )
        ]
    if card.pending_request_id is not None and is_manager:
        return [request_buttons(locale, card.pending_request_id)]
    return []


def _follow_up_lines(locale: str, card: CustomerCard, zone: ZoneInfo) -> list[Context]:
    if not card.follow_ups:
        return [Context(t(locale, "view.no_follow_ups"))]
    lines = []
    for f in card.follow_ups:
        line = t(
            locale,
            "view.followup_line",
            at=f.at.astimezone(zone),
            member=f.member_name,
            kind=f.kind,
            note=f.note,
        )
        if f.next_date:
            line += f" → {f.next_date:%m-%d}"
        if f.permalink:
            line += "\n" + t(locale, "view.followup_from", link=f.permalink)
        lines.append(Context(line))
    return lines


def event_line(locale: str, event: EventView, zone: ZoneInfo) -> str:
    # a rejection nobody made is the expiry job's: "expired", not "rejected by ?"
    kind = "expired" if event.kind == "rejected" and event.actor_name is None else event.kind
    if kind == "expired":
        return t(
            locale,
            "view.event_line",
            at=event.at.astimezone(zone),
            text=t(locale, "event.expired", member=event.member_name or "?"),
        )
    if kind == "handed_over" and event.member_name is None:
        kind = "handed_over_pool"
    # a handover nobody in the chat made was an admin's, from the shell
    nobody = t(locale, "handover.the_admin") if kind.startswith("handed_over") else "?"
    text = t(
        locale,
        f"event.{kind}",
        member=event.member_name or "?",
        actor=event.actor_name or nobody,
        from_member=event.from_member_name or "?",
        rule=event.rule or "",
    )
    if event.reason:
        text += t(locale, "event.reason", reason=event.reason)
    if event.to_pool_name:
        text += t(locale, "event.released_to", pool=event.to_pool_name)
    return t(locale, "view.event_line", at=event.at.astimezone(zone), text=text)


def request_buttons(locale: str, request_id: int) -> Actions:
    return Actions(
        (
            Button(t(locale, "button.approve"), "claim.approve", str(request_id), "primary"),
            Button(t(locale, "button.reject"), "claim.reject", str(request_id), "danger"),
        )
    )


def request_card(locale: str, request: RequestView, held: int) -> Message:
    """The card managers decide on; once decided it shows who decided instead of buttons."""
    title = t(locale, "view.request_title", request=request.id)
    body = t(
        locale,
        "view.request_body",
        member=request.member_name,
        customer=request.customer_name,
        reason=request.reason or "—",
    )
    if request.kind == "registration":
        title = t(locale, "reg.card_title", request=request.id)
        body = t(locale, "reg.card_body", member=request.member_name, customer=request.customer_name)
    blocks: list[Text | Fields | Actions | Context | Divider] = [
        Text(title, heading=True),
        Text(body),
        *side_by_side(locale, request),
        Context(t(locale, "view.request_holdings", member=request.member_name, held=held)),
    ]
    if request.status == "pending":
        blocks.append(request_buttons(locale, request.id))
    else:
        blocks.append(
            Context(
                t(locale, "view.request_expired")
                if request.status == "expired"
                else t(
                    locale,
                    "view.request_decided",
                    status=t(locale, f"status.{request.status}"),
                    by=request.decided_by_name or "?",
                    when=request.decided_at or "?",
                )
            )
        )
    return Message(tuple(blocks), summary=body)


def side_by_side(locale: str, request: RequestView) -> list[Fields]:
    """A registration request's records field by field: while pending, the proposed one beside
    the customer it is probably the same as (#id); once decided, the proposed one alone."""
    if not request.proposed:
        return []
    if not request.existing:
        return [Fields(tuple((t(locale, f"reg.field_{f}"), v) for f, v in request.proposed))]
    header = (
        t(locale, "reg.card_field"),
        f"{t(locale, 'reg.card_proposed')} | {t(locale, 'reg.card_existing', id=request.customer_id)}",
    )
    rows = tuple(
        (t(locale, f"reg.field_{field}"), f"{new} | {old}")
        for (field, new), (_, old) in zip(request.proposed, request.existing, strict=True)
    )
    return [Fields((header, *rows))]

"""Outbox rows -> neutral messages, rendered at delivery time from the current state (so a claim
card delivered after the decision already shows who decided)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby
from typing import Any

from bot.domain import expiry, lookup, recycling, reminders
from bot.domain import manager_digest as digest
from bot.domain.context import Services
from bot.domain.outbox import OutboxItem
from bot.domain.snapshots import Deadline
from bot.handlers import insight_views, views
from bot.i18n import t
from bot.messages import Actions, Button, Context, Message, Text

RECYCLED_LINES = 30  # lines of customers in one recycle notice or digest; the rest are counted


def render(services: Services, item: OutboxItem, locale: str) -> Message:
    kind, params = item.kind, item.params
    if kind in ("claim_request", "card_refresh", "claim_decided"):
        request = lookup.request_view(services, request_id=int(params["request_id"]))
        if request is None:
            return Message.text(t(locale, "error.request_unknown", request=params["request_id"]))
        if kind != "claim_decided":
            held = lookup.holdings(services, member_id=request.member_id)
            return views.request_card(locale, request, held)
        key = "notify.claim_approved" if request.status == "approved" else "notify.claim_rejected"
        reason = (
            f" {request.decision_reason}" if request.status == "rejected" and request.decision_reason else ""
        )
        return Message.text(
            t(locale, key, customer=request.customer_name, by=request.decided_by_name or "?", reason=reason)
        )
    if kind == "assigned":
        ref = f"#{params['customer_id']}"
        name = lookup.customer_name(services, customer_id=int(params["customer_id"])) or ref
        text = t(locale, "notify.assigned", by=params["by"], customer=name)
        return Message(
            (Text(text), Actions((Button(t(locale, "button.open"), "customer.show", ref),))), summary=text
        )
    if kind == "transferred":
        return Message.text(
            t(locale, "notify.transferred", by=params["by"], count=params["count"], from_name=params["from"])
        )
    if kind in (recycling.NOTICE_KIND, recycling.DIGEST_KIND):
        owner = int(params["member_id"]) if kind == recycling.NOTICE_KIND else None
        return _recycled(services, params, locale, owner)
    if kind == "recycle_warning":
        return _recycle_warning(params, locale)
    if kind == reminders.KIND:
        return _morning_reminder(params, locale)
    if kind == digest.KIND:
        return _manager_digest(params, locale)
    if kind == expiry.KIND:
        return _request_expired(params, locale)
    if kind == insight_views.AUTO_ASSIGNED_KIND:
        return insight_views.render_auto_assigned(services, params, locale)
    if kind == insight_views.WEEKLY_REPORT_KIND:
        return insight_views.render_weekly_report(services, params, locale)
    return Message.text(f"{kind}: {params}")


def _recycled(services: Services, params: dict[str, Any], locale: str, owner: int | None) -> Message:
    """A former owner's notice (``owner``) or a manager's digest, from the day's recycle events, so
    it lists everything that went back that day whichever batch recycled it."""
    day = date.fromisoformat(str(params["date"]))
    events = recycling.recycled_on(services, team_id=int(params["team_id"]), day=day, member_id=owner)
    if not events:
        return Message.text(t(locale, "notify.recycled_none", day=day))
    lines: list[str] = []
    for _, group in groupby(events, key=lambda e: e.member_id):
        items = list(group)
        if owner is None:
            name = items[0].member_name
            lines.append(t(locale, "notify.recycle_digest_owner", member=name, count=len(items)))
        lines += [
            t(locale, "notify.recycled_line", customer=e.customer_name, priority=e.priority, reason=e.reason)
            for e in items
        ]
    key = "notify.recycled_title" if owner is not None else "notify.recycle_digest_title"
    title = t(locale, key, count=len(events), day=day)
    blocks: list[Text | Context] = [Text(title, heading=True), Text("\n".join(lines[:RECYCLED_LINES]))]
    if len(lines) > RECYCLED_LINES:
        blocks.append(Context(t(locale, "notify.recycled_more", count=len(lines) - RECYCLED_LINES)))
    return Message(tuple(blocks), summary=title)


def _recycle_warning(params: dict[str, Any], locale: str) -> Message:
    """A warning before a recycle, with the buttons that answer it (a follow-up keeps the customer)."""
    raw = params["deadline"]
    deadline = Deadline(
        date.fromisoformat(raw["day"]),
        raw["rule"],
        date.fromisoformat(raw["basis"]),
        int(raw["days"]),
        str(raw["priority"]),
    )
    key = "notify.warning_last" if params["stage"] == "last" else "notify.warning_early"
    text = t(locale, key, customer=params["customer"], days=params["days_left"], day=deadline.day)
    buttons = _answer_buttons(locale, params["customer_id"], str(params["customer"]))
    return Message((Text(text), Context(views.describe_deadline(locale, deadline)), buttons), summary=text)


# ---- morning reminder, manager digest, request expiry (payloads are snapshots: no reads here) ----


def _answer_buttons(locale: str, customer_id: object, name: str) -> Actions:
    """Record a follow-up, or give the customer back (asked first where the surface can ask)."""
    ref = f"#{customer_id}"
    question = t(locale, "confirm.release", customer=name)
    return Actions(
        (
            Button(t(locale, "button.followup"), "customer.followup", ref, "primary"),
            Button(t(locale, "button.release"), "customer.release", ref, confirm=question),
        )
    )


def _morning_reminder(params: dict[str, Any], locale: str) -> Message:
    """A rep's morning: what goes back to the pool soon, then the follow-ups due, each with the
    buttons that answer it; what did not fit is counted, with /mine to see it all."""
    today = date.fromisoformat(str(params["date"]))
    soon, due = list(params["soon"]), list(params["due"])
    title = t(
        locale, "notify.reminder_title", day=today, due=params["follow_ups_due"], soon=params["soon_total"]
    )
    blocks: list[Text | Context | Actions] = [Text(title, heading=True)]
    if soon:
        blocks.append(Text(t(locale, "notify.reminder_soon")))
        for item in soon:
            blocks += [
                Text(_soon_line(item, today, locale)),
                _answer_buttons(locale, item["customer_id"], str(item["customer"])),
            ]
    if due:
        blocks.append(Text(t(locale, "notify.reminder_due")))
        for item in due:
            blocks += [
                Text(_due_line(item, today, locale)),
                _answer_buttons(locale, item["customer_id"], str(item["customer"])),
            ]
    more = int(params["soon_total"]) + int(params["due_total"]) - len(soon) - len(due)
    if more > 0:
        blocks.append(Context(t(locale, "notify.reminder_more", count=more)))
    return Message(tuple(blocks), summary=title)


def _soon_line(item: dict[str, Any], today: date, locale: str) -> str:
    day = date.fromisoformat(str(item["deadline"]["day"]))
    names = {"customer": item["customer"], "priority": item["priority"]}
    if day <= today:
        line = t(locale, "notify.reminder_soon_today", **names)
    elif day == today + timedelta(days=1):
        line = t(locale, "notify.reminder_soon_tomorrow", day=day, **names)
    else:
        line = t(locale, "notify.reminder_soon_line", day=day, days=(day - today).days, **names)
    if item.get("next"):
        line += t(locale, "notify.reminder_planned", day=date.fromisoformat(str(item["next"])))
    return line


def _due_line(item: dict[str, Any], today: date, locale: str) -> str:
    planned = date.fromisoformat(str(item["next"]))
    names = {"customer": item["customer"], "priority": item["priority"]}
    if planned >= today:
        return t(locale, "notify.reminder_due_today", **names)
    if planned == today - timedelta(days=1):
        return t(locale, "notify.reminder_overdue_one", day=planned, **names)
    return t(locale, "notify.reminder_overdue", day=planned, days=(today - planned).days, **names)


def _manager_digest(params: dict[str, Any], locale: str) -> Message:
    """The team's figures per rep over the covered days, the reps without activity, the totals."""
    first, last = date.fromisoformat(str(params["first"])), date.fromisoformat(str(params["last"]))
    if first == last:
        title = t(locale, "notify.digest_title", day=last)
    else:
        title = t(locale, "notify.digest_title_days", first=first, last=last)
    blocks: list[Text | Context] = [
        Text(title, heading=True),
        Text(t(locale, "notify.digest_totals", **params["totals"])),
    ]
    lines = [t(locale, "notify.digest_line", **row) for row in params["reps"]]
    if lines:
        blocks.append(Text("\n".join(lines)))
    if int(params["more"]) > 0:
        blocks.append(Context(t(locale, "notify.digest_more", count=params["more"])))
    idle = [str(name) for name in params["idle"]]
    if idle:
        extra = int(params["idle_total"]) - len(idle)
        names = ", ".join(idle) + (f" +{extra}" if extra > 0 else "")
        blocks.append(Context(t(locale, "notify.digest_idle", names=names)))
    return Message(tuple(blocks), summary=title)


def _request_expired(params: dict[str, Any], locale: str) -> Message:
    """The rep's request timed out; the customer is back in the pool and may be claimed again."""
    text = t(
        locale,
        "notify.request_expired",
        request=params["request_id"],
        customer=params["customer"],
        hours=params["hours"],
    )
    claim_again = Button(t(locale, "button.claim"), "claim.claim", f"#{params['customer_id']}", "primary")
    return Message((Text(text), Actions((claim_again,))), summary=text)

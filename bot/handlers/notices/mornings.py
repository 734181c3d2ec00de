"""The morning messages: a rep's reminder and a manager's digest. Their payloads are snapshots
taken when they were queued: nothing is read here."""

from __future__ import annotations

from dataclasses import asdict, astuple
from datetime import date, timedelta

from bot.domain.context import Services
from bot.domain.inbox import PendingItem
from bot.domain.notices import (
    MANAGER_DIGEST,
    MORNING_REMINDER,
    DueLine,
    ManagerDigest,
    MorningReminder,
    SoonLine,
)
from bot.handlers import views
from bot.handlers.inbox_views import item_blocks
from bot.handlers.notices.buttons import answer_buttons, soon_buttons
from bot.handlers.notices.registry import renders
from bot.i18n import t
from bot.messages import Block, Context, Message, Text


@renders(MORNING_REMINDER)
def morning_reminder(services: Services, reminder: MorningReminder, locale: str) -> Message:
    """A rep's morning: what goes back to the pool soon, then the follow-ups due, each with the
    buttons that answer it; what did not fit is counted, with /mine to see it all."""
    today = reminder.day
    title = t(
        locale, "notify.reminder_title", day=today, due=reminder.follow_ups_due, soon=reminder.soon_total
    )
    if reminder.requests and not (reminder.soon or reminder.due):  # a manager's morning
        title = t(locale, "notify.reminder_requests_title", day=today, count=reminder.requests_total)
    blocks: list[Block] = [Text(title, heading=True)]
    if reminder.soon:
        blocks.append(Text(t(locale, "notify.reminder_soon")))
        for soon in reminder.soon:
            blocks += [
                Text(_soon_line(soon, today, locale) + "\n" + views.describe_deadline(locale, soon.deadline)),
                soon_buttons(locale, soon.customer_id, soon.customer),
            ]
    if reminder.due:
        blocks.append(Text(t(locale, "notify.reminder_due")))
        for due in reminder.due:
            blocks += [
                Text(_due_line(due, today, locale)),
                answer_buttons(locale, due.customer_id, due.customer),
            ]
    more = reminder.soon_total + reminder.due_total - len(reminder.soon) - len(reminder.due)
    if more > 0:
        blocks.append(Context(t(locale, "notify.reminder_more", count=more)))
    blocks += _requests(reminder, locale)
    return Message(tuple(blocks), summary=title)


def _requests(reminder: MorningReminder, locale: str) -> list[Block]:
    """The requests waiting for a manager, each shown by its kind's renderer, with its buttons."""
    if not reminder.requests:
        return []
    blocks: list[Block] = [Text(t(locale, "notify.reminder_requests", count=reminder.requests_total))]
    for line in reminder.requests:
        blocks += item_blocks(locale, PendingItem(*astuple(line)))
    if reminder.requests_total > len(reminder.requests):
        more = reminder.requests_total - len(reminder.requests)
        blocks.append(Context(t(locale, "notify.reminder_requests_more", count=more)))
    return blocks


def _soon_line(item: SoonLine, today: date, locale: str) -> str:
    day = item.deadline.day
    names = {"customer": item.customer, "priority": item.priority}
    if day <= today:
        line = t(locale, "notify.reminder_soon_today", **names)
    elif day == today + timedelta(days=1):
        line = t(locale, "notify.reminder_soon_tomorrow", day=day, **names)
    else:
        line = t(locale, "notify.reminder_soon_line", day=day, days=(day - today).days, **names)
    if item.next_date is not None:
        line += t(locale, "notify.reminder_planned", day=item.next_date)
    return line


def _due_line(item: DueLine, today: date, locale: str) -> str:
    planned = item.next_date
    names = {"customer": item.customer, "priority": item.priority}
    if planned >= today:
        return t(locale, "notify.reminder_due_today", **names)
    if planned == today - timedelta(days=1):
        return t(locale, "notify.reminder_overdue_one", day=planned, **names)
    return t(locale, "notify.reminder_overdue", day=planned, days=(today - planned).days, **names)


@renders(MANAGER_DIGEST)
def manager_digest(services: Services, digest: ManagerDigest, locale: str) -> Message:
    """The team's figures per rep over the covered days, the reps without activity, the totals."""
    if digest.first == digest.last:
        title = t(locale, "notify.digest_title", day=digest.last)
    else:
        title = t(locale, "notify.digest_title_days", first=digest.first, last=digest.last)
    blocks: list[Text | Context] = [
        Text(title, heading=True),
        Text(t(locale, "notify.digest_totals", **asdict(digest.totals))),
    ]
    lines = [t(locale, "notify.digest_line", **asdict(row)) for row in digest.reps]
    if lines:
        blocks.append(Text("\n".join(lines)))
    if digest.more > 0:
        blocks.append(Context(t(locale, "notify.digest_more", count=digest.more)))
    if digest.idle:
        extra = digest.idle_total - len(digest.idle)
        names = ", ".join(digest.idle) + (f" +{extra}" if extra > 0 else "")
        blocks.append(Context(t(locale, "notify.digest_idle", names=names)))
    return Message(tuple(blocks), summary=title)

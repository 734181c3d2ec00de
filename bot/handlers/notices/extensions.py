"""Extensions (延期) and the last day before a recycle: the manager's card for an extension beyond
the quota (rendered from the request's current state), the owner's answer, and the managers'
last-day digest with Extend and Reassign on every customer."""

from __future__ import annotations

from bot.domain import extensions
from bot.domain.context import Services
from bot.domain.notices import (
    EXTENSION_DECIDED,
    EXTENSION_REQUEST,
    LAST_DAY_DIGEST,
    ExtensionDecided,
    ExtensionRef,
    LastDayDigest,
)
from bot.handlers import views
from bot.handlers.notices.registry import renders
from bot.i18n import t
from bot.messages import Actions, Button, Context, Message, Text

REASSIGN_ACTION = "customer.reassign"  # the twin: /assign <customer> (then a button per rep)


@renders(EXTENSION_REQUEST)
def extension_card(services: Services, ref: ExtensionRef, locale: str) -> Message:
    """Approve / Reject while pending; once decided, who decided (for every manager's copy)."""
    card = extensions.request_card(services, request_id=ref.request_id)
    if card is None:
        return Message.text(t(locale, "error.extension_unknown", request=ref.request_id))
    title = t(
        locale,
        "notify.extension_request",
        member=card.member_name,
        customer=card.customer_name,
        used=card.used,
        days=card.extend_days,
    )
    blocks: list[Text | Context | Actions] = [Text(title)]
    if card.deadline is not None:
        blocks.append(Context(views.describe_deadline(locale, card.deadline)))
    if card.status != "pending":
        blocks.append(Context(t(locale, f"notify.extension_{card.status}", by=card.decided_by or "?")))
        return Message(tuple(blocks), summary=title)
    ref_text = f"#{card.customer_id}"
    blocks.append(
        Actions(
            (
                Button(
                    t(locale, "button.approve"),
                    "extension.approve",
                    f"{ref_text} request:{card.request_id}",
                    "primary",
                ),
                Button(
                    t(locale, "button.reject"),
                    "extension.reject",
                    f"{ref_text} reject:{card.request_id}",
                    "danger",
                ),
            )
        )
    )
    return Message(tuple(blocks), summary=title)


@renders(EXTENSION_DECIDED)
def extension_decided(services: Services, decided: ExtensionDecided, locale: str) -> Message:
    if decided.approved:
        text = t(locale, "notify.extended_by", customer=decided.customer, by=decided.by, day=decided.until)
    else:
        reason = f" {decided.reason}" if decided.reason else ""
        text = t(locale, "notify.extension_refused", customer=decided.customer, by=decided.by, reason=reason)
    return Message.text(text)


@renders(LAST_DAY_DIGEST)
def last_day_digest(services: Services, digest: LastDayDigest, locale: str) -> Message:
    """Per customer: who owns it, when and why it goes back, and Extend / Reassign."""
    title = t(locale, "notify.last_day_title", count=digest.total, day=digest.last)
    blocks: list[Text | Context | Actions] = [Text(title, heading=True)]
    for line in digest.lines:
        text = t(
            locale, "notify.last_day_line", customer=line.customer, owner=line.owner, id=line.customer_id
        )
        blocks += [
            Text(text + "\n" + views.describe_deadline(locale, line.deadline)),
            Actions(
                (
                    Button(t(locale, "button.extend"), "customer.extend", f"#{line.customer_id}"),
                    Button(t(locale, "button.reassign"), REASSIGN_ACTION, f"#{line.customer_id}"),
                )
            ),
        ]
    if digest.total > len(digest.lines):
        blocks.append(Context(t(locale, "notify.last_day_more", count=digest.total - len(digest.lines))))
    return Message(tuple(blocks), summary=title)

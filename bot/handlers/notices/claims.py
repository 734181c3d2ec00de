"""Claim cards (rendered from the request's current state), decisions and expiries."""

from __future__ import annotations

from bot.domain import lookup
from bot.domain.context import Services
from bot.domain.notices import (
    CARD_REFRESH,
    CLAIM_DECIDED,
    CLAIM_REQUEST,
    MERGED_AWAY,
    REQUEST_EXPIRED,
    MergedAway,
    RequestExpired,
    RequestRef,
)
from bot.handlers import views
from bot.handlers.notices.registry import renders
from bot.i18n import t
from bot.messages import Actions, Button, Message, Text


@renders(CLAIM_REQUEST, CARD_REFRESH)
def claim_card(services: Services, ref: RequestRef, locale: str) -> Message:
    """The request card, with the approve and reject buttons while it is pending."""
    request = lookup.request_view(services, request_id=ref.request_id)
    if request is None:
        return Message.text(t(locale, "error.request_unknown", request=ref.request_id))
    held = lookup.holdings(services, member_id=request.member_id)
    return views.request_card(locale, request, held)


@renders(CLAIM_DECIDED)
def claim_decided(services: Services, ref: RequestRef, locale: str) -> Message:
    request = lookup.request_view(services, request_id=ref.request_id)
    if request is None:
        return Message.text(t(locale, "error.request_unknown", request=ref.request_id))
    key = "notify.claim_approved" if request.status == "approved" else "notify.claim_rejected"
    if request.kind == "registration":
        key = "reg.notify_approved" if request.status == "approved" else "reg.notify_rejected"
    reason = f" {request.decision_reason}" if request.status == "rejected" and request.decision_reason else ""
    return Message.text(
        t(
            locale,
            key,
            customer=request.customer_name,
            by=request.decided_by_name or "?",
            reason=reason,
            id=request.customer_id,
        )
    )


@renders(REQUEST_EXPIRED)
def request_expired(services: Services, expired: RequestExpired, locale: str) -> Message:
    """The rep's request timed out; the customer is back in the pool and may be claimed again."""
    text = t(
        locale,
        "notify.request_expired",
        request=expired.request_id,
        customer=expired.customer,
        hours=expired.hours,
    )
    claim_again = Button(t(locale, "button.claim"), "claim.claim", f"#{expired.customer_id}", "primary")
    return Message((Text(text), Actions((claim_again,))), summary=text)


@renders(MERGED_AWAY)
def merged_away(services: Services, merged: MergedAway, locale: str) -> Message:
    """A manager merged the rep's customer into another record (still theirs, or not)."""
    key = "reg.notify_merged_kept" if merged.kept else "reg.notify_merged_lost"
    text = t(
        locale,
        key,
        id=merged.merged_id,
        customer=merged.merged,
        into_id=merged.into_id,
        into=merged.into,
        by=merged.by,
    )
    return Message.text(text)

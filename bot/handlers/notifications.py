"""Outbox rows -> neutral messages, rendered at delivery time from the current state (so a claim
card delivered after the decision already shows who decided)."""

from __future__ import annotations

from bot.domain import lookup
from bot.domain.context import Services
from bot.domain.outbox import OutboxItem
from bot.handlers import views
from bot.i18n import t
from bot.messages import Actions, Button, Message, Text


def render(services: Services, item: OutboxItem, locale: str) -> Message:
    kind, params = item.kind, item.params
    if kind in ("claim_request", "claim_decided"):
        request = lookup.request_view(services, request_id=int(params["request_id"]))
        if request is None:
            return Message.text(t(locale, "error.request_unknown", request=params["request_id"]))
        if kind == "claim_request":
            held = lookup.holdings(services, member_id=request.member_id)
            return views.request_card(locale, request, held)
        key = "notify.claim_approved" if request.status == "approved" else "notify.claim_rejected"
        reason = f" {request.reason}" if request.status == "rejected" and request.reason else ""
        return Message.text(t(locale, key, customer=request.customer_name, by=request.decided_by_name or "?",
                              reason=reason))
    if kind == "assigned":
        ref = f"#{params['customer_id']}"
        name = lookup.customer_name(services, customer_id=int(params["customer_id"])) or ref
        text = t(locale, "notify.assigned", by=params["by"], customer=name)
        return Message((Text(text), Actions((Button(t(locale, "button.open"), "customer.show", ref),))),
                       summary=text)
    if kind == "transferred":
        return Message.text(t(locale, "notify.transferred", by=params["by"], count=params["count"],
                              from_name=params["from"]))
    return Message.text(f"{kind}: {params}")

"""The cards of a pending request (a claim or a registration) for the team's managers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain import notices
from bot.storage import members, outbox, teams


def queue_cards(session: Session, request_id: int, team_id: int, now: datetime) -> None:
    """The request card goes to the team's channel on each platform that has one, and to the DMs
    of the managers whose platform has no team channel (the console's managers included)."""
    channels = teams.team_channels(session, team_id)
    card, ref = notices.CLAIM_REQUEST, notices.RequestRef(request_id)
    cards = [
        card.outgoing(
            ref, key=card.key(request_id, platform=p), team_id=team_id, recipient_id=None, platform=p
        )
        for p in channels
    ]
    cards += [
        card.outgoing(ref, key=card.key(request_id, manager_id), team_id=team_id, recipient_id=manager_id)
        for manager_id, route in members.manager_routes(session, team_id)
        if route not in channels
    ]
    outbox.enqueue_many(session, cards, now=now)

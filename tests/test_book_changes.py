"""Every change to someone's book is told and recorded as it happened: a manager's release, an
assignment or transfer away from a rep, a won customer that goes back, a claim of a member who left."""

from __future__ import annotations

import copy

import pytest
from conftest import TEAM_CONFIG
from helpers import add_one, customer_row, events_of, member, notifications, own, owner_of, requests

from bot.config import PoolbotConfig
from bot.domain.claims import claim, decide
from bot.domain.context import Services
from bot.domain.errors import Conflict, NotFound, RuleViolation
from bot.domain.outbox import OutboxItem
from bot.domain.ownership import assign, mark_won, release, transfer
from bot.domain.setup import sync_config
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.notices import render
from bot.storage.models import Notification


def told(services: Services, handle: str) -> list[str]:
    """What ``handle`` was told by a manager's change to their book, as they read it."""
    rows: list[Notification] = notifications(services.db, kind="taken_away")
    mine = [r for r in rows if r.recipient_id == member(services, handle).id]
    return [
        render(services, OutboxItem(r.id or 0, r.kind, dict(r.payload), r.recipient_id), "en").summary
        for r in mine
    ]


def test_a_managers_release_is_the_managers_act_starts_no_cooldown_and_tells_the_rep(
    services: Services,
) -> None:
    acme = own(services, "alice", "Acme Corp")
    release(services, member=member(services, "maria"), customer_id=acme, reason="duplicate lead")
    [event] = [e for e in events_of(services.db, acme) if e.kind == "released"]
    assert (event.member_id, event.actor_id) == (member(services, "alice").id, member(services, "maria").id)
    assert told(services, "alice") == [
        "Maria gave Acme Corp back to the pool (duplicate lead). No cooldown for you: you may claim it again."
    ]
    claim(services, member=member(services, "alice"), customer_id=acme)  # no cooldown
    assert owner_of(services.db, acme) == member(services, "alice").id


def test_the_reps_own_release_still_starts_the_cooldown(services: Services) -> None:
    acme = own(services, "alice", "Acme Corp")
    release(services, member=member(services, "alice"), customer_id=acme)
    with pytest.raises(RuleViolation) as refused:
        claim(services, member=member(services, "alice"), customer_id=acme)
    assert refused.value.rule == "reclaim_cooldown_days"
    assert told(services, "alice") == []


def test_assigning_a_reps_customer_to_another_tells_the_former_owner(services: Services) -> None:
    acme = own(services, "alice", "Acme Corp")
    assign(
        services, manager=member(services, "maria"), customer_id=acme, to_member_id=member(services, "bob").id
    )
    assert told(services, "alice") == ["Maria gave Acme Corp to Bob; it is no longer in your book."]


def test_a_transfer_tells_the_member_whose_book_it_was(services: Services) -> None:
    own(services, "alice", "Acme Corp")
    own(services, "alice", "Globex")
    transfer(
        services,
        manager=member(services, "maria"),
        from_member_id=member(services, "alice").id,
        to_member_id=member(services, "bob").id,
    )
    assert told(services, "alice") == ["Maria moved your 2 customers to Bob."]


def test_a_won_customer_released_goes_back_at_stage_new_and_the_event_says_so(services: Services) -> None:
    acme = own(services, "alice", "Acme Corp")
    mark_won(services, member=member(services, "alice"), customer_id=acme)
    assert customer_row(services.db, acme).stage == "won"
    release(services, member=member(services, "alice"), customer_id=acme, reason="contract ended")
    row = customer_row(services.db, acme)
    assert (row.stage, row.won_at, row.owner_id) == ("new", None, None)
    [event] = [e for e in events_of(services.db, acme) if e.kind == "released"]
    assert event.reason == "contract ended; it was won: back to stage new"


def test_approving_the_claim_of_a_member_who_left_cancels_it_and_says_so(
    services: Services, config: PoolbotConfig
) -> None:
    contoso = add_one(services, "Contoso Ltd", pool="east-vip")
    request_id = claim(services, member=member(services, "bob"), customer_id=contoso).request_id
    assert request_id is not None
    data = copy.deepcopy(TEAM_CONFIG)
    next(m for m in data["members"] if m["handle"] == "bob")["active"] = False
    sync_config(services.db, PoolbotConfig.model_validate(data))
    with pytest.raises(Conflict) as refused:
        decide(services, manager=member(services, "maria"), request_id=request_id, approve=True)
    assert refused.value.key == "error.request_cancelled_inactive"
    [request] = requests(services.db)
    assert request.status == "rejected" and "inactive" in request.decision_reason
    row = customer_row(services.db, contoso)
    assert (row.owner_id, row.pending_member_id) == (None, None)
    assert [n.recipient_id for n in notifications(services.db, kind="claim_decided")] == [request.member_id]


def moved_to_west(services: Services) -> None:
    """The config moves Alice from team east to team west (managed by Walt)."""
    data = copy.deepcopy(TEAM_CONFIG)
    data["teams"].append({"name": "west", "timezone": "Asia/Shanghai", "locale": "en"})
    data["members"].append({"handle": "walt", "name": "Walt", "team": "west", "role": "manager"})
    data["members"].append({"handle": "wes", "name": "Wes", "team": "west", "role": "rep"})
    data["pools"].append({"name": "west-main", "team": "west"})
    next(m for m in data["members"] if m["handle"] == "alice")["team"] = "west"
    sync_config(services.db, PoolbotConfig.model_validate(data), services.clock)


def test_a_member_moved_to_another_team_keeps_nothing_they_cannot_act_on(services: Services) -> None:
    acme = own(services, "alice", "Acme Corp")
    contoso = add_one(services, "Contoso Ltd", pool="east-vip")
    request_id = claim(services, member=member(services, "alice"), customer_id=contoso).request_id
    moved_to_west(services)
    [request] = requests(services.db)
    assert (request.id, request.status) == (request_id, "rejected")
    assert "moved to team west" in request.decision_reason
    assert customer_row(services.db, contoso).pending_member_id is None
    [notice] = notifications(services.db, kind="member_moved")
    assert notice.recipient_id == member(services, "maria").id
    text = render(services, OutboxItem(notice.id or 0, notice.kind, dict(notice.payload), 0), "en")
    assert "Alice moved to team west and still owns 1 of this team's customers" in text.summary
    assert f"#{acme} Acme Corp" in str(text.blocks) and "/handover alice auto" in str(text.blocks)
    assert [(b.action_id, b.value) for b in text.buttons] == [
        ("handover.preview", "alice auto"),
        ("handover.preview", "alice pool"),
    ]


def test_authority_over_a_customer_follows_its_pool_not_where_the_member_sits(services: Services) -> None:
    acme = own(services, "alice", "Acme Corp")
    contoso = add_one(services, "Contoso Ltd", pool="east-vip")
    request_id = claim(services, member=member(services, "bob"), customer_id=contoso).request_id
    assert request_id is not None
    moved_to_west(services)
    walt, maria = member(services, "walt"), member(services, "maria")
    with pytest.raises(NotFound):  # west's manager cannot decide east's request
        decide(services, manager=walt, request_id=request_id, approve=True)
    with pytest.raises(Conflict):  # nor move east's customer: Alice's east book is not in west
        transfer(
            services,
            manager=walt,
            from_member_id=member(services, "alice").id,
            to_member_id=member(services, "wes").id,
        )
    assert owner_of(services.db, acme) == member(services, "alice").id
    moved = transfer(
        services,
        manager=maria,
        from_member_id=member(services, "alice").id,
        to_member_id=member(services, "bob").id,
    )
    assert moved.count == 1 and owner_of(services.db, acme) == member(services, "bob").id
    decide(services, manager=maria, request_id=request_id, approve=True)
    assert owner_of(services.db, contoso) == member(services, "bob").id


def test_transfer_in_chat_takes_a_moved_rep_s_book_but_knows_no_other_team_s_members(
    services: Services,
) -> None:
    """``/transfer`` finds its source as ``/handover`` does: a member of the manager's team, or one
    the config moved away who still owns this team's customers; anyone else of another team is as
    unknown as a handle nobody has (nothing says they exist)."""
    acme = own(services, "alice", "Acme Corp")
    moved_to_west(services)
    maria = ConsoleChat(services, handle="maria")
    maria.say("/help")  # the notices waiting for Maria (Alice's move) are shown first
    refused = maria.say("/transfer wes bob")
    assert refused == maria.say("/transfer nobody bob").replace("nobody", "wes")
    assert refused == "Your team has no member wes."
    assert "Moved 1 customers from Alice to Bob" in maria.say("/transfer alice bob")
    assert owner_of(services.db, acme) == member(services, "bob").id

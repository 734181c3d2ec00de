"""The Slack surface end to end: the real Bolt app behind our HTTP server, signed requests, a fake
Slack Web API, both databases. Assertions are on what Slack was sent and what the database holds."""

from __future__ import annotations

import copy
import json
import threading
import time

import pytest
from conftest import TEAM_CONFIG
from helpers import add, add_one, customer_row, event_kinds, member, owner_of, requests
from slack_app import SlackHarness, running_app
from slack_fake import FakeSlack, signed_headers, slash_body

from bot.config import PoolbotConfig
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services

EXTRA_REPS = [f"rep{i:02d}" for i in range(1, 21)]


@pytest.fixture
def config() -> PoolbotConfig:
    """conftest's team (Maria: manager on Slack; Alice: rep on Slack) plus twenty Slack reps."""
    data = copy.deepcopy(TEAM_CONFIG)
    data["members"] += [
        {"handle": h, "name": h.title(), "team": "east", "role": "rep", "slack": f"U{h.upper()}"}
        for h in EXTRA_REPS
    ]
    return PoolbotConfig.model_validate(data)


def posted_to(fake: FakeSlack, channel: str) -> list[dict[str, object]]:
    return [c["args"] for c in fake.of("chat.postMessage") if c["args"].get("channel") == channel]


def buttons(blocks: object) -> list[tuple[str, str]]:
    assert isinstance(blocks, list)
    return [(e["action_id"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]


# ---- the whole approval flow -------------------------------------------------------------------------


def test_claim_card_approve_and_the_card_updated_everywhere(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    contoso = add_one(services, "Contoso Ltd", pool="east-vip")
    assert slack.slash("/claim", '"Contoso Ltd" warm lead', as_="UALICE").status_code == 200
    assert "asked for Contoso Ltd" in slack.responses()[-1] or "request #1" in slack.responses()[-1].lower()
    assert slack.last_response()["response_type"] == "ephemeral"

    (card,) = posted_to(fake, fake.dm_of("UMARIA"))  # Maria's DM: the team has no Slack channel
    assert "Alice" in json.dumps(card["blocks"]) and "warm lead" in json.dumps(card["blocks"])
    assert buttons(card["blocks"]) == [("claim.approve", "1"), ("claim.reject", "1")]

    assert slack.press("claim.approve", "1", as_="UMARIA").status_code == 200
    assert "Approved" in slack.responses()[-1] or "approved" in slack.responses()[-1]
    assert owner_of(services.db, contoso) == member(services, "alice").id

    (update,) = fake.of("chat.update")
    assert (update["args"]["channel"], update["args"]["ts"]) == (card["channel"], "1.000100")
    shown = json.dumps(update["args"]["blocks"], ensure_ascii=False)
    assert "approved by Maria at 11-23 10:00" in shown and buttons(update["args"]["blocks"]) == []
    (told,) = posted_to(fake, fake.dm_of("UALICE"))
    assert "Contoso Ltd" in str(told["text"]) and "Maria" in str(told["text"])

    slack.press("claim.approve", "1", as_="UMARIA")
    assert "already approved by Maria" in slack.responses()[-1]
    assert len(fake.of("chat.update")) == 1


def test_reject_opens_a_form_and_the_reason_reaches_the_rep(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    add_one(services, "Contoso Ltd", pool="east-vip")
    slack.slash("/claim", "Contoso Ltd", as_="UALICE")
    slack.press("claim.reject", "1", as_="UMARIA")
    (opened,) = fake.of("views.open")
    assert opened["args"]["view"]["callback_id"] == "reject.form"
    metadata = opened["args"]["view"]["private_metadata"]
    assert json.loads(metadata) == {"request": 1, "home": False}

    reply = slack.submit(
        "reject.form", {"reason": {"reason": {"value": "already a partner"}}}, as_="UMARIA", metadata=metadata
    )
    assert reply.status_code == 200 and reply.content in (b"", b"{}")  # the form closes
    assert "rejected by Maria" in json.dumps(fake.of("chat.update")[-1]["args"]["blocks"])
    told = " ".join(str(a["text"]) for a in posted_to(fake, fake.dm_of("UALICE")))
    assert "already a partner" in told


def test_a_rep_pressing_approve_is_refused_and_nothing_changes(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    contoso = add_one(services, "Contoso Ltd", pool="east-vip")
    slack.slash("/claim", "Contoso Ltd", as_="UALICE")
    slack.press("claim.approve", "1", as_="UREP01")
    assert "Only managers can /approve" in slack.responses()[-1]
    assert owner_of(services.db, contoso) is None and not fake.of("chat.update")


def test_a_rep_pressing_reject_gets_no_form_and_is_refused(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    contoso = add_one(services, "Contoso Ltd", pool="east-vip")
    slack.slash("/claim", "Contoso Ltd", as_="UALICE")
    slack.press("claim.reject", "1", as_="UREP01")
    assert "Only managers can /reject" in slack.responses()[-1]
    assert not fake.of("views.open")
    [request] = requests(services.db)
    assert request.status == "pending" and customer_row(services.db, contoso).pending_member_id is not None


# ---- forged and repeated requests --------------------------------------------------------------------


def test_a_forged_signature_and_a_stale_timestamp_get_401_and_change_nothing(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")
    body = slash_body("/claim", "Acme Corp", "UALICE", response_url=fake.response_url(), trigger="t-forged")
    forged = {
        **signed_headers(body, secret="not-the-secret"),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    assert slack.client.post(f"{slack.url}/slack/events", content=body, headers=forged).status_code == 401
    stale = {
        **signed_headers(body, timestamp=int(time.time()) - 6 * 60),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    assert slack.client.post(f"{slack.url}/slack/events", content=body, headers=stale).status_code == 401
    assert owner_of(services.db, acme) is None and not fake.of("respond")


def test_a_slack_retry_of_the_same_request_changes_nothing(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    add(services, "Acme Corp", "Globex")
    slack.slash("/claim", "Acme Corp", as_="UALICE", trigger="t-once")
    slack.slash(
        "/claim",
        "Acme",
        as_="UALICE",
        trigger="t-once",
        **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert len(fake.of("respond")) == 1
    assert event_kinds(services.db, 1) == ["imported", "claimed"]

    dm = {
        "type": "message",
        "channel_type": "im",
        "user": "UALICE",
        "text": "/claim Globex",
        "channel": slack.fake.dm_of("UALICE"),
    }
    slack.event(dm, event_id="Ev-dm")
    slack.event(dm, event_id="Ev-dm", **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert event_kinds(services.db, 2) == ["imported", "claimed"]
    assert len([c for c in fake.of("chat.postMessage") if "Globex" in str(c["args"].get("text"))]) == 1


def test_twenty_concurrent_claims_for_one_customer_give_one_owner(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")
    start = threading.Barrier(len(EXTRA_REPS))
    codes: list[int] = []

    def claim_it(handle: str) -> None:
        start.wait()
        codes.append(slack.slash("/claim", f"#{acme}", as_=f"U{handle.upper()}").status_code)

    threads = [threading.Thread(target=claim_it, args=(h,)) for h in EXTRA_REPS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert codes == [200] * 20
    winners = [text for text in slack.responses() if "is yours" in text]
    assert len(winners) == 1 and len(slack.responses()) == 20
    assert owner_of(services.db, acme) is not None
    assert event_kinds(services.db, acme).count("claimed") == 1


def test_a_double_click_on_approve_gives_one_decision(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    add_one(services, "Contoso Ltd", pool="east-vip")
    slack.slash("/claim", "Contoso Ltd", as_="UALICE")
    start = threading.Barrier(2)

    def click() -> None:
        start.wait()
        slack.press("claim.approve", "1", as_="UMARIA")

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    answers = slack.responses()[-2:]
    assert sum("already approved by Maria" in a for a in answers) == 1
    assert event_kinds(services.db, 1).count("approved") == 1
    assert len(fake.of("chat.update")) == 1


# ---- delivery ---------------------------------------------------------------------------------------


def test_a_429_on_post_message_delays_the_card_but_loses_nothing(
    slack: SlackHarness, fake: FakeSlack, services: Services, clock: FakeClock
) -> None:
    add_one(services, "Contoso Ltd", pool="east-vip")
    fake.script(
        "chat.postMessage", (429, {"Retry-After": "30"}, json.dumps({"ok": False, "error": "ratelimited"}))
    )
    slack.slash("/claim", "Contoso Ltd", as_="UALICE")
    # answered 429
    assert slack.reports[-1].throttled == 1 and len(posted_to(fake, fake.dm_of("UMARIA"))) == 1

    clock.advance(seconds=29)
    assert slack.dispatch().attempted == 0  # Retry-After is honoured
    clock.advance(seconds=1)
    assert slack.dispatch().sent == 1
    _, card = posted_to(fake, fake.dm_of("UMARIA"))
    assert buttons(card["blocks"])[0] == ("claim.approve", "1")


# ---- forms ------------------------------------------------------------------------------------------


def test_a_bare_followup_opens_the_form_which_searches_only_the_reps_book(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    mine, other = add(services, "杭州云帆科技", "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=mine)
    slack.slash("/followup", "", as_="UALICE")
    (opened,) = fake.of("views.open")
    assert opened["args"]["view"]["callback_id"] == "followup.form"

    options = slack.suggest("yunfan", as_="UALICE").json()["options"]
    assert options == [{"text": {"type": "plain_text", "text": "杭州云帆科技"}, "value": f"#{mine}"}]
    assert slack.suggest("acme", as_="UALICE").json()["options"] == []

    values = {
        "customer": {"customer": {"selected_option": {"value": f"#{mine}"}}},
        "kind": {"kind": {"selected_option": {"value": "visit"}}},
        "note": {"note": {"value": 'met "the boss" at 10:30, next: demo'}},
        "next": {"next": {"selected_date": "2026-11-30"}},
    }
    assert slack.submit("followup.form", values, as_="UALICE").content in (b"", b"{}")
    confirmation = posted_to(fake, "UALICE")[-1]
    assert "杭州云帆科技" in str(confirmation["text"]) and "11-30" in str(confirmation["text"])
    assert event_kinds(services.db, other) == ["imported"]


def test_a_refused_form_shows_the_reason_on_the_form(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")  # in the pool: not Alice's
    values = {
        "customer": {"customer": {"selected_option": {"value": f"#{acme}"}}},
        "kind": {"kind": {"selected_option": {"value": "call"}}},
        "note": {"note": {"value": "called"}},
    }
    answer = slack.submit("followup.form", values, as_="UALICE").json()
    assert answer["response_action"] == "errors" and "Only the owner" in answer["errors"]["note"]
    missing = slack.submit("followup.form", {"note": {"note": {"value": "x"}}}, as_="UALICE").json()
    assert missing["errors"] == {"customer": "Pick one of your customers."}
    assert event_kinds(services.db, acme) == ["imported"]


def test_record_follow_up_on_a_reminder_opens_the_form_for_that_customer(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=acme)
    slack.press("customer.followup", f"#{acme}", as_="UALICE")
    (opened,) = fake.of("views.open")
    select = opened["args"]["view"]["blocks"][0]["element"]
    assert select["initial_option"] == {
        "text": {"type": "plain_text", "text": "Acme Corp"},
        "value": f"#{acme}",
    }


def test_release_from_a_button_opens_a_form_that_asks_and_releases(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=acme)
    slack.slash("/mine", "", as_="UALICE")
    mine_blocks = slack.last_response()["blocks"]
    release = next(
        e
        for b in mine_blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "customer.release"
    )
    assert "confirm" not in release  # the form asks instead
    slack.press("customer.release", f"#{acme}", as_="UALICE")
    (opened,) = fake.of("views.open")
    question = opened["args"]["view"]["blocks"][0]["text"]["text"]
    assert question.startswith("Give Acme Corp back to pool east-main?")
    assert owner_of(services.db, acme) is not None
    slack.submit("release.form", {}, as_="UALICE")
    assert owner_of(services.db, acme) is None


# ---- identity, App Home, health ------------------------------------------------------------------------


def test_an_unknown_slack_user_is_told_to_ask_an_admin_and_nothing_happens(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")
    slack.slash("/claim", "Acme", as_="USTRANGER")
    assert "Ask an admin" in slack.responses()[-1]
    assert owner_of(services.db, acme) is None
    slack.event({"type": "app_home_opened", "user": "USTRANGER", "channel": "D1", "tab": "home"})
    assert "Ask an admin" in json.dumps(fake.of("views.publish")[-1]["args"]["view"])


def test_app_home_for_a_rep_and_for_a_manager(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme, _ = add(services, "Acme Corp", "Globex")
    claim(services, member=member(services, "alice"), customer_id=acme)
    add_one(services, "Contoso Ltd", pool="east-vip")
    claim(services, member=member(services, "rep01"), customer_id=3, reason="knows the CFO")

    slack.event({"type": "app_home_opened", "user": "UALICE", "channel": "D1", "tab": "home"})
    rep_home = fake.of("views.publish")[-1]["args"]
    assert rep_home["user_id"] == "UALICE"
    shown = json.dumps(rep_home["view"], ensure_ascii=False)
    assert "Acme Corp" in shown and "12-08" in shown and "Globex" not in shown

    slack.event({"type": "app_home_opened", "user": "UMARIA", "channel": "D2", "tab": "home"})
    manager_home = fake.of("views.publish")[-1]["args"]["view"]
    shown = json.dumps(manager_home, ensure_ascii=False)
    assert "#1 Rep01 asks to claim Contoso Ltd (east-vip)" in shown and "knows the CFO" in shown
    assert "Rep01 holds 1 of 3 in east-vip" in shown
    assert ("claim.approve", "1") in buttons(manager_home["blocks"])
    figures = next(b for b in manager_home["blocks"] if b.get("fields"))
    assert "*Waiting for a decision*\\n1" in json.dumps(figures)
    # held as /report counts it: Alice's customer plus Rep01's pending request
    assert "*Held*\\n2" in json.dumps(figures)

    slack.press("claim.approve", "1", as_="UMARIA", home=True)
    refreshed = json.dumps(fake.of("views.publish")[-1]["args"]["view"])
    assert "No claim is waiting" in refreshed
    assert "approved" in str(posted_to(fake, "UMARIA")[-1]["text"]).lower()


def test_healthz_answers_while_the_database_does(slack: SlackHarness) -> None:
    answer = slack.client.get(f"{slack.url}/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert slack.client.get(f"{slack.url}/nothing-here").status_code == 404


def test_production_mode_acknowledges_first_and_answers_through_the_response_url(
    services: Services, fake: FakeSlack
) -> None:
    add_one(services, "Acme Corp")
    with running_app(services, fake, inline=False) as slack:
        answer = slack.slash("/claim", "Acme Corp", as_="UALICE")
        assert answer.status_code == 200 and answer.content == b""
        (said,) = fake.wait_for("respond")
        assert "Acme Corp is yours" in " ".join(str(v) for v in said["args"].values())


def test_a_form_submitted_twice_with_the_same_values_records_one_follow_up(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    acme = add_one(services, "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=acme)
    values = {
        "customer": {"customer": {"selected_option": {"value": f"#{acme}"}}},
        "kind": {"kind": {"selected_option": {"value": "call"}}},
        "note": {"note": {"value": "called the buyer"}},
    }
    slack.submit("followup.form", values, as_="UALICE", view_id="VFORM1")
    slack.submit("followup.form", values, as_="UALICE", view_id="VFORM1")  # again after a slow answer
    with services.db.read() as session:
        from bot.storage.followups import follow_ups_of

        assert len(follow_ups_of(session, acme, 10)) == 1


def test_slack_escaping_is_undone_before_the_command_runs(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    pg = add_one(services, "P&G China")
    slack.slash("/claim", "P&amp;G China", as_="UALICE")
    assert owner_of(services.db, pg) == member(services, "alice").id


def test_unlock_is_a_slash_command_too(slack: SlackHarness, fake: FakeSlack, services: Services) -> None:
    acme = add_one(services, "Acme Corp")
    claim(services, member=member(services, "alice"), customer_id=acme)
    slack.slash("/lock", "Acme Corp", as_="UMARIA")
    slack.slash("/unlock", "Acme Corp", as_="UMARIA")
    assert "unlocked" in slack.responses()[-1].lower()
    assert event_kinds(services.db, acme)[-2:] == ["locked", "unlocked"]


def test_a_stranger_pressing_reject_or_record_follow_up_is_told_to_ask_an_admin(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    slack.press("claim.reject", "1", as_="USTRANGER")
    slack.press("customer.followup", "#1", as_="USTRANGER")
    assert all("Ask an admin" in answer for answer in slack.responses()[-2:])
    assert not fake.of("views.open")

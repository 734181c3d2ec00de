"""One-tap extension (延期) and the managers' last-day digest, on both databases: an extension within
the quota moves the deadline (and the sweep respects it), one beyond asks the managers on a card
whose first decision wins, refusals change nothing, the digest lists what goes back by the next
working day with Extend and Reassign, and two presses at once extend once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from helpers import customer_row, event_kinds, local, member, notifications, own, snapshot
from sqlmodel import col, select
from test_holidays_travel import HOLIDAY_CONFIG, SHANGHAI, every_day
from test_recycle import shown

from bot.config import PoolbotConfig
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.extensions import extend
from bot.domain.last_day import last_day_digest
from bot.domain.recycling import recycle
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.table import twin
from bot.messages import Actions
from bot.storage.models import ExtensionRequest


@pytest.fixture
def config() -> PoolbotConfig:
    return PoolbotConfig.model_validate(HOLIDAY_CONFIG)


@pytest.fixture
def acme(services: Services, clock: FakeClock) -> int:
    """Alice's customer of the working-days pool, touched 02-13: back on 03-02."""
    clock.set(local(SHANGHAI, date(2026, 2, 13), 10))
    return own(services, "alice", "Acme", priority="A")


def chat(services: Services, handle: str) -> ConsoleChat:
    return ConsoleChat(services, handle=handle)


def requests_of(services: Services) -> list[ExtensionRequest]:
    with services.db.read() as session:
        return list(session.exec(select(ExtensionRequest).order_by(col(ExtensionRequest.id))))


def test_the_owner_extends_once_within_the_quota_and_the_sweep_keeps_the_customer(
    services: Services, clock: FakeClock, acme: int
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    said = chat(services, "alice").say(f"/extend #{acme}")
    assert said.splitlines() == [
        "Acme now goes back to the pool on 03-05.",
        "back to the pool on 03-05: 7 working days after last touch 02-13 (priority A)"
        " (Spring Festival 02-15–02-23 not counted); extended (it was 03-02)",
    ]
    assert event_kinds(services.db, acme)[-1] == "extended"
    assert "extended (it was 03-02)" in chat(services, "alice").say(f"/customer #{acme}")
    for day in every_day(date(2026, 3, 2), date(2026, 3, 4)):
        clock.set(local(SHANGHAI, day, 0, 5))
        recycle(services)
        assert customer_row(services.db, acme).owner_id == member(services, "alice").id
    clock.set(local(SHANGHAI, date(2026, 3, 5), 0, 5))
    recycle(services)
    assert customer_row(services.db, acme).owner_id is None


def test_the_chinese_alias_works_and_the_answer_is_in_the_teams_language(
    services: Services, clock: FakeClock, acme: int
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    said = chat(services, "alice").say(f"延期 #{acme}")
    assert said.startswith("Acme now goes back to the pool on 03-05.")


def test_beyond_the_quota_the_managers_get_a_card_and_the_first_decision_wins(
    services: Services, clock: FakeClock, acme: int
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    chat(services, "alice").say(f"/extend #{acme}")
    before = snapshot(services.db)
    asked = chat(services, "alice").say(f"/extend #{acme}")
    (request,) = requests_of(services)
    assert asked == (
        "Acme: 1 of 1 extensions used in this ownership; a manager has been asked "
        f"(extension request {request.id})."
    )
    assert customer_row(services.db, acme).extended_until == date(2026, 3, 5)  # unchanged meanwhile
    assert snapshot(services.db).customers == before.customers
    cards = notifications(services.db, kind="extension_request")
    assert sorted(c.recipient_id or 0 for c in cards) == sorted(
        [member(services, "maria").id, member(services, "mike").id]
    )
    card = shown(services, cards[0])
    assert card.summary == "Alice asks to extend Acme again (1 extensions used; 3 more days each)."
    buttons = next(b for b in card.blocks if isinstance(b, Actions)).buttons
    assert [twin(b) for b in buttons] == [
        f"/extend #{acme} request:{request.id}",
        f"/extend #{acme} reject:{request.id}",
    ]
    again = chat(services, "alice").say(f"/extend #{acme}")
    assert again == "Acme: the 1 extensions are used and a manager has not decided your request yet."

    approved = chat(services, "maria").say(twin(buttons[0]))
    assert approved.splitlines()[0] == "Acme (Alice) now goes back to the pool on 03-10; Alice is told."
    late = chat(services, "mike").say(twin(buttons[0]))
    assert late.splitlines()[0] == f"Extension request {request.id} was already approved by Maria."
    assert "Approved by Maria." in late  # mike's own card, delivered now, says who decided
    late_reject = chat(services, "mike").say(twin(buttons[1]))
    assert late_reject == f"Extension request {request.id} was already approved by Maria."
    assert customer_row(services.db, acme).extended_until == date(2026, 3, 10)
    assert event_kinds(services.db, acme).count("extended") == 2
    told = chat(services, "alice").say("/mine")
    assert "Maria extended Acme: it now goes back to the pool on 03-10." in told


def test_a_rejected_request_changes_nothing_and_the_owner_hears_why(
    services: Services, clock: FakeClock, acme: int
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    chat(services, "alice").say(f"/extend #{acme}")
    chat(services, "alice").say(f"/extend #{acme}")
    (request,) = requests_of(services)
    said = chat(services, "maria").say(f"/extend #{acme} reject:{request.id} keep working it")
    assert said.splitlines()[0] == f"Extension request {request.id} for Acme rejected; Alice is told."
    assert customer_row(services.db, acme).extended_until == date(2026, 3, 5)
    assert "Maria did not extend Acme. keep working it" in chat(services, "alice").say("/mine")


def test_refusals_say_one_line_and_change_nothing(services: Services, clock: FakeClock, acme: int) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    pool_one = own(services, "bob", "Pooled", priority="A")
    chat(services, "bob").say(f"/release #{pool_one}")
    before = snapshot(services.db)
    assert chat(services, "bob").say(f"/extend #{acme}") == "Acme belongs to Alice, not to you."
    assert (
        chat(services, "alice").say(f"/extend #{pool_one}") == "Pooled is in the pool, not owned by anyone."
    )
    near = chat(services, "alice").say("/extend acm")
    assert "1)" in near and "#" in near  # a near match is a numbered choice, never taken
    assert chat(services, "alice").say("/extend").startswith("Usage: /extend <customer>")
    assert snapshot(services.db) == before
    with pytest.raises(DomainError):
        extend(services, member=member(services, "alice"), customer_id=acme, request_id=999)


def test_the_last_day_digest_tells_the_managers_once_with_extend_and_reassign(
    services: Services, clock: FakeClock, acme: int
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9, 30))  # Friday: the next working day is 02-28
    assert last_day_digest(services).queued == 0
    clock.set(local(SHANGHAI, date(2026, 2, 28), 9, 30))  # make-up Saturday: 03-02 is next
    assert last_day_digest(services).queued == 2
    assert last_day_digest(services).queued == 0  # once per manager and day
    digests = notifications(services.db, kind="last_day_digest")
    assert sorted(d.recipient_id or 0 for d in digests) == sorted(
        [member(services, "maria").id, member(services, "mike").id]
    )
    message = shown(services, digests[0])
    assert message.summary == "1 customer(s) go back to the pool by 03-02"
    assert f"#{acme} Acme — Alice" in str(message.blocks)
    buttons = next(b for b in message.blocks if isinstance(b, Actions)).buttons
    assert [twin(b) for b in buttons] == [f"/extend #{acme}", f"/assign #{acme}"]

    pick = chat(services, "maria").say(twin(buttons[1]))
    assert f"Give #{acme} Acme to whom?" in pick and "Bob" in pick
    assert chat(services, "maria").say(f"/assign #{acme} bob").startswith("Acme")
    assert customer_row(services.db, acme).owner_id == member(services, "bob").id


def test_the_managers_extend_from_the_digest_is_immediate_and_the_owner_is_told(
    services: Services, clock: FakeClock, acme: int
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 28), 9, 30))
    last_day_digest(services)
    said = chat(services, "maria").say(f"/extend #{acme}")
    assert said.splitlines()[0] == "Acme (Alice) now goes back to the pool on 03-05; Alice is told."
    assert "Maria extended Acme: it now goes back to the pool on 03-05." in chat(services, "alice").say(
        "/mine"
    )


def test_the_owners_last_day_warning_says_the_managers_were_told(
    services: Services, clock: FakeClock, acme: int
) -> None:
    from bot.domain.recycle_warnings import warn

    clock.set(local(SHANGHAI, date(2026, 2, 28), 9, 30))
    warn(services)
    (last,) = [n for n in notifications(services.db, kind="recycle_warning") if n.key.endswith(":last")]
    message = shown(services, last)
    assert message.summary.endswith("Your managers have been told too.")
    buttons = next(b for b in message.blocks if isinstance(b, Actions)).buttons
    assert f"/extend #{acme}" in [twin(b) for b in buttons]


def test_two_presses_at_once_extend_once(services: Services, clock: FakeClock, acme: int) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    alice = member(services, "alice")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def press() -> None:
        start.wait()
        try:
            done = extend(services, member=alice, customer_id=acme)
            outcomes.append("asked" if done.request_id is not None else "extended")
        except DomainError as exc:
            outcomes.append(exc.key)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("extended") == 1
    assert event_kinds(services.db, acme).count("extended") == 1
    assert customer_row(services.db, acme).extended_until == date(2026, 3, 5)


def test_a_request_from_an_ownership_that_ended_never_extends_the_next_owner(
    services: Services, clock: FakeClock, acme: int
) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    chat(services, "alice").say(f"/extend #{acme}")
    chat(services, "alice").say(f"/extend #{acme}")
    (request,) = requests_of(services)
    chat(services, "maria").say(f"/assign #{acme} bob")
    said = chat(services, "maria").say(f"/extend #{acme} request:{request.id}")
    assert said.splitlines()[0] == (
        f"Extension request {request.id} no longer applies: Acme changed hands since it was made."
    )
    assert customer_row(services.db, acme).current_extension is None  # Bob's ownership: none


def test_two_managers_approving_at_once_extend_once(services: Services, clock: FakeClock, acme: int) -> None:
    clock.set(local(SHANGHAI, date(2026, 2, 27), 9))
    chat(services, "alice").say(f"/extend #{acme}")
    chat(services, "alice").say(f"/extend #{acme}")
    (request,) = requests_of(services)
    managers = [member(services, "maria"), member(services, "mike")]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(manager_index: int) -> None:
        start.wait()
        try:
            extend(services, member=managers[manager_index], customer_id=acme, request_id=request.id)
            outcomes.append("extended")
        except DomainError as exc:
            outcomes.append(exc.key)

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) in (
        ["error.extension_decided", "extended"],
        ["error.changed_meanwhile", "extended"],
    )
    assert event_kinds(services.db, acme).count("extended") == 2  # Alice's own, then one approval
    assert customer_row(services.db, acme).extended_until == date(2026, 3, 10)

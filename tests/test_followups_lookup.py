"""Follow-ups (who, what kind, the recycle deadline they reset) and every read a rep relies on."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import add, add_one, add_west_team, customer_row, member, member_any, snapshot

from bot.domain import lookup
from bot.domain.catalog import NewCustomer
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import Ambiguous, Forbidden, NotFound, RuleViolation
from bot.domain.followups import follow_up
from bot.domain.ownership import assign, mark_won, release
from bot.domain.snapshots import FOLLOW_UP_KINDS, SearchPage
from bot.storage.search import SearchFilters

# ---- follow-ups ---------------------------------------------------------------------------------------- ---


def test_only_the_owner_follows_up(services: Services) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    cid, pooled = add(services, "Acme", "Pooled")
    claim(services, member=alice, customer_id=cid)
    before = snapshot(services.db)
    for who in (bob, maria):
        with pytest.raises(Forbidden) as err:
            follow_up(services, member=who, customer_id=cid, note="called")
        assert err.value.key == "error.followup_not_owner"
        assert err.value.params == {"customer": "Acme", "owner": "Alice"}
    with pytest.raises(Forbidden) as in_pool:
        follow_up(services, member=alice, customer_id=pooled, note="called")
    assert in_pool.value.params == {"customer": "Pooled", "owner": ""}
    assert snapshot(services.db) == before
    recorded = follow_up(services, member=alice, customer_id=cid, note="called the buyer", kind="call")
    assert (recorded.customer_id, recorded.customer_name) == (cid, "Acme")
    [entry] = lookup.card(services, member=alice, customer_id=cid).follow_ups
    assert (entry.member_name, entry.kind, entry.note) == ("Alice", "call", "called the buyer")


def test_follow_up_on_another_teams_customer_is_not_found(services: Services) -> None:
    add_west_team(services)
    walt = member_any(services.db, "walt")
    west = add_one(services, "Westwind", pool="west-main")
    claim(services, member=walt, customer_id=west)
    alice = member(services, "alice")
    with pytest.raises(NotFound):
        follow_up(services, member=alice, customer_id=west, note="hello")


def test_kind_and_note_are_validated(services: Services) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as kind:
        follow_up(services, member=alice, customer_id=cid, note="sent a fax", kind="fax")
    assert kind.value.rule == "kind"
    assert kind.value.params == {"kind": "fax", "kinds": "call, visit, message, email, meeting, other"}
    with pytest.raises(RuleViolation) as empty:
        follow_up(services, member=alice, customer_id=cid, note="   ")
    assert empty.value.rule == "note_required"
    with pytest.raises(RuleViolation) as long_note:
        follow_up(services, member=alice, customer_id=cid, note="n" * 2001)
    assert long_note.value.rule == "text_length"
    assert long_note.value.params == {"what": "note", "limit": 2000, "length": 2001}
    assert snapshot(services.db) == before
    for kind_name in FOLLOW_UP_KINDS:
        follow_up(services, member=alice, customer_id=cid, note=f"a {kind_name}", kind=kind_name)
    follow_up(services, member=alice, customer_id=cid, note="n" * 2000)
    card = lookup.card(services, member=alice, customer_id=cid)
    assert len(card.follow_ups) == len(FOLLOW_UP_KINDS) + 1


def test_next_date_in_the_past_is_refused_in_local_days(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    clock.advance(hours=14, minutes=30)  # Tuesday 00:30 in Shanghai, still Monday in UTC
    before = snapshot(services.db)
    with pytest.raises(RuleViolation) as err:
        follow_up(services, member=alice, customer_id=cid, note="call", next_date=date(2026, 11, 23))
    assert err.value.rule == "next_date"
    assert err.value.key == "error.next_in_past"
    assert err.value.params == {"date": date(2026, 11, 23), "today": date(2026, 11, 24)}
    assert snapshot(services.db) == before
    recorded = follow_up(services, member=alice, customer_id=cid, note="call", next_date=date(2026, 11, 24))
    assert recorded.next_date == date(2026, 11, 24)
    assert lookup.card(services, member=alice, customer_id=cid).customer.next_follow_up == date(2026, 11, 24)


def test_follow_up_resets_the_recycle_deadline(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme", priority="A")  # recycle_days A = 7
    claim(services, member=alice, customer_id=cid)
    deadline = lookup.card(services, member=alice, customer_id=cid).customer.deadline
    assert deadline is not None
    assert (deadline.day, deadline.rule, deadline.basis, deadline.days) == (
        date(2026, 11, 30),
        "recycle_days",
        date(2026, 11, 23),
        7,
    )
    clock.advance(days=3)
    recorded = follow_up(services, member=alice, customer_id=cid, note="visited", kind="visit")
    assert recorded.deadline is not None
    assert (recorded.deadline.day, recorded.deadline.basis) == (date(2026, 12, 3), date(2026, 11, 26))
    [view] = lookup.mine(services, member=alice)
    assert view.deadline == recorded.deadline
    assert view.last_touch_at == clock.now()


@pytest.mark.parametrize(("priority", "days"), [("A", 7), ("B", 15), ("C", 30)])
def test_deadline_is_last_touch_day_plus_recycle_days(
    services: Services, clock: FakeClock, priority: str, days: int
) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme", priority=priority)
    claim(services, member=alice, customer_id=cid)
    clock.advance(days=1)
    recorded = follow_up(services, member=alice, customer_id=cid, note="call")
    assert recorded.deadline is not None
    assert recorded.deadline.day.toordinal() - date(2026, 11, 24).toordinal() == days
    assert (recorded.deadline.priority, recorded.deadline.days) == (priority, days)


def test_deadline_boundary_is_the_local_day(services: Services, clock: FakeClock) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme", priority="A")
    claim(services, member=alice, customer_id=cid)
    clock.advance(days=2, hours=13, minutes=59)  # Wednesday 2026-11-25 23:59 local
    late = follow_up(services, member=alice, customer_id=cid, note="late call")
    assert late.deadline is not None and late.deadline.day == date(2026, 12, 2)
    assert lookup.mine(services, member=alice)[0].deadline == late.deadline
    clock.advance(minutes=2)  # Thursday 2026-11-26 00:01 local (still Wednesday in UTC)
    early = follow_up(services, member=alice, customer_id=cid, note="early call")
    assert early.deadline is not None and early.deadline.day == date(2026, 12, 3)
    assert lookup.mine(services, member=alice)[0].deadline == early.deadline


def test_won_customer_has_no_deadline_after_follow_up(services: Services) -> None:
    alice = member(services, "alice")
    cid = add_one(services, "Acme")
    claim(services, member=alice, customer_id=cid)
    mark_won(services, member=alice, customer_id=cid)
    assert follow_up(services, member=alice, customer_id=cid, note="thank-you call").deadline is None


# ---- resolving a customer ------------------------------------------------------------------------


@pytest.fixture
def named(services: Services) -> dict[str, int]:
    names = [
        "Acme Trading",
        "杭州云帆科技有限公司",
        "北京星辰科技有限公司",
        "上海星辰科技有限公司",
        "Globex Industries",
        "Initech",
    ]
    return dict(zip(names, add(services, *names), strict=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Acme Trading", "Acme Trading"),
        ("  acme trading ", "Acme Trading"),
        ("ACME-TRADING", "Acme Trading"),
        ("杭州云帆科技有限公司", "杭州云帆科技有限公司"),
        ("云帆", "杭州云帆科技有限公司"),
        ("yunfan", "杭州云帆科技有限公司"),
        ("hangzhouyunfan", "杭州云帆科技有限公司"),
        ("hzyf", "杭州云帆科技有限公司"),
        ("Acme Tradnig", "Acme Trading"),
        ("Globx Industires", "Globex Industries"),
        ("globex", "Globex Industries"),
    ],
)
def test_resolve_by_name_pinyin_initials_and_typo(
    services: Services, named: dict[str, int], query: str, expected: str
) -> None:
    alice = member(services, "alice")
    assert lookup.resolve_customer(services, member=alice, query=query) == named[expected]


def test_resolve_by_id(services: Services, named: dict[str, int]) -> None:
    alice = member(services, "alice")
    cid = named["Initech"]
    assert lookup.resolve_customer(services, member=alice, query=str(cid)) == cid
    assert lookup.resolve_customer(services, member=alice, query=f"#{cid}") == cid
    with pytest.raises(NotFound) as unknown:
        lookup.resolve_customer(services, member=alice, query="#9999")
    assert unknown.value.params == {"query": "#9999"}
    with pytest.raises(NotFound) as empty:
        lookup.resolve_customer(services, member=alice, query="  ")
    assert empty.value.key == "error.customer_missing"
    with pytest.raises(NotFound):
        lookup.resolve_customer(services, member=alice, query="zzqqxxyy")


@pytest.mark.parametrize("query", ["星辰", "xingchen", "星辰科技"])
def test_ambiguous_name_offers_the_choices(services: Services, named: dict[str, int], query: str) -> None:
    alice = member(services, "alice")
    with pytest.raises(Ambiguous) as err:
        lookup.resolve_customer(services, member=alice, query=query)
    assert sorted(err.value.choices) == sorted(
        [
            (named["北京星辰科技有限公司"], "北京星辰科技有限公司"),
            (named["上海星辰科技有限公司"], "上海星辰科技有限公司"),
        ]
    )
    assert err.value.params == {"query": query, "count": 2, "shown": 2}
    # the more specific name picks one
    assert lookup.resolve_customer(services, member=alice, query="北京星辰") == named["北京星辰科技有限公司"]
    assert lookup.resolve_customer(services, member=alice, query="shxc") == named["上海星辰科技有限公司"]


def test_two_customers_with_the_same_name_are_ambiguous(services: Services) -> None:
    alice = member(services, "alice")
    first, second = add(services, "Acme", "ACME")
    with pytest.raises(Ambiguous) as err:
        lookup.resolve_customer(services, member=alice, query="acme")
    assert sorted(err.value.choices) == [(first, "Acme"), (second, "ACME")]


# ---- search --------------------------------------------------------------------------------------


@pytest.fixture
def catalog(services: Services) -> dict[str, int]:
    customers = [
        NewCustomer(
            "Acme Trading",
            industry="Retail",
            region="Hangzhou",
            size="small",
            priority="A",
            contact="Ann",
            phone="13800000001",
        ),
        NewCustomer(
            "Acme Robotics",
            industry="Manufacturing",
            region="Shanghai",
            size="large",
            priority="B",
            contact="Rob",
            phone="13800000002",
        ),
        NewCustomer(
            "杭州云帆科技有限公司", industry="Software", region="Hangzhou", size="medium", priority="A"
        ),
        NewCustomer(
            "Blue Sky Foods",
            industry="Retail",
            region="Beijing",
            size="small",
            priority="C",
            tags="organic,export",
        ),
    ]
    return {c.name: cid for c, cid in zip(customers, add(services, *customers), strict=True)}


def _names(page: SearchPage) -> list[str]:
    return [c.name for c in page.customers]


def test_search_by_words_and_filters(services: Services, catalog: dict[str, int]) -> None:
    alice = member(services, "alice")

    def find(words: tuple[str, ...] = (), **fields: str) -> list[str]:
        filters = SearchFilters(words=words, **fields)
        return sorted(_names(lookup.search(services, member=alice, filters=filters)))

    assert find(words=("acme",)) == ["Acme Robotics", "Acme Trading"]
    assert find(words=("acme", "robotics")) == ["Acme Robotics"]
    assert find(words=("yunfan",)) == ["杭州云帆科技有限公司"]
    assert find(words=("organic",)) == ["Blue Sky Foods"]
    assert find(industry="retail") == ["Acme Trading", "Blue Sky Foods"]
    assert find(region="Hangzhou") == ["Acme Trading", "杭州云帆科技有限公司"]
    assert find(size="small", priority="c") == ["Blue Sky Foods"]
    assert find(priority="A") == ["Acme Trading", "杭州云帆科技有限公司"]
    assert find(words=("acme",), region="shanghai") == ["Acme Robotics"]
    assert find(words=("nothing-like-it",)) == []
    assert len(find()) == 4


def test_search_shows_only_the_pool(services: Services, catalog: dict[str, int]) -> None:
    alice = member(services, "alice")
    claim(services, member=alice, customer_id=catalog["Acme Trading"])
    page = lookup.search(services, member=alice, filters=SearchFilters(words=("acme",)))
    assert _names(page) == ["Acme Robotics"]
    assert page.total == 1


def test_search_pages(services: Services) -> None:
    alice = member(services, "alice")
    add(services, *[f"Company {i:02d}" for i in range(23)])
    filters = SearchFilters(words=("company",))
    pages = [lookup.search(services, member=alice, filters=filters, page=n) for n in (1, 2, 3)]
    assert [len(p.customers) for p in pages] == [10, 10, 3]
    assert {(p.total, p.pages) for p in pages} == {(23, 3)}
    assert [p.page for p in pages] == [1, 2, 3]
    seen = [name for p in pages for name in _names(p)]
    assert sorted(seen) == [f"Company {i:02d}" for i in range(23)]
    assert lookup.search(services, member=alice, filters=filters, page=4).customers == ()
    assert lookup.search(services, member=alice, filters=filters, page=0).page == 1


def test_contact_hidden_in_the_pool_until_owned(services: Services, catalog: dict[str, int]) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    cid = catalog["Acme Trading"]
    filters = SearchFilters(words=("acmetrading",))
    [as_rep] = lookup.search(services, member=alice, filters=filters).customers
    assert (as_rep.contact, as_rep.phone, as_rep.contact_hidden) == (None, None, True)
    [as_manager] = lookup.search(services, member=maria, filters=filters).customers
    assert (as_manager.contact, as_manager.phone, as_manager.contact_hidden) == ("Ann", "13800000001", False)
    assert lookup.card(services, member=alice, customer_id=cid).customer.phone is None

    claim(services, member=alice, customer_id=cid)
    owner_view = lookup.card(services, member=alice, customer_id=cid).customer
    assert (owner_view.contact, owner_view.phone, owner_view.contact_hidden) == ("Ann", "13800000001", False)
    assert lookup.mine(services, member=alice)[0].phone == "13800000001"
    other_view = lookup.card(services, member=bob, customer_id=cid).customer
    assert (other_view.contact, other_view.phone, other_view.contact_hidden) == (None, None, True)
    assert lookup.card(services, member=maria, customer_id=cid).customer.phone == "13800000001"


def test_contact_shown_in_a_pool_that_does_not_hide(services: Services) -> None:
    add_west_team(services)
    walt = member_any(services.db, "walt")
    add(services, NewCustomer("Westwind", contact="Wes", phone="555-0100"), pool="west-main")
    [view] = lookup.search(services, member=walt, filters=SearchFilters()).customers
    assert (view.contact, view.phone, view.contact_hidden) == ("Wes", "555-0100", False)


# ---- mine and the card ---------------------------------------------------------------------------


def test_mine_lists_the_most_urgent_first(services: Services, clock: FakeClock) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    won = add_one(services, "Won Deal", priority="A")
    later = add_one(services, "Later B", priority="B")
    urgent = add_one(services, "Urgent A", priority="A")
    sooner = add_one(services, "Sooner B", priority="B")
    relaxed = add_one(services, "Relaxed C", priority="C")
    assign(services, manager=maria, customer_id=won, to_member_id=alice.id)
    mark_won(services, member=alice, customer_id=won)
    for cid in (later, urgent, sooner):
        assign(services, manager=maria, customer_id=cid, to_member_id=alice.id)
    follow_up(services, member=alice, customer_id=later, note="call", next_date=date(2026, 12, 1))
    follow_up(services, member=alice, customer_id=sooner, note="call", next_date=date(2026, 11, 25))
    views = lookup.mine(services, member=alice)
    assert [v.name for v in views] == ["Urgent A", "Sooner B", "Later B", "Won Deal"]
    assert [v.deadline.day if v.deadline else None for v in views] == [
        date(2026, 11, 30),
        date(2026, 12, 8),
        date(2026, 12, 8),
        None,
    ]
    assert views[1].next_follow_up == date(2026, 11, 25)
    # a touch moves a customer down the list
    clock.advance(days=9)  # Wednesday 2026-12-02
    follow_up(services, member=alice, customer_id=urgent, note="visited", kind="visit")
    release(services, member=alice, customer_id=later)
    assign(services, manager=maria, customer_id=relaxed, to_member_id=alice.id)
    views = lookup.mine(services, member=alice)
    # Sooner B: Dec 8, Urgent A: Dec 9 (touched today), Relaxed C: Jan 1, Won Deal: never
    assert [v.name for v in views] == ["Sooner B", "Urgent A", "Relaxed C", "Won Deal"]
    assert [v.deadline.day if v.deadline else None for v in views] == [
        date(2026, 12, 8),
        date(2026, 12, 9),
        date(2027, 1, 1),
        None,
    ]
    assert lookup.mine(services, member=member(services, "bob")) == ()


def test_card_shows_follow_ups_and_ownership_history(services: Services, clock: FakeClock) -> None:
    alice, bob, maria = member(services, "alice"), member(services, "bob"), member(services, "maria")
    cid = add_one(services, "Acme", priority="B", industry="Retail")
    claim(services, member=alice, customer_id=cid, reason="lead from the fair")
    follow_up(services, member=alice, customer_id=cid, note="first call", kind="call")
    clock.advance(days=1)
    release(services, member=alice, customer_id=cid, reason="not my region")
    clock.advance(days=1)
    claim(services, member=bob, customer_id=cid)
    follow_up(
        services, member=bob, customer_id=cid, note="visited HQ", kind="visit", next_date=date(2026, 12, 1)
    )
    clock.advance(days=1)
    assign(services, manager=maria, customer_id=cid, to_member_id=alice.id)

    card = lookup.card(services, member=bob, customer_id=cid)
    assert card.customer.owner_name == "Alice"
    assert card.customer.industry == "Retail"
    assert card.customer.next_follow_up == date(2026, 12, 1)
    assert card.pending_request_id is None
    assert [(f.member_name, f.kind, f.note, f.next_date) for f in card.follow_ups] == [
        ("Bob", "visit", "visited HQ", date(2026, 12, 1)),
        ("Alice", "call", "first call", None),
    ]
    assert [(e.kind, e.member_name, e.from_member_name, e.actor_name, e.reason) for e in card.events] == [
        ("assigned", "Alice", "Bob", "Maria", ""),
        ("claimed", "Bob", None, "Bob", ""),
        ("released", "Alice", None, "Alice", "not my region"),
        ("claimed", "Alice", None, "Alice", "lead from the fair"),
        ("imported", None, None, None, ""),
    ]


def test_card_shows_the_pending_request(services: Services) -> None:
    alice, maria = member(services, "alice"), member(services, "maria")
    cid = add_one(services, "Big Bank", pool="east-vip")
    request_id = claim(services, member=alice, customer_id=cid, reason="warm lead").request_id
    card = lookup.card(services, member=maria, customer_id=cid)
    assert card.pending_request_id == request_id
    assert card.customer.pending_member_id == alice.id
    assert card.customer.owner_id is None
    assert card.events[0].kind == "claim_requested"
    assert customer_row(services.db, cid).pending_member_id == alice.id


def test_a_huge_pool_says_more_than_ten_thousand_and_still_pages(services: Services) -> None:
    from bot.domain.catalog import NewCustomer, add_customers
    from bot.handlers.views import search_page
    from bot.storage.teams import pool_by_name

    with services.db.write() as session:
        pool = pool_by_name(session, "east-main")
        assert pool is not None and pool.id is not None
        add_customers(
            session,
            pool_id=pool.id,
            now=services.clock.now(),
            customers=[NewCustomer(f"Bulk {i:05d}") for i in range(lookup.COUNT_CAP + 5)],
        )
    alice = member(services, "alice")
    first = lookup.search(services, member=alice, filters=SearchFilters(words=("bulk",)))
    assert first.more and first.has_next
    assert "more than 10,000 customers" in search_page("en", first, "bulk").summary
    last = lookup.search(services, member=alice, filters=SearchFilters(words=("bulk",)), page=1001)
    assert [c.name for c in last.customers] == [f"Bulk {i:05d}" for i in range(10_000, 10_005)]


def test_search_words_are_literal_and_ignore_spacing(services: Services) -> None:
    from bot.domain.catalog import NewCustomer, add_customers
    from bot.storage.teams import pool_by_name

    add(services, "Acme Corp", "Acme_Labs", "云帆科技")
    with services.db.write() as session:
        pool = pool_by_name(session, "east-main")
        assert pool is not None and pool.id is not None
        add_customers(
            session,
            pool_id=pool.id,
            now=services.clock.now(),
            customers=[NewCustomer("Discount Store", tags="50% off")],
        )
    alice = member(services, "alice")

    def names(*words: str) -> set[str]:
        page = lookup.search(services, member=alice, filters=SearchFilters(words=words))
        return {c.name for c in page.customers}

    assert names("5%") == set()  # % is a character, not a wildcard: "50% off" has no "5%"
    assert names("%") == {"Discount Store"}  # only the tag holds a %
    assert names("🙂") == set()  # a word of symbols does not match the whole pool
    assert names("0% off") == {"Discount Store"}
    assert names("acme corp") == {"Acme Corp"}  # spaces and case do not matter
    assert names("云帆") == {"云帆科技"}  # a two-character Chinese word (the bigram index on PostgreSQL)
    assert names("yunfan") == {"云帆科技"}

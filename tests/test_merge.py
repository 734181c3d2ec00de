"""A manager's /duplicates list and /merge #a #b, on SQLite and PostgreSQL."""

from __future__ import annotations

from helpers import add_one, event_kinds, member, owner_of, ownership_invariants, snapshot

from bot.domain.context import Services
from bot.handlers.console.chat import ConsoleChat


def test_duplicates_lists_suspected_pairs_with_merge_buttons(services: Services) -> None:
    a = add_one(services, "杭州云帆科技有限公司", phone="0571-88886666")
    b = add_one(services, "杭州云帆科技", email="x@yunfan.cn")
    c = add_one(services, "Fabrikam", phone="+86 571 8888 6666")
    d = add_one(services, "Northwind Traders")
    e = add_one(services, "Northwind", email="X@Yunfan.cn")
    add_one(services, "Totally Unrelated")
    out = ConsoleChat(services, handle="maria").say("/duplicates")
    assert f"#{a} 杭州云帆科技有限公司 ↔ #{b} 杭州云帆科技 — same name" in out
    assert f"#{a} 杭州云帆科技有限公司 ↔ #{c} Fabrikam — same phone" in out
    assert f"#{b} 杭州云帆科技 ↔ #{e} Northwind — same e-mail" in out
    assert f"#{d} Northwind Traders ↔ #{e} Northwind — similar name" in out
    assert f"/merge #{a} #{b}" in out  # the Merge button's typed twin
    assert "Unrelated" not in out
    assert "Only managers can /duplicates" in ConsoleChat(services, handle="alice").say("/duplicates")


def test_no_duplicates_says_so(services: Services) -> None:
    add_one(services, "Alpha")
    add_one(services, "Omega")
    assert "No suspected duplicates" in ConsoleChat(services, handle="maria").say("/查重")


def test_merge_keeps_one_customer_with_both_histories(services: Services) -> None:
    keep = add_one(services, "Contoso Ltd")
    other = add_one(services, "Contoso", phone="021-55556666", contact="Carl")
    alice = ConsoleChat(services, handle="alice")
    alice.say(f"/claim #{other}")
    alice.say(f"/followup #{other} met the buyer")
    maria = ConsoleChat(services, handle="maria")
    out = maria.say(f"/merge #{keep} #{other}")
    assert f"#{other} Contoso is merged into #{keep} Contoso Ltd" in out
    assert owner_of(services.db, keep) == member(services, "alice").id  # it had no owner: it takes hers
    assert f"Maria merged your customer #{other} Contoso into #{keep} Contoso Ltd; it is still yours" in (
        alice.notifications()
    )
    card = maria.say(f"/customer #{keep}")
    assert "met the buyer" in card and "021-55556666" in card and "Carl" in card
    assert event_kinds(services.db, keep) == ["imported", "imported", "claimed", "merged"]
    assert f"#{other} Contoso was merged into #{keep}" in maria.say(f"/customer #{other}")
    assert f"#{other} Contoso was merged into #{keep}" in alice.say(f"/followup #{other} again")
    with services.db.read() as session:
        assert ownership_invariants(session) == []


def test_the_merged_owner_is_told(services: Services) -> None:
    keep = add_one(services, "Acme")
    other = add_one(services, "Acme Inc")
    alice, bob = ConsoleChat(services, handle="alice"), ConsoleChat(services, handle="bob")
    alice.say(f"/claim #{keep}")
    bob.say(f"/claim #{other}")
    ConsoleChat(services, handle="maria").say(f"/merge #{keep} #{other}")
    assert (
        f"Maria merged your customer #{other} Acme Inc into #{keep} Acme, which another rep owns"
        in bob.say("/mine")
    )
    assert owner_of(services.db, keep) == member(services, "alice").id


def test_merge_refusals_change_nothing(services: Services) -> None:
    a = add_one(services, "Acme")
    b = add_one(services, "Acme Inc", pool="east-vip")
    ConsoleChat(services, handle="alice").say(f"/claim #{b}")  # a pending request (approval pool)
    maria = ConsoleChat(services, handle="maria")
    before = snapshot(services.db)
    assert "has a request waiting for a decision" in maria.say(f"/merge #{a} #{b}")
    assert "cannot be merged into itself" in maria.say(f"/merge #{a} #{a}")
    assert "/duplicates [page:N]" in maria.say("/merge Acme")  # the usage line
    assert "Only managers can /merge" in ConsoleChat(services, handle="alice").say(f"/merge #{a} #{b}")
    assert snapshot(services.db).customers == before.customers

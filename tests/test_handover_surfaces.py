"""Handover beyond the console: the managers' card when the config makes someone inactive (once
per going inactive), the Confirm button pressed on Slack, the admin's shell verb, and a handover
racing the receiver's own claims on both databases."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from helpers import add, member, member_any, notifications, ownership_invariants, snapshot
from slack_app import SlackHarness
from slack_fake import FakeSlack
from test_handover import alices_book, config, handover_config, owners, read
from typer.testing import CliRunner

from bot.cli import app
from bot.config import PoolbotConfig
from bot.domain.claims import claim
from bot.domain.clock import FakeClock
from bot.domain.context import Services
from bot.domain.errors import DomainError
from bot.domain.handover import hand_over
from bot.domain.setup import sync_config
from bot.handlers.console.chat import ConsoleChat

__all__ = ["config"]  # the handover team (Bob capped at 2, Dave at 3)


def make_inactive(services: Services, active: bool = False) -> None:
    sync_config(services.db, PoolbotConfig.model_validate(handover_config(active=active)), services.clock)


def test_the_managers_get_a_handover_card_once_per_member_going_inactive(services: Services) -> None:
    alices_book(services, 2)
    vip = add(services, "Contoso Ltd", pool="east-vip")[0]
    claim(services, member=member(services, "alice"), customer_id=vip)
    make_inactive(services)
    make_inactive(services)  # the next start: still inactive, nothing new
    [card] = read(services, "handover_due", "maria")
    assert "Alice is inactive now and still owns 2 customers" in card
    assert "east-main 2" in card and "1 pending claim requests wait" in card
    assert (
        "[Hand over (auto): /handover alice auto]" in card
        and "[Back to the pool: /handover alice pool]" in card
    )
    make_inactive(services, active=True)
    assert isinstance(services.clock, FakeClock)
    services.clock.advance(days=1)
    make_inactive(services)  # inactive again: a new card
    assert len(read(services, "handover_due", "maria")) == 2


def test_two_starts_at_once_with_the_new_config_send_one_card(services: Services) -> None:
    alices_book(services, 1)
    barrier = threading.Barrier(2)

    def start() -> None:
        barrier.wait(timeout=60)
        make_inactive(services)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(read(services, "handover_due", "maria")) == 1


def test_no_card_for_a_member_who_leaves_with_an_empty_book(services: Services) -> None:
    make_inactive(services)
    assert notifications(services.db, kind="handover_due") == []


def test_the_card_leads_to_a_handover_of_an_inactive_member(services: Services) -> None:
    ids = alices_book(services, 2)
    make_inactive(services)
    chat = ConsoleChat(services, handle="maria")
    assert "Handover of Alice's book: 2 customers" in chat.say("/handover alice auto")
    assert "2 of 2 customers moved" in chat.say("/handover alice auto confirm")
    assert member_any(services.db, "alice").id not in owners(services.db, ids).values()


def test_confirm_pressed_on_slack_hands_the_book_over(
    slack: SlackHarness, fake: FakeSlack, services: Services
) -> None:
    ids = alices_book(services, 2)
    slack.slash("/poolbot", "handover alice dave", as_="UMARIA")
    shown = json.dumps(slack.last_response()["blocks"], ensure_ascii=False)
    assert "Handover of Alice's book: 2 customers" in shown and "alice dave confirm" in shown
    assert owners(services.db, ids) == {cid: member(services, "alice").id for cid in ids}
    assert slack.press("handover.confirm", "alice dave confirm", as_="UMARIA").status_code == 200
    assert "2 of 2 customers moved" in slack.responses()[-1]
    assert set(owners(services.db, ids).values()) == {member(services, "dave").id}


# ---- the admin's shell verb ----------------------------------------------------------------------


@pytest.fixture
def shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services: Services, database_url: str
) -> CliRunner:
    """``poolbot`` on the test database, with the handover team's config file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name in ("POOLBOT_CONFIG", "SLACK_BOT_TOKEN", "DINGTALK_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "poolbot.toml").write_text(_toml(), "utf-8")
    return CliRunner()


def _toml() -> str:
    data = handover_config()
    lines = ['[[teams]]\nname = "east"\ntimezone = "Asia/Shanghai"\nlocale = "en"\n']
    for m in data["members"]:
        lines.append("[[members]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in m.items()))
    for p in data["pools"]:
        flat = {k: v for k, v in p.items() if not isinstance(v, dict)}
        lines.append("[[pools]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in flat.items()))
    return "\n".join(lines)


def test_the_admin_hands_over_from_the_shell_with_yes(shell: CliRunner, services: Services) -> None:
    ids = alices_book(services, 3)
    result = shell.invoke(app, ["members", "handover", "alice", "--to", "pool", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Handover of Alice's book: 3 customers" in result.output
    assert "Handed over Alice's book: 3 of 3 customers moved" in result.output
    assert all(f"#{cid} " in result.output for cid in ids)  # every customer, no "…and more"
    assert set(owners(services.db, ids).values()) == {None}
    assert "handed over from Alice to the pool by an admin" in ConsoleChat(services, handle="maria").say(
        f"/customer #{ids[0]}"
    )


def test_without_yes_the_shell_asks_and_a_no_changes_nothing(shell: CliRunner, services: Services) -> None:
    alices_book(services, 1)
    before = snapshot(services.db)
    result = shell.invoke(app, ["members", "handover", "alice", "--to", "dave"], input="n\n")
    assert result.exit_code == 1 and "Hand over Alice's book? [y/N]" in result.output
    assert "Nothing was changed." in result.output
    assert snapshot(services.db) == before
    agreed = shell.invoke(app, ["members", "handover", "alice", "--to", "dave"], input="y\n")
    assert agreed.exit_code == 0 and "1 of 1 customers moved" in agreed.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["ghost", "--to", "pool"], "I don't know ghost"),
        (["alice", "--to", "nobody"], "Your team has no member nobody."),
        (["dave", "--to", "auto"], "Dave owns no customers."),
        (["alice", "--to", "maria"], "Maria's role is manager: only reps own customers."),
    ],
)
def test_bad_input_in_the_shell_is_one_line_and_a_failing_exit(
    shell: CliRunner, services: Services, args: list[str], said: str
) -> None:
    alices_book(services, 1)
    before = snapshot(services.db)
    result = shell.invoke(app, ["members", "handover", *args, "--yes"])
    assert result.exit_code == 1 and said in result.output, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert snapshot(services.db) == before


# ---- races ---------------------------------------------------------------------------------------


def test_a_handover_racing_the_receivers_claims_never_passes_their_cap(services: Services) -> None:
    alices_book(services, 3)
    pool = add(services, *(f"Free {n}" for n in range(3)))
    bob, alice, maria = member(services, "bob"), member(services, "alice"), member(services, "maria")
    barrier = threading.Barrier(1 + len(pool))
    said: list[str] = []

    def handover() -> None:
        barrier.wait(timeout=60)
        outcome = hand_over(services, manager=maria, team_id=maria.team.id, member_id=alice.id, to=bob.id)
        said.append(f"moved {len(outcome.moved)}")

    def claiming(customer_id: int) -> None:
        barrier.wait(timeout=60)
        try:
            claim(services, member=bob, customer_id=customer_id)
            said.append("claimed")
        except DomainError as exc:
            said.append(exc.key)

    threads = [threading.Thread(target=handover)] + [
        threading.Thread(target=claiming, args=(c,)) for c in pool
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = list(owners(services.db, [*pool, *range(1, 4)]).values()).count(bob.id)
    assert held == 2, said  # Bob's own cap, whoever came first
    with services.db.read() as session:
        assert ownership_invariants(session) == []

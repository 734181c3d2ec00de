"""A command is declared once: the parser, /help, the router, the console and Slack all follow."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import add_one, member
from slack_app import running_app
from slack_fake import FakeSlack

from bot.domain.claims import claim
from bot.domain.context import Services
from bot.handlers.commands import Bot
from bot.handlers.console.chat import ConsoleChat
from bot.handlers.ctx import Ctx
from bot.handlers.registry import MANAGERS, REPS, CommandGroup
from bot.handlers.table import COMMANDS
from bot.i18n import EN
from bot.messages import Actions, Button, Message, Reply, Text


def throwaway() -> CommandGroup:
    """A command no other file knows of: ``/ping [words]``, 乒 in Chinese, with a button."""
    group = CommandGroup()

    @group.command("ping", aliases=("乒",), buttons=("ping.again",))
    def do_ping(ctx: Ctx) -> Reply:
        said = f"pong {' '.join(ctx.parsed.words)}".strip()
        again = Button("again", "ping.again", "once more")
        return Reply(Message((Text(said), Actions((again,))), summary=said))

    return group


@pytest.fixture
def with_ping(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(EN, "help.ping", "/ping [words] — answers pong")
    with COMMANDS.including(throwaway()):
        yield


def test_a_registered_command_is_parsed_listed_in_help_and_answered_on_the_console(
    services: Services, with_ping: None
) -> None:
    bot = Bot(services)
    parsed = bot.parse("/乒 hello")
    assert parsed is not None and parsed.name == "ping" and parsed.words == ("hello",)
    chat = ConsoleChat(services, handle="alice")
    assert "/ping [words] — answers pong" in chat.say("/help")
    out = chat.say("乒 hello")
    assert "pong hello" in out
    assert "[again: /ping once more]" in out  # the button's typed twin, from the declaration


def test_a_registered_command_is_a_slack_slash_command_and_its_button_runs_its_twin(
    services: Services, fake: FakeSlack, with_ping: None
) -> None:
    with running_app(services, fake) as slack:
        slack.slash("/ping", "there", as_="UALICE")
        assert slack.responses()[-1].startswith("pong there")
        slack.press("ping.again", "once more", as_="UALICE")
        assert slack.responses()[-1].startswith("pong once more")


def test_the_standard_table_does_not_know_a_command_nobody_declared(services: Services) -> None:
    chat = ConsoleChat(services, handle="alice")
    out = chat.say("/ping")
    assert out.startswith("I don't know “/ping”.") and "pong" not in out


def test_two_commands_cannot_claim_the_same_word_or_button() -> None:
    clash = CommandGroup()
    clash.command("pool2", aliases=("公海",))(lambda ctx: Reply(Message.text("")))
    with pytest.raises(ValueError, match="公海"), COMMANDS.including(clash):
        pass
    twin = CommandGroup()
    twin.command("open2", buttons=("customer.show",))(lambda ctx: Reply(Message.text("")))
    with pytest.raises(ValueError, match=r"customer\.show"), COMMANDS.including(twin):
        pass


# What a rep types to try each managers-only command; a new one without a line here fails the test
# below, so the declaration and the domain's check cannot drift apart.
REP_TRIES = {
    "approve": "/approve {request}",
    "reject": "/reject {request} no",
    "assign": '/assign "Acme Corp" bob',
    "transfer": "/transfer alice bob",
    "handover": "/handover bob pool confirm",
    "lock": '/lock "Acme Corp"',
    "unlock": '/unlock "Acme Corp"',
    "report": "/report",
    "duplicates": "/duplicates",
    "merge": "/merge #1 #2",
    "requests": "/requests",
}


def test_every_command_declared_for_managers_is_refused_to_a_rep(services: Services) -> None:
    acme = add_one(services, "Acme Corp")
    vip = add_one(services, "Contoso Ltd", pool="east-vip")
    request = claim(services, member=member(services, "bob"), customer_id=vip).request_id
    claim(services, member=member(services, "alice"), customer_id=acme)
    chat = ConsoleChat(services, handle="alice")
    declared = {spec.name for spec in COMMANDS if spec.roles == MANAGERS}
    assert declared == set(REP_TRIES)
    for name in sorted(declared):
        out = chat.say(REP_TRIES[name].format(request=request))
        assert f"Only managers can /{name}" in out, (name, out)


def test_every_command_declared_for_reps_is_refused_to_a_manager(services: Services) -> None:
    add_one(services, "Acme Corp")
    chat = ConsoleChat(services, handle="maria")
    declared = {spec.name for spec in COMMANDS if spec.roles == REPS}
    assert declared == {"claim", "new"}
    assert "Only reps can /claim" in chat.say('/claim "Acme Corp"')
    assert "Only reps can /new" in chat.say("/new Acme Corp")


def test_the_help_lists_every_command_in_the_order_declared(services: Services) -> None:
    lines = ConsoleChat(services, handle="alice").say("/help").splitlines()[1:]
    assert [line.split()[0] for line in lines] == [
        "/pool",
        "/claim",
        "/new",
        "/duplicates",
        "/mine",
        "/followup",
        "/release",
        "/customer",
        "/extend",
        "/requests",
        "/approve",
        "/assign",
        "/lock",
        "/handover",
        "/report",
        "/forecast",
        "/settings",
        "/help",
    ]

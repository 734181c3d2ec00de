"""The command table: text in (from any surface), a neutral reply out.

Each handler is a small function of a :class:`Ctx`. The router resolves who is speaking, turns
domain refusals into a sentence in the team's language, remembers numbered choices, and makes sure
no exception ever reaches a chat: an unexpected one is logged with a reference the user can quote.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bot import logs
from bot.domain import assignment, chat, claims, followups, insight, lookup, ownership, priorities
from bot.domain.context import Services, today
from bot.domain.errors import Ambiguous, DomainError
from bot.domain.views import MemberView
from bot.handlers import insight_views, views
from bot.handlers.dates import BadDate, parse_date
from bot.handlers.parser import MAX_COMMAND_LENGTH, Parsed, parse
from bot.i18n import DEFAULT_LOCALE, t
from bot.messages import Actions, Actor, Button, Command, Context, Message, Reply, Text
from bot.names import as_id
from bot.storage.assignment import Filters
from bot.storage.queries import SearchFilters

log = logging.getLogger("poolbot.commands")
MAX_PAGE = 100_000  # 1M customers at 10 a page; beyond that a page number is a typo


@dataclass(frozen=True)
class Ctx:
    services: Services
    member: MemberView
    parsed: Parsed

    @property
    def locale(self) -> str:
        return self.member.team.locale

    def say(self, key: str, **params: object) -> Reply:
        return Reply(Message.text(t(self.locale, key, **params)))

    def refuse(self, key: str, **params: object) -> Reply:
        """An answer that changed nothing: a refusal, a usage line, a question back."""
        return Reply(Message.text(t(self.locale, key, **params)), refused=True)

    def customer(self, *, whole: bool = False, keep_last: int = 0) -> tuple[int, tuple[str, ...]]:
        """Resolve the customer named at the start of the words; return its id and the rest.

        ``whole``: every word (minus ``keep_last`` trailing ones) belongs to the name.
        """
        words = self.parsed.words[: len(self.parsed.words) - keep_last] if keep_last else self.parsed.words
        if whole:
            query, count = " ".join(words), len(words)
        else:
            query, count = lookup.split_customer(self.services, member=self.member, words=words)
        rest = self.parsed.words[count:]
        try:
            return lookup.resolve_customer(self.services, member=self.member, query=query), rest
        except Ambiguous as exc:
            raise NeedChoice(exc, self.parsed.name, _unparse(rest, self.parsed.options)) from exc


class NeedChoice(Exception):
    def __init__(self, ambiguous: Ambiguous, command: str, remainder: str) -> None:
        super().__init__(ambiguous.key)
        self.ambiguous = ambiguous
        self.command = command
        self.remainder = remainder


class Usage(Exception):
    """The command was typed wrong; the reply shows its usage line."""


def _unparse(words: tuple[str, ...], options: dict[str, str]) -> str:
    quoted = [f'"{w}"' if " " in w else w for w in words]
    return " ".join(quoted + [f"{k}:{v}" for k, v in options.items()])


# ---- handlers ---------------------------------------------------------------------------------------


def do_pool(ctx: Ctx) -> Reply:
    opts = ctx.parsed.options
    page_text = opts.get("page", "1")
    if (page := as_id(page_text)) is None or page > MAX_PAGE:
        return ctx.refuse("error.bad_page", max=MAX_PAGE)
    filters = SearchFilters(
        words=ctx.parsed.words,
        industry=opts.get("industry"),
        region=opts.get("region"),
        size=opts.get("size"),
        priority=priorities.priority_filter(opts.get("priority")),
    )
    found = lookup.search(ctx.services, member=ctx.member, filters=filters, page=page)
    query = _unparse(ctx.parsed.words, {k: v for k, v in opts.items() if k != "page"})
    return Reply(views.search_page(ctx.locale, found, query))


def do_claim(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, rest = ctx.customer()
    outcome = claims.claim(ctx.services, member=ctx.member, customer_id=customer_id, reason=" ".join(rest))
    if outcome.request_id is not None:
        return ctx.say("ok.requested", request=outcome.request_id, customer=outcome.customer_name)
    card = lookup.card(ctx.services, member=ctx.member, customer_id=customer_id)
    deadline = card.customer.deadline
    if deadline is None:
        return ctx.say(
            "ok.claimed_no_deadline", customer=outcome.customer_name, held=outcome.held, cap=outcome.cap
        )
    return ctx.say(
        "ok.claimed",
        customer=outcome.customer_name,
        held=outcome.held,
        cap=outcome.cap,
        deadline=deadline.day,
    )


def do_mine(ctx: Ctx) -> Reply:
    owned = lookup.mine(ctx.services, member=ctx.member)
    return Reply(
        views.mine(ctx.locale, owned, today(ctx.services, ctx.member.team), ctx.member.team.timezone)
    )


def do_followup(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, rest = ctx.customer()
    next_text = ctx.parsed.options.get("next")
    try:
        next_date = (
            parse_date(next_text, today(ctx.services, ctx.member.team)) if next_text is not None else None
        )
    except BadDate:
        return ctx.refuse("error.bad_date", text=next_text)
    done = followups.follow_up(
        ctx.services,
        member=ctx.member,
        customer_id=customer_id,
        note=" ".join(rest),
        kind=ctx.parsed.options.get("kind", "call").lower(),
        next_date=next_date,
    )
    key = "ok.followup_next" if done.next_date else "ok.followup"
    reply = t(ctx.locale, key, customer=done.customer_name, next=done.next_date)
    if done.deadline is not None:
        reply += "\n" + views.describe_deadline(ctx.locale, done.deadline)
    return Reply(Message.text(reply))


def do_release(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, rest = ctx.customer()
    done = ownership.release(ctx.services, member=ctx.member, customer_id=customer_id, reason=" ".join(rest))
    return ctx.say("ok.released", customer=done.customer_name)


def do_customer(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, _ = ctx.customer(whole=True)
    if (priority := ctx.parsed.options.get("priority")) is not None:
        return _set_priority(ctx, customer_id, priority)
    card = lookup.card(ctx.services, member=ctx.member, customer_id=customer_id)
    return Reply(views.customer_card(ctx.locale, card, viewer=ctx.member))


def _request_id(ctx: Ctx) -> int:
    request_id = as_id(ctx.parsed.words[0]) if ctx.parsed.words else None
    if request_id is None:
        raise Usage
    return request_id


def _set_priority(ctx: Ctx, customer_id: int, priority: str) -> Reply:
    """A manager's ``/customer <customer> priority:A``: the card follows with the new deadline."""
    done = priorities.set_priority(
        ctx.services, manager=ctx.member, customer_id=customer_id, priority=priority
    )
    said = t(
        ctx.locale,
        "insight.priority_set",
        customer=done.customer_name,
        priority=done.priority,
        days=done.recycle_days,
    )
    card = lookup.card(ctx.services, member=ctx.member, customer_id=customer_id)
    shown = views.customer_card(ctx.locale, card, viewer=ctx.member)
    return Reply(Message((Text(said), *shown.blocks), summary=said))


def do_approve(ctx: Ctx) -> Reply:
    done = claims.decide(ctx.services, manager=ctx.member, request_id=_request_id(ctx), approve=True)
    return ctx.say(
        "ok.approved", request=done.request_id, customer=done.customer_name, member=done.member_name
    )


def do_reject(ctx: Ctx) -> Reply:
    request_id = _request_id(ctx)
    done = claims.decide(
        ctx.services,
        manager=ctx.member,
        request_id=request_id,
        approve=False,
        reason=" ".join(ctx.parsed.words[1:]),
    )
    return ctx.say("ok.rejected", request=done.request_id, customer=done.customer_name)


AUTO_WORDS = ("auto", "自动")


def do_assign(ctx: Ctx) -> Reply:
    words = ctx.parsed.words
    if words and words[0].lower() in AUTO_WORDS and len(words) <= 2:
        return do_assign_auto(ctx)
    if len(words) < 2:
        raise Usage
    target = lookup.member_by_handle(ctx.services, team_id=ctx.member.team.id, handle=ctx.parsed.words[-1])
    customer_id, _ = ctx.customer(whole=True, keep_last=1)
    done = ownership.assign(ctx.services, manager=ctx.member, customer_id=customer_id, to_member_id=target.id)
    return ctx.say("ok.assigned", customer=done.customer_name, member=target.name)


def do_assign_auto(ctx: Ctx) -> Reply:
    """``/assign auto [count] [region:… industry:… size:… priority:… pool:…]``: the pool's strategy
    hands out up to ``count`` matching pool customers (all of them, up to a run's maximum)."""
    limit = assignment.MAX_PER_RUN
    count_text = ctx.parsed.words[1] if len(ctx.parsed.words) > 1 else str(limit)
    if (count := as_id(count_text)) is None or count > limit:
        return ctx.refuse("insight.auto_bad_count", max=limit)
    opts = ctx.parsed.options
    filters = Filters(
        industry=opts.get("industry"),
        region=opts.get("region"),
        size=opts.get("size"),
        priority=opts.get("priority"),
        pool=opts.get("pool"),
    )
    outcome = assignment.auto_assign(
        ctx.services, manager=ctx.member, team_id=ctx.member.team.id, filters=filters, count=count
    )
    return Reply(insight_views.auto_assigned(ctx.locale, outcome))


def do_transfer(ctx: Ctx) -> Reply:
    if len(ctx.parsed.words) != 2:
        raise Usage
    source, target = (
        lookup.member_by_handle(ctx.services, team_id=ctx.member.team.id, handle=h) for h in ctx.parsed.words
    )
    done = ownership.transfer(
        ctx.services, manager=ctx.member, from_member_id=source.id, to_member_id=target.id
    )
    return ctx.say("ok.transferred", count=done.count, from_name=done.from_name, to_name=done.to_name)


def _locker(locked: bool) -> Callable[[Ctx], Reply]:
    def handler(ctx: Ctx) -> Reply:
        if not ctx.parsed.words:
            raise Usage
        customer_id, _ = ctx.customer(whole=True)
        done = ownership.set_locked(ctx.services, manager=ctx.member, customer_id=customer_id, locked=locked)
        return ctx.say("ok.locked" if locked else "ok.unlocked", customer=done.customer_name)

    return handler


def do_won(ctx: Ctx) -> Reply:
    if not ctx.parsed.words:
        raise Usage
    customer_id, _ = ctx.customer(whole=True)
    done = ownership.mark_won(ctx.services, member=ctx.member, customer_id=customer_id)
    return ctx.say("ok.won", customer=done.customer_name)


def do_report(ctx: Ctx) -> Reply:
    """``/report [week|month]`` for managers: the table, the fairness line and the chart."""
    if not ctx.member.is_manager:
        return ctx.refuse("error.managers_only", command="report")
    period = (ctx.parsed.words[0] if ctx.parsed.words else "week").lower()
    period = {"周": "week", "本周": "week", "月": "month", "本月": "month"}.get(period, period)
    if period not in insight.PERIOD_DAYS or len(ctx.parsed.words) > 1:
        return ctx.refuse("insight.report_bad_period")
    last = today(ctx.services, ctx.member.team)
    report = insight.team_report(ctx.services, team_id=ctx.member.team.id, period=period, last=last)
    title = t(ctx.locale, "insight.chart_title", first=report.first, last=report.last)
    chart = insight.write_chart(
        ctx.services, report, title=title, labels=insight_views.chart_labels(ctx.locale)
    )
    return Reply(insight_views.report_message(ctx.locale, report, str(chart) if chart else None))


def do_help(ctx: Ctx) -> Reply:
    return Reply(help_message(ctx.locale))


HELP_KEYS = (
    "pool",
    "claim",
    "mine",
    "followup",
    "release",
    "customer",
    "approve",
    "assign",
    "lock",
    "report",
    "help",
)


def help_message(locale: str, *, console: bool = False) -> Message:
    lines = [t(locale, f"help.{key}") for key in HELP_KEYS]
    if console:
        lines.append(t(locale, "help.console"))
    return Message(
        (Text(t(locale, "help.title"), heading=True), Text("\n".join(lines))), summary=t(locale, "help.title")
    )


COMMANDS: dict[str, Callable[[Ctx], Reply]] = {
    "pool": do_pool,
    "claim": do_claim,
    "mine": do_mine,
    "followup": do_followup,
    "release": do_release,
    "customer": do_customer,
    "approve": do_approve,
    "reject": do_reject,
    "assign": do_assign,
    "transfer": do_transfer,
    "lock": _locker(True),
    "unlock": _locker(False),
    "won": do_won,
    "report": do_report,
    "help": do_help,
}


# ---- the router --------------------------------------------------------------------------------------


class Bot:
    """Routes a :class:`Command` to its handler and always answers with a :class:`Reply`."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def handle(self, command: Command) -> Reply:
        """Answer one line; whatever goes wrong, the answer is a sentence, never a traceback."""
        return self._guarded(command, lambda request_id: self._handle(command, request_id))

    def handle_parsed(self, command: Command, parsed: Parsed) -> Reply:
        """Answer a command a form already took apart (a Slack modal's fields): no re-parsing, so a
        note may hold quotes or ``key:value`` text. ``command.text`` is only for the logs."""
        return self._guarded(command, lambda request_id: self._handle_parsed(command, parsed, request_id))

    def _guarded(self, command: Command, answer: Callable[[str], Reply]) -> Reply:
        request_id = command.request_id or uuid.uuid4().hex[:12]
        try:
            return answer(request_id)
        except Exception:
            log.exception("command failed", extra={"user": command.actor.user_id, "request_id": request_id})
            return _refused(Message.text(t(DEFAULT_LOCALE, "error.internal", ref=request_id)))

    def member_of(self, command: Command, request_id: str) -> MemberView | Reply:
        """The member behind the platform identity, or the answer telling a stranger to ask an admin."""
        try:
            return lookup.member_for(
                self.services, platform=command.actor.platform, user_id=command.actor.user_id
            )
        except DomainError as exc:
            log.info(
                "unknown member",
                extra={
                    "platform": command.actor.platform,
                    "user": command.actor.user_id,
                    "request_id": request_id,
                },
            )
            return _refused(Message.text(t(DEFAULT_LOCALE, exc.key, **exc.params)))

    def _handle_parsed(self, command: Command, parsed: Parsed, request_id: str) -> Reply:
        member = self.member_of(command, request_id)
        if isinstance(member, Reply):
            return member
        if parsed.name not in COMMANDS:
            return self._unknown(member, parsed.name)
        return self._run(Ctx(self.services, member, parsed), command.actor, request_id)

    def _handle(self, command: Command, request_id: str) -> Reply:
        text = self._expand_choice(command.actor, command.text.strip())
        member = self.member_of(command, request_id)
        if isinstance(member, Reply):
            return member
        if len(text) > MAX_COMMAND_LENGTH:
            what = t(member.team.locale, "what.message")
            too_long = t(
                member.team.locale, "error.too_long", what=what, length=len(text), limit=MAX_COMMAND_LENGTH
            )
            return _refused(Message.text(too_long))
        parsed = parse(text)
        if parsed is None or parsed.name not in COMMANDS:
            return self._unknown(member, text)
        return self._run(Ctx(self.services, member, parsed), command.actor, request_id)

    def _run(self, ctx: Ctx, actor: Actor, request_id: str) -> Reply:
        fields = {"member": ctx.member.handle, "command": ctx.parsed.name, "request_id": request_id}
        try:
            with logs.bound(**fields):
                reply = COMMANDS[ctx.parsed.name](ctx)
        except NeedChoice as choice:
            return self._offer(ctx, actor, choice)
        except Usage:
            return ctx.refuse("error.usage", usage=t(ctx.locale, f"help.{_help_key(ctx.parsed.name)}"))
        except DomainError as exc:
            log.info("refused", extra={**fields, "reason": exc.key, **_loggable(exc.params)})
            return ctx.refuse(exc.key, **_translated(ctx.locale, exc.params))
        except Exception:
            log.exception("command failed", extra=fields)
            return ctx.refuse("error.internal", ref=request_id)
        log.info("done", extra=fields)
        return reply

    def _offer(self, ctx: Ctx, actor: Actor, choice: NeedChoice) -> Reply:
        exc = choice.ambiguous
        buttons = tuple(
            Button(f"{i}) #{cid} {name}", f"cmd.{choice.command}", f"#{cid} {choice.remainder}".strip())
            for i, (cid, name) in enumerate(exc.choices, start=1)
        )
        commands = [b.twin for b in buttons]
        chat.offer(self.services, platform=actor.platform, user_id=actor.user_id, commands=commands)
        message = Message(
            (
                Text(t(ctx.locale, exc.key, **exc.params)),
                Actions(buttons),
                Context(t(ctx.locale, "view.choices_hint")),
            ),
            summary=t(ctx.locale, exc.key, **exc.params),
        )
        return Reply(message, choices=tuple(commands), refused=True)

    def _expand_choice(self, actor: Actor, text: str) -> str:
        """A bare number answers the choices offered last (any process may have offered them)."""
        choice = as_id(text)
        if choice is None:
            return text
        offered = chat.take_offer(self.services, platform=actor.platform, user_id=actor.user_id)
        return offered[choice - 1] if choice <= len(offered) else text

    def _unknown(self, member: MemberView, text: str) -> Reply:
        head = text.split()[0] if text.split() else ""
        intro = t(member.team.locale, "error.unknown_command", command=head)
        help_text = help_message(member.team.locale)
        return _refused(Message((Text(intro), *help_text.blocks), summary=intro))


def _refused(message: Message) -> Reply:
    return Reply(message, refused=True)


def _help_key(command: str) -> str:
    return {"reject": "approve", "transfer": "assign", "unlock": "lock", "won": "lock"}.get(command, command)


def _translated(locale: str, params: dict[str, object]) -> dict[str, object]:
    """Domain params name some things by code ("what": "note", "status": "approved"); show them
    in the team's words."""
    shown = dict(params)
    for name in ("what", "status", "role"):
        if name in shown:
            shown[name] = t(locale, f"{name}.{shown[name]}")
    return shown


def _loggable(params: dict[str, object]) -> dict[str, object]:
    """Domain params are ids, names and numbers; prefix them so they never clash with log fields."""
    return {f"p_{k}": v for k, v in params.items()}

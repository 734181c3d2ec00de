"""``poolbot members handover``: an admin hands a departing member's book over from the shell, the
same handover a manager runs with ``/handover`` in the chat (preview, confirm, report per customer),
in every team whose pools hold the member's customers."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.cli.common import ConfigOption, app, complain, open_runtime
from bot.domain import handover, lookup
from bot.domain.context import Services
from bot.domain.errors import Conflict, DomainError
from bot.domain.handover import Target
from bot.domain.snapshots import MemberView
from bot.handlers import handover_views
from bot.handlers.console.render import render_text
from bot.i18n import DEFAULT_LOCALE, t
from bot.storage import teams

members_app = typer.Typer(help="Members: hand a departing member's book over.", no_args_is_help=True)
app.add_typer(members_app, name="members")
out = Console(soft_wrap=True)


@members_app.command("handover")
def members_handover(
    handle: Annotated[str, typer.Argument(help="The member whose book is handed over.")],
    to: Annotated[
        str,
        typer.Option("--to", help="auto (each pool's strategy), pool (back to the pool) or a rep's handle."),
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking for confirmation.")] = False,
    config: ConfigOption = None,
) -> None:
    """Hand a member's whole book over: previewed, confirmed, then moved with a progress bar."""
    services = open_runtime(config).services
    locale = DEFAULT_LOCALE
    try:
        source, team_ids = handover.find_any(services, handle=handle)
        locale = source.team.locale
        if not team_ids:
            raise Conflict("error.empty_book", member=source.name)
        plans = [(team_id, _target(services, team_id, to, source.name)) for team_id in team_ids]
        for team_id, (target, mode_text) in plans:
            found = handover.preview(services, manager=None, team_id=team_id, member_id=source.id, to=target)
            shown = handover_views.preview(_locale(services, team_id), found, to, mode_text, confirm=False)
            out.print(render_text(shown))
        if not yes and not typer.confirm(f"Hand over {source.name}'s book?", default=False):
            complain("Nothing was changed.")
            raise typer.Exit(1)
        for team_id, (target, _) in plans:
            _hand_over(services, source, team_id, target)
    except DomainError as exc:
        complain(t(locale, exc.key, **exc.params))
        raise typer.Exit(1) from exc


def _target(services: Services, team_id: int, to: str, source_name: str) -> tuple[Target, str]:
    """The handover's target in the team, and the sentence saying what will happen."""
    locale = _locale(services, team_id)
    if to.lower() in ("auto", "pool"):
        target: Target = handover.AUTO if to.lower() == "auto" else handover.POOL
        return target, t(locale, f"handover.mode_{target}", member=source_name)
    member = lookup.member_by_handle(services, team_id=team_id, handle=to)
    return member.id, t(locale, "handover.mode_member", to=member.name, member=source_name)


def _hand_over(services: Services, source: MemberView, team_id: int, target: Target) -> None:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=out, transient=True) as bar:
        task = bar.add_task(f"handing over {source.name}'s customers", total=None)

        def moved(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        outcome = handover.hand_over(
            services, manager=None, team_id=team_id, member_id=source.id, to=target, progress=moved
        )
    out.print(render_text(handover_views.report(_locale(services, team_id), outcome, limit=None)))


def _locale(services: Services, team_id: int) -> str:
    with services.db.read() as session:
        team = teams.team(session, team_id)
    return team.locale if team is not None else DEFAULT_LOCALE

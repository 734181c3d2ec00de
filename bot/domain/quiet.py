"""Quiet hours: a member's window ("20:00-08:30", in the team's time zone) during which their
notifications wait. A notification due inside it is held, not sent: its outbox row stays the one
row it was (still exactly once) with ``next_attempt_at`` moved to the window's end, and the
dispatcher delivers it then. Claim cards to managers go through anyway when the team says so
(``claim_cards_ignore_quiet_hours``).

The member's own setting (``/settings quiet 20:00-08:30`` or ``off``) wins over the config file's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import quiet_window_ok
from bot.domain.context import Services
from bot.domain.errors import RuleViolation
from bot.domain.notices import CLAIM_REQUEST
from bot.domain.snapshots import MemberView
from bot.storage import quiet as sql

OFF = "off"


@dataclass(frozen=True)
class QuietSetting:
    window: str | None  # in force: the member's own, else the config file's; None: none
    own: bool  # set by the member with /settings


def window_end(window: str | None, at: datetime, timezone: str) -> datetime | None:
    """When ``at`` falls inside ``window`` (local to ``timezone``), the UTC instant it ends; None
    outside it (or with no window). A window whose start is after its end passes midnight."""
    if not window or window == OFF:
        return None
    start_text, _, end_text = window.partition("-")
    start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    zone = ZoneInfo(timezone)
    local = at.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= now < end, local.date()
    else:
        inside = now >= start or now < end
        end_day = local.date() + timedelta(days=1) if now >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)


def in_force(config_window: str | None, own_window: str | None) -> QuietSetting:
    if own_window is not None:
        return QuietSetting(None if own_window == OFF else own_window, True)
    return QuietSetting(config_window, False)


def setting(services: Services, *, member: MemberView) -> QuietSetting:
    with services.db.read() as session:
        config_window, own_window = sql.windows(session, member.id)
    return in_force(config_window, own_window)


def set_quiet(services: Services, *, member: MemberView, text: str) -> QuietSetting:
    """The member's own quiet hours: ``20:00-08:30``, or ``off``. Anything else changes nothing."""
    value = text.strip().lower()
    if value != OFF and not (len(value) == 11 and quiet_window_ok(value)):
        raise RuleViolation("quiet_hours", "settings.bad_quiet", text=text)
    with services.db.write() as session:
        sql.set_own(session, member.id, value)
        config_window, own_window = sql.windows(session, member.id)
    return in_force(config_window, own_window)


def hold_until(recipient: sql.Recipient | None, *, kind: str, at: datetime) -> datetime | None:
    """Until when a notification of ``kind`` to ``recipient`` waits (None: send it now; a team
    channel's notifications never wait)."""
    if recipient is None:
        return None
    if kind == CLAIM_REQUEST.name and recipient.is_manager and recipient.claim_cards_ignore_quiet_hours:
        return None
    window = in_force(recipient.quiet_hours, recipient.quiet_hours_own).window
    return window_end(window, at, recipient.timezone)

"""The operator's configuration file: teams, members and pools (and the rules of each pool).

The file is TOML (see ``config/poolbot.example.toml``). It is validated as a whole before anything
starts; every problem is reported with the file, the key and what is wrong.
"""

from __future__ import annotations

import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Locale = Literal["zh-CN", "en"]
Role = Literal["rep", "manager", "admin"]
Priority = Literal["A", "B", "C"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECRET_KEYS = frozenset(
    {"slack_bot_token", "slack_app_token", "slack_signing_secret", "dingtalk_client_secret"}
)


QUIET_HOURS_PATTERN = r"^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$"


def quiet_window_ok(text: str) -> bool:
    """``"20:00-08:30"``: two valid, different times of day (a window may pass midnight)."""
    start, _, end = text.partition("-")
    try:
        return time.fromisoformat(start) != time.fromisoformat(end)
    except ValueError:
        return False


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names file, key and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TeamConfig(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    timezone: str = "Asia/Shanghai"
    locale: Locale = "zh-CN"
    reminder_time: time = time(9, 0)
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    slack_channel: str | None = None
    dingtalk_conversation: str | None = None
    # a registered name this similar (0-100) to a customer's is "probably the same": a manager decides
    duplicate_threshold: Annotated[int, Field(ge=50, le=100)] = 85
    # the working-day calendar (docs/calendar.md): "CN" takes China's statutory holidays and
    # make-up working days (调休); the extra days are the company's own, over ``working_days``
    holidays: Literal["CN"] | None = None
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _days_do_not_clash(self) -> TeamConfig:
        both = sorted(set(self.extra_holidays) & set(self.extra_workdays))
        if both:
            raise ValueError(f"{both[0].isoformat()} is in both extra_holidays and extra_workdays")
        return self

    # claim cards reach the managers even inside their quiet hours (everything else waits)
    claim_cards_ignore_quiet_hours: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name, e.g. Asia/Shanghai)") from exc
        return value

    @field_validator("working_days")
    @classmethod
    def _weekday_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(day.lower()[:3] for day in value)
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use {', '.join(WEEKDAYS)}")
        return days


class MemberConfig(_Strict):
    handle: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]{1,40}$")]
    name: Annotated[str, Field(min_length=1, max_length=80)]
    team: str
    role: Role = "rep"
    slack: str | None = None
    dingtalk: str | None = None
    active: bool = True
    # this member's holding cap in every pool of the team, instead of the pool's max_held_per_rep
    max_held: Annotated[int, Field(ge=1, le=100_000)] | None = None
    # "20:00-08:30" in the team's time zone: notifications wait for the end of it
    quiet_hours: Annotated[str, Field(pattern=QUIET_HOURS_PATTERN)] | None = None

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_window(cls, value: str | None) -> str | None:
        if value is not None and not quiet_window_ok(value):
            raise ValueError(f'quiet_hours {value!r}: two different times of day, e.g. "20:00-08:30"')
        return value


class RecycleDays(_Strict):
    A: Annotated[int, Field(ge=1, le=3650)] = 7
    B: Annotated[int, Field(ge=1, le=3650)] = 15
    C: Annotated[int, Field(ge=1, le=3650)] = 30


Strategy = Literal["round_robin", "least_loaded", "rules", "smart"]
Picker = Literal["round_robin", "least_loaded", "smart"]
Handles = tuple[Annotated[str, Field(min_length=1, max_length=40)], ...]


class AssignmentRule(_Strict):
    """Customers whose fields equal every condition given (case-insensitive) go to ``members``."""

    region: str | None = None
    industry: str | None = None
    size: str | None = None
    priority: Priority | None = None
    members: Annotated[Handles, Field(min_length=1)]

    @model_validator(mode="after")
    def _has_condition(self) -> AssignmentRule:
        if not any((self.region, self.industry, self.size, self.priority)):
            raise ValueError("a rule needs at least one of region, industry, size, priority")
        return self


class AssignmentConfig(_Strict):
    """How ``/assign auto`` (and, when asked, the import and the recycle sweep) distributes a
    pool's customers. See docs/insight.md."""

    strategy: Strategy = "least_loaded"
    # who takes part (handles of reps); empty: every active rep of the team
    members: Handles = ()
    rules: tuple[AssignmentRule, ...] = ()
    # strategy "rules": who gets a customer no rule matches (None: everyone taking part; []: nobody,
    # the customer stays in the pool)
    fallback: Handles | None = None
    # strategy "rules": how a member of the chosen group is picked
    pick: Picker = "least_loaded"
    smart_floor: Annotated[float, Field(gt=0, le=1)] = 0.1
    smart_lookback_days: Annotated[int, Field(ge=1, le=3650)] = 90
    on_import: bool = False
    on_recycle: bool = False

    @model_validator(mode="after")
    def _rules_fit_strategy(self) -> AssignmentConfig:
        if self.strategy == "rules" and not self.rules:
            raise ValueError('strategy "rules" needs at least one [[pools.assignment.rules]]')
        if self.strategy != "rules" and (self.rules or self.fallback is not None):
            raise ValueError('rules and fallback apply only with strategy = "rules"')
        return self

    def handles(self) -> list[tuple[str, tuple[str, ...]]]:
        """(dotted key, handles) of every member list, for the cross-check against the team."""
        lists = [("members", self.members)]
        lists += [(f"rules[{i}].members", rule.members) for i, rule in enumerate(self.rules)]
        if self.fallback is not None:
            lists.append(("fallback", self.fallback))
        return lists


# a static select holds 100 options, but a numbered choice in chat stays readable up to about 20
MAX_RELEASE_REASONS = 20
# Block Kit's option text limit: a reason must show whole in Slack's select
ReleaseReason = Annotated[str, Field(min_length=1, max_length=75, pattern=r"\S")]


class PoolConfig(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    team: str
    claim_requires_approval: bool = False
    max_held_per_rep: Annotated[int, Field(ge=1, le=100_000)] = 50
    daily_claim_limit: Annotated[int, Field(ge=1, le=100_000)] = 10
    reclaim_cooldown_days: Annotated[int, Field(ge=0, le=3650)] = 7
    recycle_days: RecycleDays = RecycleDays()
    recycle_days_without_deal: Annotated[int, Field(ge=1, le=3650)] | None = None
    warn_days: Annotated[int, Field(ge=0, le=365)] = 3
    hide_contact_in_pool: bool = True
    request_expiry_hours: Annotated[int, Field(ge=1, le=24 * 365)] = 72
    # registrations (报备, /new) per rep per local day; unset: no limit beyond the holding cap
    daily_register_limit: Annotated[int, Field(ge=1, le=100_000)] | None = None
    assignment: AssignmentConfig | None = None
    # why and where a release goes (docs/requests-and-releases.md)
    release_reasons: Annotated[tuple[ReleaseReason, ...], Field(max_length=MAX_RELEASE_REASONS)] = ()
    release_reason_required: bool = False
    release_to: tuple[Annotated[str, Field(min_length=1, max_length=80)], ...] = ()

    @field_validator("release_reasons")
    @classmethod
    def _distinct_reasons(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        reasons = tuple(" ".join(reason.split()) for reason in value)
        seen: set[str] = set()
        for index, reason in enumerate(reasons):
            if reason.casefold() in seen:
                raise ValueError(f"[{index}] {reason!r} appears twice")
            if reason.isdecimal() or '"' in reason:
                raise ValueError(f"[{index}] {reason!r}: a reason is words without double quotes")
            seen.add(reason.casefold())
        return reasons

    @model_validator(mode="after")
    def _required_needs_reasons(self) -> PoolConfig:
        if self.release_reason_required and not self.release_reasons:
            raise ValueError("release_reason_required = true needs a release_reasons list")
        return self

    # "working": recycle_days, warn_days and extend_days count the team's working days
    recycle_days_count: Literal["calendar", "working"] = "calendar"
    # one-tap extension (延期): each pushes the deadline back extend_days, extend_max times per
    # ownership; beyond that a manager decides
    extend_days: Annotated[int, Field(ge=1, le=365)] = 3
    extend_max: Annotated[int, Field(ge=0, le=100)] = 1


class DingTalkConfig(_Strict):
    # the interactive card template (created in DingTalk's card platform) the claim cards use;
    # without one, claim cards are ActionCards whose buttons send the typed command back
    card_template_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class PoolbotConfig(_Strict):
    """Everything an operator edits, minus secrets (those come from the environment only)."""

    database_url: str | None = None
    dingtalk: DingTalkConfig = DingTalkConfig()
    teams: tuple[TeamConfig, ...] = ()
    members: tuple[MemberConfig, ...] = ()
    pools: tuple[PoolConfig, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> PoolbotConfig:
        team_names = [team.name for team in self.teams]
        _no_duplicates("teams", "name", team_names)
        _no_duplicates("members", "handle", [m.handle for m in self.members])
        _no_duplicates("pools", "name", [p.name for p in self.pools])
        references = [("members", i, m.team) for i, m in enumerate(self.members)]
        references += [("pools", i, p.team) for i, p in enumerate(self.pools)]
        for kind, index, team in references:
            if team not in team_names:
                raise ValueError(f"{kind}[{index}].team: no team named {team!r} (teams: {team_names})")
        for platform in ("slack", "dingtalk"):
            ids = [getattr(m, platform) for m in self.members if getattr(m, platform)]
            _no_duplicates("members", platform, ids)
        self._assignees_are_reps()
        self._release_to_same_team()
        return self

    def _release_to_same_team(self) -> None:
        """Every pool a release may go to is another pool of the same team."""
        teams = {pool.name: pool.team for pool in self.pools}
        for index, pool in enumerate(self.pools):
            for target in pool.release_to:
                if target == pool.name:
                    raise ValueError(f"pools[{index}].release_to: {target!r} is this pool itself")
                if teams.get(target) != pool.team:
                    others = sorted(p for p, team in teams.items() if team == pool.team and p != pool.name)
                    raise ValueError(
                        f"pools[{index}].release_to: no pool {target!r} in team {pool.team!r}"
                        f" (its other pools: {others})"
                    )

    def _assignees_are_reps(self) -> None:
        """Every handle an assignment names is a rep of the pool's team."""
        reps = {(m.team, m.handle) for m in self.members if m.role == "rep"}
        for index, pool in enumerate(self.pools):
            if pool.assignment is None:
                continue
            for key, handles in pool.assignment.handles():
                for handle in handles:
                    if (pool.team, handle) not in reps:
                        raise ValueError(
                            f"pools[{index}].assignment.{key}: {handle!r} is not a rep of team {pool.team!r}"
                        )


def _no_duplicates(kind: str, key: str, values: list[str]) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{kind}[{index}].{key}: {value!r} appears twice")
        seen.add(value)


def load_config(path: Path) -> PoolbotConfig:
    """Read and validate ``path``; raise :class:`ConfigError` naming the file, key and problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise ConfigError(
            f"{path}: is a directory, not a config file; give the path of the .toml file"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the config file as UTF-8"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}); check its permissions") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    secrets = sorted(SECRET_KEYS.intersection(raw))
    if secrets:
        raise ConfigError(
            f"{path}: {secrets[0]}: secrets go in the environment or .env, not in the config file"
        )
    try:
        return PoolbotConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from exc


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = _dotted(error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{path}: {key}: {message}" if key else f"{path}: {message}")
    return "\n".join(lines)


def _dotted(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key

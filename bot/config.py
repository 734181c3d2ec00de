"""The operator's configuration file: teams, members and pools (and the rules of each pool).

The file is TOML (see ``config/poolbot.example.toml``). It is validated as a whole before anything
starts; every problem is reported with the file, the key and what is wrong.
"""

from __future__ import annotations

import tomllib
from datetime import time
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
    assignment: AssignmentConfig | None = None


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
        return self

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

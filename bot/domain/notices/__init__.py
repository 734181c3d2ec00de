"""Every notification kind, declared once: its name, the typed payload its outbox row carries, and
how the key of its cause is built (the key is unique in the outbox: a cause is queued once).

A use case queues a row with ``KIND.outgoing(payload, key=KIND.key(...), ...)``; the renderer of
the kind (``bot.handlers.notices``, one per kind) gets the payload back as its dataclass, checked by
:meth:`~bot.domain.notice_kind.NoticeKind.read` (:mod:`bot.domain.notice_kind` says how a kind
is declared, and what happens to a row that fits none).

The params are the JSON the outbox has always held (field names, or the alias where a name is not
a Python identifier or would shadow one), so rows queued before this module existed still render.
To add a kind: declare it in the module of its topic (imported below), write its renderer, add
its catalogue texts.
"""

from __future__ import annotations

from bot.domain.notices.claims import (
    CARD_REFRESH,
    CLAIM_DECIDED,
    CLAIM_REQUEST,
    REQUEST_EXPIRED,
    RequestExpired,
    RequestRef,
    card_key_prefix,
)
from bot.domain.notices.extensions import (
    EXTENSION_DECIDED,
    EXTENSION_REQUEST,
    LAST_DAY_DIGEST,
    ExtensionDecided,
    ExtensionRef,
    LastDayDigest,
    LastDayLine,
)
from bot.domain.notices.mornings import (
    MANAGER_DIGEST,
    MORNING_REMINDER,
    DigestFigures,
    DueLine,
    ManagerDigest,
    MorningReminder,
    RequestLine,
    SoonLine,
)
from bot.domain.notices.moves import (
    ASSIGNED,
    AUTO_ASSIGNED,
    HANDED_OVER,
    HANDOVER_DUE,
    MEMBER_MOVED,
    MERGED_AWAY,
    TAKEN_AWAY,
    TRANSFERRED,
    Assigned,
    AssignedLine,
    AutoAssigned,
    HandedOver,
    HandoverDue,
    MemberMoved,
    MergedAway,
    TakenAway,
    Transferred,
)
from bot.domain.notices.recycling import (
    RECYCLE_DIGEST,
    RECYCLE_WARNING,
    RECYCLED,
    RecycleDigest,
    RecycledNotice,
    RecycleWarning,
    WarningStage,
)
from bot.domain.notices.reports import WEEKLY_REPORT, WeeklyReport, weekly_report_prefix

__all__ = [
    "ASSIGNED",
    "AUTO_ASSIGNED",
    "CARD_REFRESH",
    "CLAIM_DECIDED",
    "CLAIM_REQUEST",
    "EXTENSION_DECIDED",
    "EXTENSION_REQUEST",
    "HANDED_OVER",
    "HANDOVER_DUE",
    "LAST_DAY_DIGEST",
    "MANAGER_DIGEST",
    "MEMBER_MOVED",
    "MERGED_AWAY",
    "MORNING_REMINDER",
    "RECYCLED",
    "RECYCLE_DIGEST",
    "RECYCLE_WARNING",
    "REQUEST_EXPIRED",
    "TAKEN_AWAY",
    "TRANSFERRED",
    "WEEKLY_REPORT",
    "Assigned",
    "AssignedLine",
    "AutoAssigned",
    "DigestFigures",
    "DueLine",
    "ExtensionDecided",
    "ExtensionRef",
    "HandedOver",
    "HandoverDue",
    "LastDayDigest",
    "LastDayLine",
    "ManagerDigest",
    "MemberMoved",
    "MergedAway",
    "MorningReminder",
    "RecycleDigest",
    "RecycleWarning",
    "RecycledNotice",
    "RequestExpired",
    "RequestLine",
    "RequestRef",
    "SoonLine",
    "TakenAway",
    "Transferred",
    "WarningStage",
    "WeeklyReport",
    "card_key_prefix",
    "weekly_report_prefix",
]

"""The duplicate check against the database, for many records at once, and a manager's list of
suspected duplicates across the team (``/duplicates``).

:func:`match_batch` is the one entry point every door uses (``/new`` with one record, an import
with a batch of rows): the candidates of the whole batch are fetched set-based (one indexed IN
lookup per kind of key and chunk of keys), and, with ``fuzzy``, a bounded substring search per
record (:func:`bot.domain.matching.fragment`, at most
:data:`bot.storage.registration.FUZZY_CANDIDATES` names each); :func:`bot.domain.matching.compare`
then decides. An import of many rows can skip the fuzzy part (exact keys only: "same", and phone
or e-mail: "probably the same").

``/duplicates`` is never all pairs: it lists the groups sharing a credit code, a company key, a
phone or an e-mail (one GROUP BY each, on indexed columns), plus the fuzzy matches of the team's
newest customers, capped at :data:`MAX_PAIRS` and paged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot.domain import matching
from bot.domain.context import Services
from bot.domain.errors import Forbidden
from bot.domain.matching import Match, Probe
from bot.domain.snapshots import MemberView
from bot.names import email_key
from bot.storage import registration as sql
from bot.storage.registration import CandidateRow
from bot.storage.teams import team_threshold

MAX_PAIRS = 200
PAGE_SIZE = 10
FUZZY_NEWEST = 200  # the newest customers whose near names /duplicates looks for
_REASON_ORDER = {"credit": 0, "name": 1, "phone": 2, "email": 3, "similar": 4}


@dataclass(frozen=True, slots=True)
class Found:
    """A stored customer a record matches, and how."""

    customer: CandidateRow
    match: Match


def match_batch(
    session: Session, team_id: int, probes: Sequence[Probe], *, threshold: int, fuzzy: bool = True
) -> list[list[Found]]:
    """For each probe, the team's customers it matches, "same" before "probably the same", the
    strongest reason and the highest score first.

    A probe is compared with the stored customers that share one of its keys (and, with
    ``fuzzy``, its own fragment search's), not with every customer the batch fetched: an import
    batch of thousands of rows stays linear."""
    stored = sql.with_keys(
        session,
        team_id,
        dup_keys=[p.key for p in probes],
        phone_keys=[p.phone for p in probes if p.phone],
        emails=[p.email for p in probes if p.email],
        credits=[p.credit for p in probes if p.credit],
    )
    by_key = _by_key(stored)
    verdicts = []
    for item in probes:
        rows = [row for key in _keys(item) for row in by_key.get(key, ())]
        if fuzzy:
            rows += sql.like_fragment(session, team_id, matching.fragment(item.name))
        verdicts.append(_ranked(item, rows, threshold))
    return verdicts


def _keys(item: Probe) -> list[tuple[str, str]]:
    """The keys a record can share with a stored one, tagged by kind."""
    keys = [("name", item.key)]
    keys += [
        (kind, value)
        for kind, value in (("phone", item.phone), ("email", item.email), ("credit", item.credit))
        if value
    ]
    return keys


def _by_key(rows: Sequence[CandidateRow]) -> dict[tuple[str, str], list[CandidateRow]]:
    """The stored candidates of a batch by each of their keys: each record is compared only with
    those sharing a key (a batch is never compared all against all)."""
    found: dict[tuple[str, str], list[CandidateRow]] = {}
    for row in rows:
        for key in _keys(stored_probe(row)):
            found.setdefault(key, []).append(row)
    return found


def _ranked(item: Probe, rows: Sequence[CandidateRow], threshold: int) -> list[Found]:
    found: dict[int, Found] = {}
    for row in rows:
        if row.id in found:
            continue
        match = matching.compare(item, stored_probe(row), threshold)
        if match is not None:
            found[row.id] = Found(row, match)
    return sorted(
        found.values(),
        key=lambda f: (
            f.match.verdict != "same",
            _REASON_ORDER[f.match.reason],
            -f.match.score,
            f.customer.id,
        ),
    )


def stored_probe(row: CandidateRow) -> Probe:
    """A stored customer as the matcher compares it (its keys are stored normalised already)."""
    return Probe(row.name, row.dup_key, row.phone_key, email_key(row.email), row.credit_code)


@dataclass(frozen=True, slots=True)
class Pair:
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    reason: str
    score: int


@dataclass(frozen=True)
class DuplicatePage:
    pairs: tuple[Pair, ...]
    page: int
    pages: int
    total: int
    capped: bool  # more than MAX_PAIRS suspected pairs exist


def suspected(services: Services, *, manager: MemberView, page: int = 1) -> DuplicatePage:
    """The team's suspected duplicates: pairs (older, newer), strongest reasons first."""
    if not manager.is_manager:
        raise Forbidden("error.managers_only", command="duplicates")
    team_id = manager.team.id
    with services.db.read() as session:
        pairs = _key_pairs(session, team_id)
        pairs.update(_fuzzy_pairs(session, team_id, team_threshold(session, team_id), set(pairs)))
        ordered = sorted(pairs.items(), key=lambda kv: (_REASON_ORDER[kv[1][0]], -kv[1][1], kv[0]))
        capped = len(ordered) > MAX_PAIRS
        ordered = ordered[:MAX_PAIRS]
        pages = max((len(ordered) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(max(page, 1), pages)
        shown = ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        names = sql.rows_by_ids(session, [i for (a, b), _ in shown for i in (a, b)])
    return DuplicatePage(
        tuple(
            Pair(a, names[a].name, b, names[b].name, reason, score)
            for (a, b), (reason, score) in shown
            if a in names and b in names
        ),
        page,
        pages,
        len(ordered),
        capped,
    )


def _key_pairs(session: Session, team_id: int) -> dict[tuple[int, int], tuple[str, int]]:
    """Customers sharing a key, each paired with the oldest of its group."""
    pairs: dict[tuple[int, int], tuple[str, int]] = {}
    for column, reason in (
        ("credit_code", "credit"),
        ("dup_key", "name"),
        ("phone_key", "phone"),
        ("email", "email"),
    ):
        for ids in sql.shared_key_groups(session, team_id, column, MAX_PAIRS):
            for other in ids[1:]:
                pairs.setdefault((ids[0], other), (reason, 100))
    return pairs


def _fuzzy_pairs(
    session: Session, team_id: int, threshold: int, known: set[tuple[int, int]]
) -> dict[tuple[int, int], tuple[str, int]]:
    """Near names of the newest customers, through the bounded fragment search."""
    pairs: dict[tuple[int, int], tuple[str, int]] = {}
    for row in sql.newest(session, team_id, FUZZY_NEWEST):
        item = stored_probe(row)
        for other in sql.like_fragment(session, team_id, matching.fragment(row.name)):
            pair = (min(row.id, other.id), max(row.id, other.id))
            if other.id == row.id or pair in known or pair in pairs:
                continue
            score = matching.similarity(item.key, other.dup_key)
            if score >= threshold and item.key != other.dup_key:
                pairs[pair] = ("similar", score)
    return pairs

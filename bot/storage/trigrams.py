"""How common each trigram is in the customers' search text (PostgreSQL), estimated from a small
sample of the table and kept per database for a while.

Why: pg_trgm answers ``LIKE '%jinxiang%'`` by intersecting the posting lists of all six of the
word's trigrams, and the common ones (``xia``, ``ian``, ``ang``: each in about half the texts of
the bench's pinyin-named customers) cost most of the time: 42 ms at 1M customers against 2.8 ms
for ``'%jinxi%'`` (``EXPLAIN ANALYZE``). The pool search narrows by the word's rarest trigrams
instead (:func:`rarest`). pg_trgm keeps no frequencies, and the planner's statistics of the
indexed text are whole values, not trigrams, so the shares come from a sample of the table.

A stale or missing estimate changes which index test narrows the rows, never which rows match:
the word's own LIKE decides every row.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlmodel import Session

SAMPLE_ROWS = 2_000  # customers a sample reads: a few hundred pages, 20-40 ms at 1M customers
MAX_AGE = 3_600.0  # seconds a sample is used before the next search takes a new one
# A sample of the whole table (fewer customers than SAMPLE_ROWS) is as cheap to take again as the
# table is small, and is kept only this long, so that a first search of a new database does not
# leave the customers imported next unsampled for an hour.
SMALL_TABLE_AGE = 60.0

# TABLESAMPLE SYSTEM reads whole random pages, about :percent of them, so a sample costs the same
# few hundred page reads at any size. The text is migration 0012's trigram index expression.
_SAMPLE = text(
    """
    SELECT name_key || ' ' || search_key || ' ' || lower(tags)
    FROM customer TABLESAMPLE SYSTEM (:percent)
    LIMIT :rows
    """
)
_TABLE_ROWS = text("SELECT reltuples FROM pg_class WHERE oid = 'customer'::regclass")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class TrigramSample:
    """Sampled customers' search texts, as the rows holding each trigram: a bit per sampled row,
    so that how many rows hold several trigrams together is counted, not guessed from each one's
    share (``ans`` and ``nsh`` are each in 1 % of the texts, and together in 1 % too)."""

    rows: int
    holding: Mapping[str, int]

    def share(self, trigrams: Iterable[str]) -> float:
        """The share of the texts holding every one of ``trigrams``."""
        together = -1  # every row
        for trigram in trigrams:
            together &= self.holding.get(trigram, 0)
        held = together.bit_count() if together >= 0 else self.rows
        return max(held, 0.5) / self.rows  # none in the sample: rare, not absent


NO_SAMPLE = TrigramSample(0, {})


def take_sample(session: Session) -> TrigramSample:
    """About :data:`SAMPLE_ROWS` customers' texts (all of them when the table is smaller, or has
    never been analysed and its size is unknown)."""
    table_rows = float(session.execute(_TABLE_ROWS).scalar_one())
    percent = 100.0 if table_rows <= SAMPLE_ROWS else 100.0 * SAMPLE_ROWS / table_rows
    texts = session.execute(_SAMPLE, {"percent": percent, "rows": SAMPLE_ROWS}).scalars().all()
    return sample_of(texts)


def sample_of(texts: Sequence[str]) -> TrigramSample:
    """The trigrams inside each run of ASCII letters and digits of ``texts`` (those a ``LIKE``
    pattern of such characters asks pg_trgm for)."""
    rows_holding: dict[str, list[int]] = {}
    for row, search_text in enumerate(texts):
        found = {w[i : i + 3] for w in _WORD.findall(search_text) for i in range(len(w) - 2)}
        for trigram in found:
            rows_holding.setdefault(trigram, []).append(row)
    return TrigramSample(len(texts), {t: _bits(rows) for t, rows in rows_holding.items()})


def _bits(rows: list[int]) -> int:
    mask = 0
    for row in rows:
        mask |= 1 << row
    return mask


class TrigramSamples:
    """Each database's latest sample, taken again once it is older than ``max_age`` seconds of
    ``now`` (a monotonic clock)."""

    def __init__(self, now: Callable[[], float] = time.monotonic, max_age: float = MAX_AGE) -> None:
        self._now = now
        self._max_age = max_age
        self._kept: weakref.WeakKeyDictionary[Engine, tuple[float, TrigramSample]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def of(self, session: Session) -> TrigramSample:
        """The sample of the database ``session`` is bound to (an engine, or a connection of one).

        Two threads that find it stale at once may both take one; the later one is kept. The lock
        guards the dictionary only, so a sample is never taken while holding it."""
        engine = session.get_bind().engine
        with self._lock:
            kept = self._kept.get(engine)
        if kept is not None and self._now() - kept[0] < self._age_limit(kept[1]):
            return kept[1]
        sample = take_sample(session)
        with self._lock:
            self._kept[engine] = (self._now(), sample)
        return sample

    def _age_limit(self, sample: TrigramSample) -> float:
        return self._max_age if sample.rows >= SAMPLE_ROWS else min(self._max_age, SMALL_TABLE_AGE)


SAMPLES = TrigramSamples()

# What narrowing by a set of trigrams costs, per customer of the table, in units of one posting
# list entry the index decodes: each trigram asked costs its share of the table; each row the
# trigrams leave costs CHECK_COST (its heap page read, the LIKE checked). Measured at 1M
# customers: 1.8M entries of six trigrams took 42 ms (23 ns each); 12,455 candidate rows took
# 30-40 ms when cached (about 3 us each).
CHECK_COST = 130.0


def rarest(fragment: str, sample: TrigramSample) -> Sequence[str]:
    """The trigrams of ``fragment`` to narrow by, when asking for fewer than all of them is
    cheaper: added one at a time, each the one that lowers the cost most, while one does. Empty
    when all of them are best, or nothing is known (then the fragment's own LIKE is the test)."""
    trigrams = {fragment[i : i + 3] for i in range(len(fragment) - 2)}
    if not sample.rows:
        return ()
    picked: list[str] = []
    cost = CHECK_COST  # no narrowing: every row is checked
    while len(picked) < len(trigrams):
        best_cost, best = min((_cost(sample, [*picked, t]), t) for t in trigrams - set(picked))
        if best_cost >= cost:
            break
        picked, cost = [*picked, best], best_cost
    return sorted(picked) if 0 < len(picked) < len(trigrams) else ()


def _cost(sample: TrigramSample, trigrams: Sequence[str]) -> float:
    return sum(sample.share([t]) for t in trigrams) + CHECK_COST * sample.share(trigrams)

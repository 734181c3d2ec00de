"""PostgreSQL narrows a long pinyin or English word by its rarest trigrams (bot.storage.trigrams),
estimated from a sample of the table: which trigrams are picked, how the sample is kept, and that
a rep still sees exactly the customers holding the word, on both databases (SQLite answers from
its FTS table and takes no sample)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from helpers import add, add_one, member, owner_of
from sqlalchemy import event

from bot.domain import lookup
from bot.domain.catalog import NewCustomer
from bot.domain.context import Services
from bot.handlers.console.chat import ConsoleChat
from bot.storage.engine import Database
from bot.storage.search import SearchFilters
from bot.storage.trigrams import SMALL_TABLE_AGE, TrigramSamples, rarest, sample_of


def test_the_rare_trigrams_of_a_word_narrow_and_the_common_ones_are_left_out() -> None:
    texts = [f"xiangyang{n}" for n in range(40)] + [
        "tianjin",
        "jinan",
        "jinhua",
        "linxifoods",
        "jinxiangmaoyi",
    ]
    sample = sample_of(texts)

    picked = rarest("jinxiang", sample)

    assert {"inx", "nxi"} & set(picked)  # in two texts of 45, the rarest
    assert not {"xia", "ian"} & set(picked)  # in 41
    assert sample.share(picked) == 1 / 45  # only jinxiangmaoyi holds them all


def test_trigrams_that_always_come_together_are_counted_together() -> None:
    """``ans`` and ``nsh`` are each the rarest, but every text holding one holds the other: asking
    for both narrows no more than asking for one, so a trigram that does narrow further is added."""
    sample = sample_of(["wansheng"] * 2 + ["ansh"] * 4 + ["wanda"] * 8 + ["sheng"] * 8 + ["other"] * 78)

    picked = rarest("wansheng", sample)

    assert not {"ans", "nsh"} <= set(picked)
    assert sample.share(picked) == 2 / 100


def test_no_narrowing_by_a_subset_when_all_trigrams_are_best_or_nothing_is_known() -> None:
    half_each_rarely_both = sample_of(["abcx"] * 50 + ["xbcd"] * 49 + ["abcd"])
    assert rarest("abcd", half_each_rarely_both) == ()
    assert rarest("jinxiang", sample_of([])) == ()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_sample_is_kept_for_a_while_and_then_taken_again(services: Services) -> None:
    now = [0.0]
    samples = TrigramSamples(now=lambda: now[0], max_age=3_600.0)
    add(services, "Linxi Foods")
    with services.db.read() as session:
        first = samples.of(session)
    add(services, "Jinxin Steel")
    with services.db.read() as session:
        assert samples.of(session) is first
        now[0] = SMALL_TABLE_AGE  # a small table's sample ages within a minute
        again = samples.of(session)
    assert (first.rows, again.rows) == (1, 2)
    assert again.share(["nxi"]) == 1.0 and again.share(["ste"]) == 0.5


def _pinyin_pool(services: Services) -> dict[str, int]:
    """Customers holding ``jinxiang`` in their name, pinyin or tags, among decoys holding its rare
    trigrams (``inx``, ``nxi``, ``jin``) but not the word, and many holding its common ones."""
    add(services, *(f"向阳{n}号" for n in range(40)))  # xiangyang: xia, ian, ang in most texts
    add(services, "Linxi Foods", "Jinxin Steel", "天津机械", NewCustomer("北京星河", tags="jinxi partner"))
    return {
        "金象贸易": add_one(services, "金象贸易"),
        "锦祥科技": add_one(services, "锦祥科技"),
        "Jin Xiang Ltd": add_one(services, "Jin Xiang Ltd"),
        "上海远洋": add_one(services, "上海远洋", tags="jinxiang partner"),
    }


def test_a_rep_finds_exactly_the_customers_holding_a_long_pinyin_word(services: Services) -> None:
    holding = _pinyin_pool(services)

    with _parameters_sent(services.db) as sent:
        page = lookup.search(
            services, member=member(services, "alice"), filters=SearchFilters(words=("jinxiang",))
        )

    assert sorted(c.name for c in page.customers) == sorted(holding)
    assert page.total == len(holding)
    if not services.db.is_sqlite:  # PostgreSQL asked its trigram index for rare trigrams only
        assert {"%inx%", "%nxi%"} & sent and not {"%xia%", "%ian%"} & sent


def test_a_claim_by_exact_pinyin_takes_that_customer(services: Services) -> None:
    holding = _pinyin_pool(services)

    out = ConsoleChat(services, handle="alice").say("/claim jinxiangmaoyi")

    assert out.startswith("金象贸易 is yours")
    assert owner_of(services.db, holding["金象贸易"]) == member(services, "alice").id
    assert owner_of(services.db, holding["锦祥科技"]) is None


@contextmanager
def _parameters_sent(db: Database) -> Iterator[set[object]]:
    """The string parameters of every statement sent to the database inside the block."""
    sent: set[object] = set()

    def record(_conn: object, _cursor: object, _statement: str, parameters: Any, *_: object) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters
        sent.update(v for v in values if isinstance(v, str))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

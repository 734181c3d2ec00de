"""Migration 0010 on a database with data: the team, member and follow-up rows stay, the new
columns arrive empty (the team key false), and it goes down again, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from bot.storage import migrate
from bot.storage.engine import make_engine

ROWS = [
    "INSERT INTO team (id, name, timezone, locale, reminder_time, working_days) "
    "VALUES (1, 'east', 'Asia/Shanghai', 'zh-CN', '09:00', 'mon,tue,wed,thu,fri')",
    "INSERT INTO member (id, handle, name, team_id, role, active, claim_seq) "
    "VALUES (1, 'chen', '陈静', 1, 'rep', true, 0)",
    "INSERT INTO pool (id, name, team_id, claim_requires_approval, max_held_per_rep, daily_claim_limit, "
    "reclaim_cooldown_days, recycle_days_a, recycle_days_b, recycle_days_c, warn_days, "
    "hide_contact_in_pool, request_expiry_hours) "
    "VALUES (1, 'main', 1, false, 5, 3, 7, 7, 15, 30, 3, true, 72)",
    "INSERT INTO customer (id, name, name_key, search_key, priority, stage, tags, pool_id, owner_id, locked, "
    "created_at) "
    "VALUES (1, '上海云帆', '上海云帆', '', 'B', 'new', '', 1, 1, false, '2026-12-01 00:00:00+00')",
    "INSERT INTO follow_up (id, customer_id, member_id, kind, note, at) "
    "VALUES (1, 1, 1, 'call', '电话', '2026-12-01 00:00:00+00')",
]


def test_0010_keeps_the_rows_and_goes_down_again(database_url: str) -> None:
    migrate.downgrade(database_url, "0005")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement))
        migrate.upgrade(database_url)
        with engine.connect() as connection:
            team = connection.execute(text("SELECT name, claim_cards_ignore_quiet_hours FROM team")).one()
            person = connection.execute(text("SELECT name, quiet_hours, quiet_hours_own FROM member")).one()
            note = connection.execute(text("SELECT note, permalink FROM follow_up")).one()
        assert (team[0], bool(team[1])) == ("east", False)
        assert tuple(person) == ("陈静", None, None)
        assert tuple(note) == ("电话", None)
        migrate.downgrade(database_url, "0005")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM follow_up")).scalar_one() == 1
        migrate.upgrade(database_url)
    finally:
        engine.dispose()
    assert migrate.current(database_url) == migrate.head()

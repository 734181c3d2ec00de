"""Statements run on the driver's cursor (bot.storage.driver) behave as ``Connection.execute``
would: the same SQL, the same values written and read back, the same errors. A claim's three
statements run this way, so a difference here would be a wrong rule decision or a lost error.
A claim's unit of work is a bare connection (``Database.write_connection``) with a Session opened
inside it only for its rare branches (``Database.session_on``): both commit or roll back together."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from conftest import PG_ADMIN_URL
from helpers import add, add_one, member
from sqlalchemy import Integer, bindparam, func, insert, select, text, update
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlmodel import SQLModel
from sqlmodel import select as select_model

from bot.domain.claims import claim
from bot.domain.context import Services
from bot.storage.driver import DriverStatement
from bot.storage.models import Team, UTCDateTime

_customer = SQLModel.metadata.tables["customer"]
_pool = SQLModel.metadata.tables["pool"]
_event = SQLModel.metadata.tables["ownership_event"]
_CUSTOMER = bindparam("customer", type_=Integer)

# a boolean, a timestamp, a null, text and an aggregate over timestamps: each with its type's
# result processor on SQLite (integers and ISO text there)
_FACTS = (
    select(
        _customer.c.name,
        _pool.c.claim_requires_approval,
        _customer.c.owned_since,
        _customer.c.pending_member_id,
        select(func.max(_event.c.at)).where(_event.c.customer_id == _customer.c.id).scalar_subquery(),
    )
    .join(_pool, _pool.c.id == _customer.c.pool_id)
    .where(_customer.c.id == _CUSTOMER)
)
_TOUCH = (
    update(_customer)
    .where(_customer.c.id == _CUSTOMER, _customer.c.owner_id.is_not(None))
    .values(last_touch_at=bindparam("now", type_=UTCDateTime()), pending_member_id=None)
)


def test_a_row_reads_back_as_sqlalchemy_reads_it(services: Services) -> None:
    alice = member(services, "alice")
    customer_id = add_one(services, "云帆科技")
    claim(services, member=alice, customer_id=customer_id)
    params = {"customer": customer_id}
    with services.db.write() as session:
        connection = session.connection()
        expected = tuple(connection.execute(_FACTS, params).one())
        found = DriverStatement(_FACTS).first(connection, params)
    assert found == expected
    assert found is not None
    name, needs_approval, owned_since, pending, last_event = found
    assert (name, needs_approval, pending) == ("云帆科技", False, None)
    assert needs_approval is False  # a bool, not SQLite's 0
    assert owned_since == last_event == services.clock.now()
    assert owned_since.utcoffset() == timedelta(0)


def test_no_row_is_none(services: Services) -> None:
    with services.db.write() as session:
        assert DriverStatement(_FACTS).first(session.connection(), {"customer": 10**9}) is None


def test_a_timestamp_is_written_as_sqlalchemy_writes_it(services: Services) -> None:
    """On SQLite a timestamp is text, compared as text by every rule's query: the driver path
    must store the very characters SQLAlchemy stores."""
    alice = member(services, "alice")
    by_driver, by_sqlalchemy, not_owned = add(services, "Northwind", "Contoso", "Fabrikam")
    for customer_id in (by_driver, by_sqlalchemy):
        claim(services, member=alice, customer_id=customer_id)
    now = services.clock.now() + timedelta(hours=3, microseconds=7)
    touch = DriverStatement(_TOUCH)
    with services.db.write() as session:
        connection = session.connection()
        assert touch.rowcount(connection, {"customer": by_driver, "now": now}) == 1
        assert touch.rowcount(connection, {"customer": not_owned, "now": now}) == 0
        connection.execute(_TOUCH, {"customer": by_sqlalchemy, "now": now})
    with services.db.read() as session:
        stored = session.execute(
            text("SELECT id, CAST(last_touch_at AS TEXT) FROM customer WHERE id IN (:a, :b)"),
            {"a": by_driver, "b": by_sqlalchemy},
        )
        text_of = {int(customer_id): str(value) for customer_id, value in stored}
    assert text_of[by_driver] == text_of[by_sqlalchemy]


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it_and_nothing_is_written(services: Services) -> None:
    alice = member(services, "alice")
    unknown_customer = 10**9
    orphan = DriverStatement(
        insert(_event).values(
            customer_id=_CUSTOMER,
            kind="claimed",
            member_id=bindparam("member"),
            actor_id=bindparam("member"),
            at=bindparam("now", type_=UTCDateTime()),
            reason="",
        )
    )
    params = {"customer": unknown_customer, "member": alice.id, "now": services.clock.now()}
    with pytest.raises(IntegrityError) as raised, services.db.write() as session:
        orphan.rowcount(session.connection(), params)
    assert isinstance(raised.value, DBAPIError)
    assert not raised.value.connection_invalidated
    with services.db.read() as session:
        events = session.connection().execute(select(func.count()).select_from(_event)).scalar_one()
    assert events == 0


def test_a_missing_parameter_is_refused_before_anything_runs(services: Services) -> None:
    with pytest.raises(ArgumentError, match="now"), services.db.write() as session:
        DriverStatement(_TOUCH).rowcount(session.connection(), {"customer": 1})


def test_a_statement_whose_sql_depends_on_its_parameters_is_refused(services: Services) -> None:
    expanding = select(_customer.c.id).where(_customer.c.id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ArgumentError, match="rendered at execution"), services.db.write() as session:
        DriverStatement(expanding).first(session.connection(), {"ids": [1, 2]})


def test_a_connection_lost_in_a_statement_is_invalidated_and_the_next_unit_of_work_works(
    services: Services,
) -> None:
    """A server that hangs up in the middle of a unit of work (restart, terminated backend): the
    error says the connection was invalidated, as SQLAlchemy's own would, and the pool does not
    hand that connection out again."""
    if services.db.is_sqlite:
        pytest.skip("PostgreSQL's server sessions")
    alice = member(services, "alice")
    first, second = add(services, "Northwind", "Contoso")
    with pytest.raises(DBAPIError) as raised, services.db.write() as session:
        connection = session.connection()
        pid = int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        DriverStatement(_FACTS).first(connection, {"customer": first})
    assert raised.value.connection_invalidated
    claim(services, member=alice, customer_id=second)


def _team_names(services: Services) -> list[str]:
    with services.db.read() as session:
        return sorted(t.name for t in session.exec(select_model(Team)).all())


def test_a_session_inside_a_bare_connection_commits_with_it(services: Services) -> None:
    with services.db.write_connection() as connection:
        with services.db.session_on(connection) as session:
            session.add(Team(name="west", timezone="Asia/Shanghai", locale="en"))
        assert connection.execute(select(func.count()).select_from(Team)).scalar_one() == 2  # flushed
    assert _team_names(services) == ["east", "west"]


def test_a_failure_after_the_session_rolls_its_writes_back_with_the_connection(services: Services) -> None:
    alice = member(services, "alice")
    customer_id = add_one(services, "Northwind")
    with pytest.raises(RuntimeError), services.db.write_connection() as connection:
        with services.db.session_on(connection) as session:
            session.add(Team(name="west", timezone="Asia/Shanghai", locale="en"))
        DriverStatement(_TOUCH).rowcount(connection, {"customer": customer_id, "now": services.clock.now()})
        raise RuntimeError("the rest of the unit of work failed")
    assert _team_names(services) == ["east"]
    claim(services, member=alice, customer_id=customer_id)  # nothing was left locked

"""Slack acknowledgement latency of ``/claim`` and ``/pool`` over HTTP, next to a bare Bolt app.

    python bench/slack_ack.py [--db postgresql|sqlite] [--size 1000000] [--requests 300] [--rounds 3]
                              [--tiny]

One database filled with ``--size`` customers (bench/_common's generator: 70 % Chinese names, two
pools of the team plus another team's), migrated to head and VACUUM ANALYZEd. Then, per round, the same
signed slash commands go to two servers built the same way (waitress, Bolt's WSGI adapter,
production mode: ``process_before_response`` off):

* **poolbot**: ``bot.handlers.slack.app.build_app`` with every listener; the command runs after
  ``ack()`` on Bolt's listener pool and answers through the response URL;
* **bare**: a Bolt app whose only listener calls ``ack()``.

Measured per request, from the client: **ack** = the HTTP round trip Slack waits on (its limit is
3 s); for poolbot also **answer** = until the reply reached the response URL (a local fake Slack).
Requests go one at a time from one client, alternating ``/claim <customer>`` (a random pool
customer, by name, as one of eight reps: most are refused by the daily limit or cap after the
first claims, which costs the same work) and ``/pool <word>``. The figures are medians over rounds
of each round's p50/p99 (nearest rank).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import random
import re
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx
from _common import (
    NameMaker,
    bench_config,
    bulk_insert,
    customer_rows,
    load_average,
    machine,
    parse_args,
    percentile,
    prepare,
    scratch_database,
    table,
    utcnow,
    vacuum_analyze,
)
from slack_bolt import Ack, App
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.clock import SystemClock
from bot.domain.context import Services
from bot.handlers.slack.app import build_app, serve_http, web_client
from bot.storage.engine import Database

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
REPS = 8
WORDS = ("科技", "云帆", "acme", "贸易", "杭州", "global", "制造", "tech")


class _FakeSlack(BaseHTTPRequestHandler):
    """Answers every Web API call and response URL with ok, and notes when each response arrived."""

    arrivals: ClassVar[dict[str, float]] = {}
    arrived = threading.Condition()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/respond/"):
            with self.arrived:
                self.arrivals[self.path.rsplit("/", 1)[1]] = time.perf_counter()
                self.arrived.notify_all()
        body = b'{"ok": true, "user_id": "UBOT", "bot_id": "BBOT", "channel": {"id": "D1"}, "ts": "1.1"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def fake_slack() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSlack)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


@contextmanager
def serving(app: App, services: Services, port: int) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_http, args=(app, services), kwargs={"port": port, "stop": stop, "host": "127.0.0.1"}
    )
    thread.start()
    try:
        with httpx.Client(trust_env=False) as client:
            for _ in range(100):
                try:
                    client.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
        yield
    finally:
        stop.set()
        thread.join(10)


def bare_app(api: str) -> App:
    app = App(client=web_client(TOKEN, api), signing_secret=SECRET, token_verification_enabled=False)

    @app.command(re.compile(".*"))
    def only_ack(ack: Ack) -> None:
        ack()

    return app


def fill(url: str, size: int) -> tuple[list[str], float]:
    """The customers, the reps' Slack ids set; returns pool customer names and the fill time."""
    config = bench_config(reps=REPS)
    prepare(url, config)
    db = Database.from_url(url)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        pools = [int(i) for i in conn.execute(text("SELECT id FROM pool")).scalars()]
        reps = [int(i) for i in conn.execute(text("SELECT id FROM member WHERE role = 'rep'")).scalars()]
        conn.execute(text("UPDATE member SET slack_id = 'U' || upper(handle)"))
    bulk_insert(db, customer_rows(NameMaker(size), size, pools, reps, 0.1, utcnow()))
    vacuum_analyze(db)
    with db.engine.connect() as conn:
        names = list(
            conn.execute(text("SELECT name FROM customer WHERE owner_id IS NULL LIMIT 5000")).scalars()
        )
    db.dispose()
    return names, time.perf_counter() - started


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def requests(count: int, names: list[str], seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        user = f"UREP{rng.randrange(REPS)}"
        if index % 2 == 0:
            out.append(("/claim", f'"{rng.choice(names)}"', user))
        else:
            out.append(("/pool", rng.choice(WORDS), user))
    return out


def measure(
    port: int, slack_port: int, plan: list[tuple[str, str, str]], wait_answer: bool
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    with httpx.Client(trust_env=False, timeout=10) as client:
        for index, (command, words, user) in enumerate(plan):
            key = f"r{index}-{time.monotonic_ns()}"
            body = urlencode(
                {
                    "command": command,
                    "text": words,
                    "user_id": user,
                    "team_id": "T1",
                    "channel_id": "C1",
                    "trigger_id": key,
                    "response_url": f"http://127.0.0.1:{slack_port}/respond/{key}",
                }
            )
            started = time.perf_counter()
            answer = client.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=_signed(body))
            acked = time.perf_counter()
            assert answer.status_code == 200, answer.text
            timings.setdefault(f"{command} ack", []).append(acked - started)
            if wait_answer:
                _wait_for_answer(key)
                timings.setdefault(f"{command} answer", []).append(_FakeSlack.arrivals[key] - started)
    return timings


def _wait_for_answer(key: str) -> None:
    with _FakeSlack.arrived:
        _FakeSlack.arrived.wait_for(lambda: key in _FakeSlack.arrivals, 10)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300, help="requests per app and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parse_args(parser, tiny={"size": 2000, "requests": 10, "rounds": 1})
    print(machine((args.db,)), "\n", flush=True)
    with scratch_database(args.db) as url, fake_slack() as slack_port:
        names, seconds = fill(url, args.size)
        print(f"{args.db}: {args.size:,} customers in {seconds:.0f} s", flush=True)
        db = Database.from_url(url)
        services = Services(db=db, clock=SystemClock())
        api = f"http://127.0.0.1:{slack_port}/api/"
        rounds: dict[str, list[tuple[float, float]]] = {}
        ours = build_app(services, token=TOKEN, signing_secret=SECRET, api=api)
        bare = bare_app(api)
        for number in range(args.rounds):
            plan = requests(args.requests, names, seed=number)
            for label, app, wait in (("poolbot", ours, True), ("bare Bolt", bare, False)):
                port = free_port()
                with serving(app, services, port):
                    measured = measure(port, slack_port, plan, wait)
                for name, samples in measured.items():
                    rounds.setdefault(f"{label}|{name}", []).append(
                        (percentile(samples, 0.5), percentile(samples, 0.99))
                    )
            print(f"round {number + 1} of {args.rounds} done", flush=True)
        db.dispose()
    rows = [
        [
            *key.split("|"),
            f"{statistics.median(p for p, _ in v) * 1000:.1f}",
            f"{statistics.median(q for _, q in v) * 1000:.1f}",
        ]
        for key, v in sorted(rounds.items())
    ]
    print()
    print(table(["app", "what", "p50 ms", "p99 ms"], rows))
    print(
        f"\n({args.requests} requests per app and round, {args.rounds} rounds; "
        "medians of the rounds' percentiles)"
    )
    print(load_average())


if __name__ == "__main__":
    main()

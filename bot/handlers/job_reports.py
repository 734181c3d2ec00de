"""Job reports as lines an operator reads (``poolbot jobs run``)."""

from __future__ import annotations

from typing import Any

from bot.handlers.views import describe_deadline


def report_lines(job: str, report: Any, *, locale: str = "en") -> list[str]:
    """What the run did (or, dry, would do): the job's own lines, else its customers, else counts."""
    if hasattr(report, "lines"):
        return list(report.lines())
    verb = "would" if getattr(report, "dry_run", False) else "did"
    lines = [f"{job} ({verb} run as of {report.at.isoformat(timespec='minutes')}):"]
    if job == "recycle":
        lines.extend(_recycle_lines(report, locale))
    elif job == "warnings":
        lines.extend(
            f"  #{w.customer.customer_id} {w.customer.customer_name} ({w.customer.owner_name}): "
            f"{w.stage} warning, {w.days_left} days left"
            for w in report.warnings
        )
    lines.append("  " + ", ".join(f"{k}={v}" for k, v in report.summary().items() if k not in ("at",)))
    return lines


def _recycle_lines(report: Any, locale: str) -> list[str]:
    if not report.customers:
        return ["  nothing is due to go back to the pool"]
    return [
        f"  #{c.customer_id} {c.customer_name} from {c.owner_name}: {describe_deadline(locale, c.deadline)}"
        for c in report.customers
    ]

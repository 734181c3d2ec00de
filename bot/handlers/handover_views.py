"""Handover (离职交接) -> neutral messages: the preview with its Confirm button, the report per
customer, and the buttons a manager's notice carries to start one."""

from __future__ import annotations

from bot.domain.handover import Line, Outcome, Preview
from bot.i18n import t
from bot.messages import Actions, Button, Context, Fields, Message, Text

PREVIEW_ACTION = "handover.preview"  # value "<handle> <mode>": twin /handover <handle> <mode>
CONFIRM_ACTION = "handover.confirm"  # value "<handle> <mode> confirm"
SHOWN_LINES = 20  # customers listed per part of the chat report (the history has every one)


def start_buttons(locale: str, handle: str) -> Actions:
    """Preview a handover of ``handle``'s book by strategy, or back to the pool."""
    return Actions(
        (
            Button(t(locale, "handover.button_auto"), PREVIEW_ACTION, f"{handle} auto", "primary"),
            Button(t(locale, "handover.button_pool"), PREVIEW_ACTION, f"{handle} pool"),
        )
    )


def preview(locale: str, found: Preview, mode: str, mode_text: str, *, confirm: bool = True) -> Message:
    """The member's book per pool, the pending requests, what will happen, and (in the chat) the
    Confirm button with its typed twin."""
    member = found.member
    title = t(locale, "handover.preview_title", member=member.name, count=found.total)
    blocks: list[Text | Fields | Actions | Context] = [Text(title, heading=True)]
    if found.pools:
        blocks.append(Fields(tuple((pool, str(count)) for pool, count in found.pools)))
    if found.pending:
        listed = ", ".join(f"#{rid} {name}" for rid, name in found.pending[:SHOWN_LINES])
        blocks.append(Text(t(locale, "handover.preview_pending", count=len(found.pending), requests=listed)))
    blocks.append(Text(mode_text))
    if not confirm:
        return Message(tuple(blocks), summary=title)
    twin = f"{member.handle} {mode} confirm"
    button = Button(t(locale, "handover.button_confirm"), CONFIRM_ACTION, twin, "primary")
    blocks += [Actions((button,)), Context(t(locale, "handover.preview_twin", command=f"/handover {twin}"))]
    return Message(tuple(blocks), summary=title)


def report(locale: str, outcome: Outcome, *, limit: int | None = SHOWN_LINES) -> Message:
    """Where each customer went and why, or why it stayed (``limit`` None: every line)."""
    title = t(
        locale,
        "handover.report_title",
        member=outcome.member_name,
        moved=len(outcome.moved),
        total=len(outcome.moved) + len(outcome.stayed),
    )
    blocks: list[Text | Fields | Context] = [Text(title, heading=True)]
    if outcome.moved:
        blocks.append(Fields(tuple((name, str(count)) for name, count in outcome.per_receiver())))
        blocks += _lines(locale, "handover.report_moved", outcome.moved, limit)
    if outcome.stayed:
        stay_title = t(
            locale, "handover.report_stayed", count=len(outcome.stayed), member=outcome.member_name
        )
        blocks.append(Text(stay_title, heading=True))
        blocks += _lines(locale, "handover.report_stay", outcome.stayed, limit)
    if outcome.cancelled:
        blocks.append(Context(t(locale, "handover.report_cancelled", count=outcome.cancelled)))
    return Message(tuple(blocks), summary=title)


def _lines(locale: str, key: str, lines: tuple[Line, ...], limit: int | None) -> list[Text | Context]:
    shown = lines[:limit]
    text = "\n".join(
        t(locale, key, id=x.customer_id, customer=x.customer_name, to=x.to_name or "", reason=_why(x, key))
        for x in shown
    )
    out: list[Text | Context] = [Text(text)]
    if limit is not None and len(lines) > limit:
        out.append(Context(t(locale, "handover.report_more", count=len(lines) - limit)))
    return out


def _why(line: Line, key: str) -> str:
    """A moved customer's reason in brackets after the receiver (none for a plain move)."""
    if key == "handover.report_stay" or not line.reason:
        return line.reason
    return f" ({line.reason})"

"""The modals: a follow-up form (bare ``/followup``, or "Record follow-up" on a reminder), the
optional reason of a rejection, and a release (the pool's reasons, and where it may go). Builders
return Slack view JSON; readers turn a submitted view back into a
:class:`~bot.handlers.parser.Parsed` command for the shared ``Bot``."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.domain.releases import ReleaseForm
from bot.domain.snapshots import FOLLOW_UP_KINDS, CustomerView
from bot.handlers.parser import Parsed
from bot.i18n import t
from bot.names import as_id, name_key, search_key

FOLLOWUP_FORM = "followup.form"
REJECT_FORM = "reject.form"
RELEASE_FORM = "release.form"
OWN_POOL = "-"  # the release form's pool select: stay in the customer's own pool
CUSTOMER_FIELD = "customer"
MAX_OPTIONS = 100  # Slack's cap for an external select's answer
MAX_OPTION_TEXT = 75
NOTE_LIMIT = 2000
REASON_LIMIT = 500


def _plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": element,
        "optional": optional,
    }


def customer_option(customer_id: int, name: str) -> dict[str, Any]:
    return {"text": _plain(name, MAX_OPTION_TEXT), "value": f"#{customer_id}"}


def followup_modal(
    locale: str, *, preset: tuple[int, str] | None = None, note: str = "", permalink: str = ""
) -> dict[str, Any]:
    """Customer (searching the rep's own book), kind, note and next date. From a message (the
    "Log as follow-up" shortcut): its text as the note, and its ``permalink``, kept with the
    follow-up, in the form's private metadata."""
    note_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "note",
        "multiline": True,
        "max_length": NOTE_LIMIT,
    }
    if note:
        note_input["initial_value"] = note[:NOTE_LIMIT]
    select: dict[str, Any] = {
        "type": "external_select",
        "action_id": CUSTOMER_FIELD,
        "placeholder": _plain(t(locale, "slack.customer_hint")),
        "min_query_length": 0,
    }
    if preset is not None:
        select["initial_option"] = customer_option(*preset)
    kinds = [{"text": _plain(t(locale, f"slack.kind.{k}")), "value": k} for k in FOLLOW_UP_KINDS]
    return {
        "type": "modal",
        "callback_id": FOLLOWUP_FORM,
        "private_metadata": json.dumps({"permalink": permalink}) if permalink else "",
        "title": _plain(t(locale, "slack.followup_title"), 24),
        "submit": _plain(t(locale, "slack.submit"), 24),
        "close": _plain(t(locale, "slack.cancel"), 24),
        "blocks": [
            _input(CUSTOMER_FIELD, t(locale, "slack.customer_label"), select),
            _input(
                "kind",
                t(locale, "slack.kind_label"),
                {"type": "static_select", "action_id": "kind", "options": kinds, "initial_option": kinds[0]},
            ),
            _input("note", t(locale, "slack.note_label"), note_input),
            _input(
                "next",
                t(locale, "slack.next_label"),
                {"type": "datepicker", "action_id": "next"},
                optional=True,
            ),
        ],
    }


def reject_modal(locale: str, request_id: int, *, from_home: bool = False) -> dict[str, Any]:
    """``from_home``: opened from App Home, which shows the outcome once the form is sent."""
    return {
        "type": "modal",
        "callback_id": REJECT_FORM,
        "private_metadata": json.dumps({"request": request_id, "home": from_home}),
        "title": _plain(t(locale, "slack.reject_title", request=request_id), 24),
        "submit": _plain(t(locale, "slack.reject_submit"), 24),
        "close": _plain(t(locale, "slack.cancel"), 24),
        "blocks": [
            _input(
                "reason",
                t(locale, "slack.reason_label"),
                {"type": "plain_text_input", "action_id": "reason", "max_length": REASON_LIMIT},
                optional=True,
            )
        ],
    }


def release_modal(locale: str, form: ReleaseForm, *, from_home: bool = False) -> dict[str, Any]:
    """The question (it is the confirmation), a select of the pool's reasons (required when the
    pool says so) and, where the pool allows other pools, a select of where it goes."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": _plain(
                t(locale, "release.form_question", customer=form.customer_name, pool=form.pool_name), 3000
            ),
        }
    ]
    if form.reasons:
        reasons = [{"text": _plain(r, MAX_OPTION_TEXT), "value": r} for r in form.reasons[:MAX_OPTIONS]]
        select = {
            "type": "static_select",
            "action_id": "reason",
            "placeholder": _plain(t(locale, "release.form_pick")),
            "options": reasons,
        }
        label = t(locale, "release.form_reason")
        blocks.append(_input("reason", label, select, optional=not form.required))
    if form.targets:
        own = {"text": _plain(t(locale, "release.form_own_pool", pool=form.pool_name)), "value": OWN_POOL}
        pools = [own] + [{"text": _plain(p, MAX_OPTION_TEXT), "value": p} for p in form.targets]
        select = {"type": "static_select", "action_id": "pool", "options": pools, "initial_option": own}
        blocks.append(_input("pool", t(locale, "release.form_pool"), select))
    return {
        "type": "modal",
        "callback_id": RELEASE_FORM,
        "private_metadata": json.dumps({"customer": form.customer_id, "home": from_home}),
        "title": _plain(t(locale, "release.form_title"), 24),
        "submit": _plain(t(locale, "release.form_submit"), 24),
        "close": _plain(t(locale, "slack.cancel"), 24),
        "blocks": blocks,
    }


def read_release(view: dict[str, Any]) -> Parsed:
    """The submitted form as ``/release #<id> <reason> pool:<pool>``."""
    state = view.get("state", {})
    reason = (_value(state, "reason", "reason").get("selected_option") or {}).get("value") or ""
    pool = (_value(state, "pool", "pool").get("selected_option") or {}).get("value") or OWN_POOL
    customer = f"#{_metadata(view).get('customer', '')}"
    options = {} if pool == OWN_POOL else {"pool": str(pool)}
    return Parsed(name="release", words=(customer, str(reason)) if reason else (customer,), options=options)


def matching_options(customers: tuple[CustomerView, ...], query: str) -> list[dict[str, Any]]:
    """The rep's customers whose name (or its pinyin) contains what was typed, as select options."""
    wanted = name_key(query)
    found = [c for c in customers if not wanted or wanted in f"{name_key(c.name)}|{search_key(c.name)}"]
    return [customer_option(c.id, c.name) for c in found[:MAX_OPTIONS]]


def _value(state: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    return dict(state.get("values", {}).get(block, {}).get(action, {}))


def read_followup(view: dict[str, Any]) -> Parsed | None:
    """The submitted form as ``/followup #<id> <note> kind:<kind> next:<date>``; None when no
    customer was picked."""
    state = view.get("state", {})
    picked = (_value(state, CUSTOMER_FIELD, CUSTOMER_FIELD).get("selected_option") or {}).get("value", "")
    if as_id(str(picked).removeprefix("#")) is None:
        return None
    kind = (_value(state, "kind", "kind").get("selected_option") or {}).get("value") or "call"
    note = str(_value(state, "note", "note").get("value") or "")
    options = {"kind": str(kind)}
    next_day = _value(state, "next", "next").get("selected_date")
    if next_day:
        options["next"] = date.fromisoformat(str(next_day)).isoformat()
    if permalink := str(_metadata(view).get("permalink") or ""):
        options["link"] = permalink
    return Parsed(name="followup", words=(str(picked), note), options=options)


def read_reject(view: dict[str, Any]) -> Parsed:
    reason = str(_value(view.get("state", {}), "reason", "reason").get("value") or "")
    request = str(_metadata(view).get("request", ""))
    return Parsed(name="reject", words=(request, reason) if reason else (request,))


def from_home(view: dict[str, Any]) -> bool:
    """Whether the form was opened from App Home (which then shows the outcome)."""
    return bool(_metadata(view).get("home"))


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(str(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}

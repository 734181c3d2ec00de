"""The neutral messages of registration (/new's answers) and of /duplicates."""

from __future__ import annotations

from bot.domain.duplicates import DuplicatePage
from bot.domain.registration import Registered
from bot.handlers.ctx import Choices
from bot.i18n import t
from bot.messages import Actions, Button, Context, Message, Reply, Text

DUPLICATES_PAGE = "duplicates.page"
MERGE_ACTION = "customer.merge"


def _why(locale: str, reason: str, score: int = 100) -> str:
    return t(locale, f"reg.why_{reason}", score=score)


def registered(locale: str, done: Registered, *, register_anyway: str) -> Reply:
    """What /new answers; "probably the same" is a question with numbered choices."""
    params = {
        "id": done.customer_id,
        "customer": done.customer_name,
        "why": _why(locale, done.reason or "name"),
    }
    if done.answer == "new":
        key = "reg.new" if done.deadline else "reg.new_no_deadline"
        day = done.deadline.day if done.deadline else None
        return _say(locale, key, **params, held=done.held, cap=done.cap, deadline=day)
    if done.answer == "in_pool":
        text = t(locale, "reg.in_pool", **params)
        claim = Button(t(locale, "button.claim"), "claim.claim", f"#{done.customer_id}", "primary")
        return Reply(Message((Text(text), Actions((claim,))), summary=text), refused=True)
    if done.answer == "colleague":
        text = t(locale, "reg.colleague", **params, since=done.since or "?")
        if done.owner_name:
            text += t(
                locale,
                "reg.colleague_shown",
                owner=done.owner_name,
                phone=done.phone or "—",
                contact=done.contact or "—",
            )
        return Reply(Message.text(text), refused=True)
    if done.answer == "probable":
        options = tuple(
            (
                t(
                    locale,
                    "reg.choice_candidate",
                    id=c.id,
                    customer=c.name,
                    why=_why(locale, c.reason, c.score),
                ),
                f"/customer #{c.id}",
            )
            for c in done.candidates
        )
        raise Choices(
            t(locale, "reg.probable", customer=done.customer_name),
            (*options, (t(locale, "reg.choice_anyway"), register_anyway)),
        )
    if done.answer == "requested":
        first = done.candidates[0]
        return _say(
            locale,
            "reg.requested",
            request=done.request_id,
            customer=done.customer_name,
            id=first.id,
            name=first.name,
        )
    return Reply(Message.text(t(locale, f"reg.{done.answer}", **params)), refused=True)


def _say(locale: str, key: str, **params: object) -> Reply:
    return Reply(Message.text(t(locale, key, **params)))


def duplicates_page(locale: str, found: DuplicatePage) -> Message:
    """Suspected pairs, each with a Merge button (asked first) whose twin is ``/merge #a #b``."""
    if not found.pairs:
        return Message.text(t(locale, "reg.no_duplicates"))
    title = t(locale, "reg.duplicates_title", total=found.total, more="+" if found.capped else "")
    blocks: list[Text | Actions | Context] = [Text(title, heading=True)]
    for pair in found.pairs:
        why = _why(locale, pair.reason, pair.score)
        line = t(
            locale,
            "reg.pair",
            a=pair.first_id,
            a_name=pair.first_name,
            b=pair.second_id,
            b_name=pair.second_name,
            why=why,
        )
        question = t(locale, "reg.merge_confirm", a=pair.first_id, b=pair.second_id)
        merge = Button(
            t(locale, "reg.button_merge"),
            MERGE_ACTION,
            f"#{pair.first_id} #{pair.second_id}",
            confirm=question,
        )
        blocks += [Text(line), Actions((merge,))]
    paging = []
    if found.page > 1:
        paging.append(Button(t(locale, "button.previous_page"), DUPLICATES_PAGE, f"page:{found.page - 1}"))
    if found.page < found.pages:
        paging.append(Button(t(locale, "button.next_page"), DUPLICATES_PAGE, f"page:{found.page + 1}"))
    blocks.append(Context(t(locale, "reg.duplicates_page", page=found.page, pages=found.pages)))
    if paging:
        blocks.append(Actions(tuple(paging)))
    return Message(tuple(blocks), summary=title)

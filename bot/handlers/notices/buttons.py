"""Buttons several notices share."""

from __future__ import annotations

from bot.i18n import t
from bot.messages import Actions, Button


def answer_buttons(locale: str, customer_id: int, name: str) -> Actions:
    """Record a follow-up, or give the customer back (asked first where the surface can ask)."""
    ref = f"#{customer_id}"
    question = t(locale, "confirm.release", customer=name)
    return Actions(
        (
            Button(t(locale, "button.followup"), "customer.followup", ref, "primary"),
            Button(t(locale, "button.release"), "customer.release", ref, confirm=question),
        )
    )


def soon_buttons(locale: str, customer_id: int, name: str) -> Actions:
    """A customer about to go back to the pool: a follow-up, the one-tap extension, or give it back."""
    answer = answer_buttons(locale, customer_id, name)
    extend = Button(t(locale, "button.extend"), "customer.extend", f"#{customer_id}")
    return Actions((answer.buttons[0], extend, *answer.buttons[1:]))

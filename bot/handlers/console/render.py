"""Neutral message -> plain text for a terminal. Buttons show their typed twins."""

from __future__ import annotations

from rich.cells import cell_len

from bot.handlers.columns import aligned
from bot.handlers.table import twin
from bot.messages import Actions, Context, Divider, Fields, Image, Message, Table, Text


def render_text(message: Message) -> str:
    lines: list[str] = []
    for block in message.blocks:
        if isinstance(block, Text):
            lines.append(f"== {block.text} ==" if block.heading else block.text)
        elif isinstance(block, Fields):
            width = max((cell_len(label) for label, _ in block.pairs), default=0)
            lines.extend(
                f"  {label}{' ' * (width - cell_len(label))}  {value}" for label, value in block.pairs
            )
        elif isinstance(block, Table):
            lines.extend(f"  {line}" for line in aligned(block))
        elif isinstance(block, Actions):
            lines.append("  " + "   ".join(f"[{b.label}: {twin(b)}]" for b in block.buttons))
        elif isinstance(block, Context):
            lines.append(f"  {block.text}")
        elif isinstance(block, Divider):
            lines.append("-" * 40)
        elif isinstance(block, Image):
            lines.append(f"  [{block.title}: {block.path}]")
    return "\n".join(lines)

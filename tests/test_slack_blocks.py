"""Neutral messages -> Block Kit: every block type, escaping, limits, buttons that keep their twin."""

from __future__ import annotations

import json

from bot.handlers.slack.blocks import MAX_BLOCKS, base_action_id, escape, to_block_kit
from bot.handlers.table import twin
from bot.messages import Actions, Button, Context, Divider, Fields, Message, Text


def test_each_block_type() -> None:
    message = Message(
        blocks=(
            Text("Claim request", heading=True),
            Text("Maria wants *杭州云帆*"),
            Fields((("Customer", "杭州云帆科技"), ("Rep", "Maria"))),
            Actions((Button("Approve", "claim.approve", "42", "primary"),)),
            Context("requested 10:00"),
            Divider(),
        ),
        summary="Claim request: 杭州云帆科技",
    )
    text, blocks = to_block_kit(message)
    assert text == "Claim request: 杭州云帆科技"
    assert [b["type"] for b in blocks] == ["header", "section", "section", "actions", "context", "divider"]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Claim request", "emoji": True}
    # the asterisks are shown as typed, not as bold (issue 11: text is neutralised for mrkdwn)
    assert blocks[1]["text"] == {"type": "mrkdwn", "text": "Maria wants \u200b*\u200b杭州云帆\u200b*\u200b"}
    assert blocks[2]["fields"] == [
        {"type": "mrkdwn", "text": "*Customer*\n杭州云帆科技"},
        {"type": "mrkdwn", "text": "*Rep*\nMaria"},
    ]
    assert blocks[3]["elements"] == [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": "Approve", "emoji": True},
            "action_id": "claim.approve",
            "value": "42",
            "style": "primary",
        }
    ]
    assert blocks[4]["elements"] == [{"type": "mrkdwn", "text": "requested 10:00"}]
    assert blocks[5] == {"type": "divider"}
    json.dumps(blocks)  # plain JSON, ready for the Web API


def test_fallback_without_summary_uses_the_text_blocks() -> None:
    text, _ = to_block_kit(Message(blocks=(Text("Hello"), Divider(), Context("<b>"))))
    assert text == "Hello\n&lt;b&gt;"


def test_mrkdwn_is_escaped_everywhere_but_plain_text_is_not() -> None:
    evil = "<!channel> & <https://x|y>"
    message = Message(
        blocks=(Text(evil, heading=True), Text(evil), Fields(((evil, evil),)), Context(evil)),
        summary=evil,
    )
    text, blocks = to_block_kit(message)
    safe = "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
    assert escape(evil) == safe
    assert text == safe
    assert blocks[0]["text"]["text"] == evil  # plain_text is never parsed
    assert blocks[1]["text"]["text"] == safe
    assert blocks[2]["fields"][0]["text"] == f"*{safe}*\n{safe}"
    assert blocks[3]["elements"][0]["text"] == safe
    assert "<" not in json.dumps([blocks[1], blocks[2], blocks[3]])


def test_length_limits() -> None:
    message = Message(
        blocks=(
            Text("H" * 400, heading=True),
            Text("&" * 2000),
            Actions((Button("B" * 200, "customer.show", "1"),)),
        )
    )
    _, blocks = to_block_kit(message)
    assert len(blocks[0]["text"]["text"]) == 150
    section = blocks[1]["text"]["text"]
    assert len(section) <= 3000 and section.endswith("&amp;…")  # no entity cut in half
    assert len(blocks[2]["elements"][0]["text"]["text"]) == 75


def test_fields_split_into_sections_of_ten() -> None:
    pairs = tuple((f"k{i}", f"v{i}") for i in range(23))
    _, blocks = to_block_kit(Message(blocks=(Fields(pairs),)))
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]
    assert blocks[2]["fields"][2]["text"] == "*k22*\nv22"


def test_empty_blocks_are_dropped() -> None:
    _, blocks = to_block_kit(Message(blocks=(Text(""), Fields(()), Actions(()), Context("  "), Divider())))
    assert blocks == [{"type": "divider"}]


def test_fifty_block_cap() -> None:
    message = Message(blocks=tuple(Text(f"line {i}") for i in range(60)))
    _, blocks = to_block_kit(message)
    assert len(blocks) == MAX_BLOCKS
    assert blocks[48]["text"]["text"] == "line 48"
    assert blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "…and 11 more not shown."}],
    }

    _, blocks = to_block_kit(message, locale="zh-CN")
    assert blocks[-1]["elements"][0]["text"] == "……另有 11 条未显示。"
    _, blocks = to_block_kit(message, max_blocks=100)
    assert len(blocks) == 60

    exactly = Message(blocks=tuple(Text(f"line {i}") for i in range(50)))
    _, blocks = to_block_kit(exactly)
    assert len(blocks) == 50 and blocks[-1]["text"]["text"] == "line 49"


def test_duplicate_action_ids_get_a_suffix_and_round_trip() -> None:
    buttons = (
        Button("杭州云帆", "customer.show", "101"),
        Button("Release", "customer.release", "101", "danger"),
        Button("上海星河", "customer.show", "102"),
        Button("Approve", "claim.approve", "7", "primary"),
        Button("北京远山", "customer.show", "103"),
        Button("1) #104 西湖茶业", "choice.pick", "1"),
    )
    _, blocks = to_block_kit(Message(blocks=(Actions(buttons),)))
    elements = blocks[0]["elements"]
    ids = [e["action_id"] for e in elements]
    assert ids == [
        "customer.show",
        "customer.release",
        "customer.show:2",
        "claim.approve",
        "customer.show:4",
        "choice.pick",
    ]
    assert len(set(ids)) == len(ids)
    assert "style" not in elements[0]
    # what a listener gets back rebuilds the same button, so its typed twin is not lost
    rebuilt = tuple(
        Button(e["text"]["text"], base_action_id(e["action_id"]), e["value"], e.get("style", "default"))
        for e in elements
    )
    assert rebuilt == buttons
    assert [twin(b) for b in rebuilt] == [
        "/customer 101",
        "/release 101",
        "/customer 102",
        "/approve 7",
        "/customer 103",
        "1",
    ]


def test_more_than_25_buttons_split_into_actions_blocks() -> None:
    buttons = tuple(Button(str(i), "customer.show", str(i)) for i in range(30))
    _, blocks = to_block_kit(Message(blocks=(Actions(buttons),)))
    assert [len(b["elements"]) for b in blocks] == [25, 5]
    for block in blocks:
        ids = [e["action_id"] for e in block["elements"]]
        assert len(set(ids)) == len(ids)
    assert [e["value"] for b in blocks for e in b["elements"]] == [str(i) for i in range(30)]


def test_base_action_id() -> None:
    assert base_action_id("customer.show:12") == "customer.show"
    assert base_action_id("claim.approve") == "claim.approve"


def test_a_confirm_asks_in_the_readers_language_and_release_asks_in_its_form() -> None:
    message = Message(blocks=(Actions((Button("锁定", "customer.lock", "#7", "danger", confirm="确定？"),)),))
    _, blocks = to_block_kit(message, locale="zh-CN")
    confirm = blocks[0]["elements"][0]["confirm"]
    assert confirm["text"]["text"] == "确定？"
    assert confirm["deny"]["text"] == "取消"
    release = Message(
        blocks=(Actions((Button("退回", "customer.release", "#7", "danger", confirm="把 #7 退回公海？"),)),)
    )
    assert "confirm" not in to_block_kit(release, locale="zh-CN")[1][0]["elements"][0]
    plain = Message(blocks=(Actions((Button("Open", "customer.show", "#7"),)),))
    assert "confirm" not in to_block_kit(plain)[1][0]["elements"][0]

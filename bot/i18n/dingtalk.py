"""Text of the DingTalk surface: keys start with ``dingtalk.``; en and zh-CN side by side."""

EN: dict[str, str] = {
    "dingtalk.group_hint": "In this group, @-mention me and type: {commands}",
    "dingtalk.card_approve": "Approve",
    "dingtalk.card_reject": "Reject",
    "dingtalk.card_decided": "Request #{request}: {decision}",
    "dingtalk.not_text": "I only read text messages: type /help to see what I can do.",
}

ZH: dict[str, str] = {
    "dingtalk.group_hint": "在群里请 @我 并输入：{commands}",
    "dingtalk.card_approve": "批准",
    "dingtalk.card_reject": "拒绝",
    "dingtalk.card_decided": "申请 #{request}：{decision}",
    "dingtalk.not_text": "我只能读文字消息：输入 帮助 查看我能做什么。",
}

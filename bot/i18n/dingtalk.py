"""Text of the DingTalk surface: keys start with ``dingtalk.``; en and zh-CN side by side."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

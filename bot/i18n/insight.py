"""Text of assignment and reports: keys start with ``insight.``; en and zh-CN side by side."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

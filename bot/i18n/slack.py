"""Text of the Slack surface (modals, App Home): keys start with ``slack.``; en and zh-CN side by side."""

EN: dict[str, str] = {}

ZH: dict[str, str] = {}

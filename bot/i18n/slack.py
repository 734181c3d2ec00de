"""Text of the Slack surface (modals, App Home): keys start with ``slack.``; en and zh-CN side by side."""

EN: dict[str, str] = {
    "slack.followup_title": "Record follow-up",
    "slack.customer_label": "Customer",
    "slack.customer_hint": "Type to search your customers",
    "slack.kind_label": "Kind",
    "slack.note_label": "What happened",
    "slack.next_label": "Next follow-up",
    "slack.submit": "Save",
    "slack.cancel": "Cancel",
    "slack.reject_title": "Reject request #{request}",
    "slack.reject_submit": "Reject",
    "slack.reason_label": "Reason (optional)",
    "slack.pick_customer": "Pick one of your customers.",
    "slack.kind.call": "Call",
    "slack.kind.visit": "Visit",
    "slack.kind.message": "Message",
    "slack.kind.email": "Email",
    "slack.kind.meeting": "Meeting",
    "slack.kind.other": "Other",
    "slack.home_rep_title": "Your customers",
    "slack.home_manager_title": "Team {team} today",
    "slack.home_figures": "Today",
    "slack.figure.held": "Held",
    "slack.figure.claimed": "Claimed or assigned",
    "slack.figure.follow_ups": "Follow-ups",
    "slack.figure.released": "Released",
    "slack.figure.recycled": "Recycled",
    "slack.figure.won": "Won",
    "slack.figure.pending": "Waiting for a decision",
    "slack.home_pending_title": "Claims waiting for you",
    "slack.home_pending_none": "No claim is waiting for a decision.",
    "slack.home_pending_more": "{shown} of {total} shown, oldest first: /poolbot requests lists them all.",
    "slack.home_unknown": (
        "You are not in poolbot's team list yet. Ask an admin to add your Slack id ({user})."
    ),
    "slack.home_updated": "Updated {when}",
    "slack.more_blocks": "…and {count} more not shown.",
    "slack.not_shown": (
        "Slack could not show poolbot's answer. Try again, or quote reference {ref} to an admin."
    ),
    "slack.help_messages_tab": (
        "In poolbot's Messages tab commands work without the slash, in either language: "
        "claim Acme, 认领 云帆."
    ),
}

ZH: dict[str, str] = {
    "slack.followup_title": "记录跟进",
    "slack.customer_label": "客户",
    "slack.customer_hint": "输入以搜索你的客户",
    "slack.kind_label": "方式",
    "slack.note_label": "跟进内容",
    "slack.next_label": "下次跟进",
    "slack.submit": "保存",
    "slack.cancel": "取消",
    "slack.reject_title": "驳回申请 #{request}",
    "slack.reject_submit": "驳回",
    "slack.reason_label": "理由（可选）",
    "slack.pick_customer": "请选择你的一个客户。",
    "slack.kind.call": "电话",
    "slack.kind.visit": "拜访",
    "slack.kind.message": "消息",
    "slack.kind.email": "邮件",
    "slack.kind.meeting": "会议",
    "slack.kind.other": "其他",
    "slack.home_rep_title": "我的客户",
    "slack.home_manager_title": "{team} 团队今日",
    "slack.home_figures": "今日",
    "slack.figure.held": "持有",
    "slack.figure.claimed": "认领或分配",
    "slack.figure.follow_ups": "跟进",
    "slack.figure.released": "退回",
    "slack.figure.recycled": "回收",
    "slack.figure.won": "成交",
    "slack.figure.pending": "待审批",
    "slack.home_pending_title": "等你审批的认领",
    "slack.home_pending_none": "没有待审批的认领。",
    "slack.home_pending_more": "显示 {total} 个中最早的 {shown} 个：/poolbot requests 列出全部。",
    "slack.home_unknown": "你还不在 poolbot 的团队名单里。请管理员添加你的 Slack id（{user}）。",
    "slack.home_updated": "更新于 {when}",
    "slack.more_blocks": "……另有 {count} 条未显示。",
    "slack.not_shown": "Slack 无法显示 poolbot 的回复。请重试，或把编号 {ref} 告诉管理员。",
    "slack.help_messages_tab": (
        "Slack 只认上面这些英文斜杠命令；在 poolbot 的「消息」标签页里"
        "直接输入中文命令也可以，不带斜杠：认领 云帆。"
    ),
}

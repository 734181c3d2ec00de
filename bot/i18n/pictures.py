"""Text of the pictures (/report, /forecast), quiet hours (/settings) and follow-ups logged from
messages; en and zh-CN side by side."""

EN: dict[str, str] = {
    "chart.cap": "cap",
    "chart.report_caption": "Chart: held against the cap, claims + assignments, follow-ups, recycles, wins",
    "chart.report_title": "{team}, {first} to {last}: {fair}",
    "chart.fair_none": "no claims or assignments",
    "chart.fair_even": "claims + assignments spread evenly (variation {cv})",
    "chart.fair_uneven": "spread unevenly (variation {cv}; {top} got {share}%)",
    "chart.fair_skewed": "skewed (variation {cv}; {top} got {share}%)",
    "help.forecast": "/forecast [days] — what goes back to the pool on each coming working day (default 14)",
    "forecast.bad_days": "How many working days ahead? A number from 1 to {max}, e.g. /forecast 14",
    "forecast.title_team": "Back to the pool in the next {days} working days: {total} customers of {team}",
    "forecast.title_mine": "Back to the pool in the next {days} working days: {total} of your customers",
    "forecast.none_team": "Nothing of {team} goes back to the pool in the next {days} working days.",
    "forecast.none_mine": "None of your customers goes back to the pool in the next {days} working days.",
    "forecast.chart_title": "Back to the pool per working day, next {days} ({total} customers)",
    "forecast.chart_caption": "Chart: customers going back to the pool per working day, per rep",
    "forecast.head_rep": "rep",
    "forecast.head_total": "{days} days",
    "forecast.total": "all",
    "forecast.soon": "Going back in the next three working days",
    "forecast.line": "#{id} {customer} ({priority}) · {owner} · back on {day}",
    "forecast.more": "…and {count} more in these three days.",
    "help.settings": (
        "/settings [quiet 20:00-08:30|quiet off] — your quiet hours: notifications wait for their end"
    ),
    "settings.usage": "Quiet hours: /settings quiet 20:00-08:30 or /settings quiet off",
    "settings.bad_quiet": (
        "Quiet hours are two times of day, e.g. /settings quiet 20:00-08:30 (or off), not {text}"
    ),
    "settings.quiet_own": (
        "Your quiet hours: {window} ({zone}). Notifications falling inside wait for their end."
    ),
    "settings.quiet_config": (
        "Your quiet hours: {window} ({zone}), from the team's config. "
        "Change them: /settings quiet 21:00-08:00 or off"
    ),
    "settings.quiet_off": "Quiet hours off: notifications reach you at any time.",
    "settings.quiet_none": (
        "No quiet hours: notifications reach you at any time. Set them: /settings quiet 20:00-08:30"
    ),
    "error.bad_link": "A follow-up's link is one https:// address of at most {limit} characters, not {link}",
    "view.followup_from": "from the message {link}",
    "slack.from_message_no_text": "(a message without text)",
    "dingtalk.forwarded_offer": "Log this message as a follow-up? Pick the customer:",
    "dingtalk.forwarded_none": "You own no customers to log this message on.",
}

ZH: dict[str, str] = {
    "chart.cap": "上限",
    "chart.report_caption": "图表：持有与上限、认领 + 分配、跟进、回收、成交",
    "chart.report_title": "{team}，{first} 至 {last}：{fair}",
    "chart.fair_none": "没有认领或分配",
    "chart.fair_even": "认领 + 分配均衡（变异系数 {cv}）",
    "chart.fair_uneven": "分配不均（变异系数 {cv}；{top} 占 {share}%）",
    "chart.fair_skewed": "分配严重不均（变异系数 {cv}；{top} 占 {share}%）",
    "help.forecast": "/forecast [天数]（回收预测）— 今后每个工作日将回到公海的客户（默认 14 天）",
    "forecast.bad_days": "看多少个工作日？1 到 {max} 的数字，例如 /forecast 14",
    "forecast.title_team": "今后 {days} 个工作日将回到公海：{team} 共 {total} 个客户",
    "forecast.title_mine": "今后 {days} 个工作日将回到公海：你的 {total} 个客户",
    "forecast.none_team": "今后 {days} 个工作日，{team} 没有客户回到公海。",
    "forecast.none_mine": "今后 {days} 个工作日，你没有客户回到公海。",
    "forecast.chart_title": "每个工作日回到公海的客户，今后 {days} 个工作日（共 {total} 个）",
    "forecast.chart_caption": "图表：每个工作日、每名销售将回到公海的客户",
    "forecast.head_rep": "销售",
    "forecast.head_total": "{days} 天",
    "forecast.total": "合计",
    "forecast.soon": "今后三个工作日将回到公海",
    "forecast.line": "#{id} {customer}（{priority}）· {owner} · {day} 回收",
    "forecast.more": "……这三天另有 {count} 个。",
    "help.settings": (
        "/settings [quiet 20:00-08:30|quiet off]（设置）— 你的免打扰时段：期间的通知等到结束再发"
    ),
    "settings.usage": "免打扰时段：/settings quiet 20:00-08:30 或 /settings quiet off",
    "settings.bad_quiet": "免打扰时段是两个时间，例如 /settings quiet 20:00-08:30（或 off），而不是 {text}",
    "settings.quiet_own": "你的免打扰时段：{window}（{zone}）。期间的通知等到结束再发。",
    "settings.quiet_config": (
        "你的免打扰时段：{window}（{zone}），来自团队配置。修改：/settings quiet 21:00-08:00 或 off"
    ),
    "settings.quiet_off": "免打扰已关闭：通知随时送达。",
    "settings.quiet_none": "没有免打扰时段：通知随时送达。设置：/settings quiet 20:00-08:30",
    "error.bad_link": "跟进的链接是一个不超过 {limit} 个字符的 https:// 地址，而不是 {link}",
    "view.followup_from": "来自消息 {link}",
    "slack.from_message_no_text": "（一条没有文字的消息）",
    "dingtalk.forwarded_offer": "把这条消息记为跟进？选择客户：",
    "dingtalk.forwarded_none": "你还没有客户，无法记录这条消息。",
}

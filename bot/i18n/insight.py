"""Text of assignment and reports: keys start with ``insight.``; en and zh-CN side by side."""

EN: dict[str, str] = {
    # why a member got a customer (kept in the ownership history)
    "insight.field_region": "region",
    "insight.field_industry": "industry",
    "insight.field_size": "size",
    "insight.field_priority": "priority",
    "insight.why_fallback": "no rule matched: fallback group",
    "insight.why_round_robin": "round-robin turn",
    "insight.why_least_loaded": "most free capacity",
    "insight.why_smart": "weighted by win rate",
    "insight.why_held": "{held} of {cap} held",
    "insight.why_win_rate": "win rate {rate}% in {segment}",
    "insight.why_win_rate_floor": "win rate {rate}% in {segment}, weighted at the {floor}% floor",
    "insight.why_no_history": "no history in {segment}: weighted at the {floor}% floor",
    "insight.why_tie": "tie broken at random",
    "insight.any_segment": "customers without industry or size",
    "insight.the_bot": "poolbot",
    # why a customer stayed in the pool
    "insight.left_no_rule": "no rule matches and the pool has no fallback group",
    "insight.left_no_member": "nobody in its group is an active rep",
    "insight.left_full": "everyone in its group is at the cap or in its cooldown",
    "insight.left_taken": "someone took it meanwhile",
    # /assign auto
    "insight.auto_title": "Assigned {assigned} of {total} customers",
    "insight.auto_none": "No pool customer matches: nothing to assign.",
    "insight.auto_member": "{member}: {count}",
    "insight.auto_line": "#{id} {customer} → {member}: {reason}",
    "insight.auto_more": "…and {count} more; every customer's history (/customer) keeps the reason.",
    "insight.auto_left": "{count} stay in the pool: {reason}",
    "insight.auto_bad_count": "The count is a number from 1 to {max}: /assign auto 20 region:East",
    "insight.notify_assigned": "{by} assigned you {count} customers:",
    "insight.notify_assigned_one": "{by} assigned you {customer}: {reason}",
    "insight.notify_line": "• {customer}: {reason}",
    "insight.notify_more": "…and {count} more: /mine",
    "insight.import_assigned": "{count} imported customers were assigned automatically",
    # /customer edits
    "insight.priority_set": "{customer} is now priority {priority} ({days} days without a touch).",
    "insight.priority_same": "{customer} is already priority {priority}.",
    "insight.bad_priority": "Priority is A, B or C (or 高/中/低): /customer {customer} priority:A",
    # /report
    "insight.report_bad_period": "Which period? /report week or /report month",
    "insight.report_title_week": "Team report {team}: the 7 days {first} to {last}",
    "insight.report_title_month": "Team report {team}: the 30 days {first} to {last}",
    "insight.report_head": "rep",
    "insight.col_held": "held",
    "insight.col_claimed": "claimed",
    "insight.col_assigned": "assigned",
    "insight.col_followed": "follow-ups",
    "insight.col_released": "released",
    "insight.col_recycled": "recycled",
    "insight.col_won": "won",
    "insight.col_median": "days to 1st follow-up",
    "insight.report_total": "team",
    "insight.report_none": "No reps and no activity in this period.",
    "insight.fair_none": "Fairness: no claims or assignments in this period.",
    "insight.fair_even": (
        "Fairness: claims and assignments were spread evenly over {reps} reps "
        "(variation {cv}; the busiest, {top}, got {share}%)."
    ),
    "insight.fair_uneven": (
        "Fairness: claims and assignments were spread unevenly over {reps} reps "
        "(variation {cv}; the busiest, {top}, got {share}%)."
    ),
    "insight.fair_skewed": (
        "Fairness: claims and assignments went mostly to a few of the {reps} reps "
        "(variation {cv}; the busiest, {top}, got {share}%)."
    ),
    "insight.fair_note": (
        "Variation is the standard deviation of claims + assignments per active rep divided by "
        "their mean: 0 is perfectly even; under 0.25 even, under 0.5 uneven, above skewed."
    ),
    "insight.chart_title": "Per rep, {first} to {last}",
    "insight.chart_unsaved": (
        "The chart could not be saved in {folder} (POOLBOT_FILES_DIR): {reason}; make the folder writable."
    ),
}

ZH: dict[str, str] = {
    "insight.field_region": "地区",
    "insight.field_industry": "行业",
    "insight.field_size": "规模",
    "insight.field_priority": "优先级",
    "insight.why_fallback": "没有匹配的规则：兜底组",
    "insight.why_round_robin": "轮流分配",
    "insight.why_least_loaded": "剩余容量最多",
    "insight.why_smart": "按赢单率加权",
    "insight.why_held": "持有 {held}/{cap}",
    "insight.why_win_rate": "{segment} 赢单率 {rate}%",
    "insight.why_win_rate_floor": "{segment} 赢单率 {rate}%，按保底 {floor}% 加权",
    "insight.why_no_history": "{segment} 暂无记录：按保底 {floor}% 加权",
    "insight.why_tie": "并列时随机决定",
    "insight.any_segment": "无行业和规模的客户",
    "insight.the_bot": "poolbot",
    "insight.left_no_rule": "没有匹配的规则，且公海没有兜底组",
    "insight.left_no_member": "所在组没有在职的销售",
    "insight.left_full": "所在组的人都已达上限或处于冷却期",
    "insight.left_taken": "期间已被他人认领",
    "insight.auto_title": "已分配 {assigned}/{total} 个客户",
    "insight.auto_none": "没有匹配的公海客户，无需分配。",
    "insight.auto_member": "{member}：{count}",
    "insight.auto_line": "#{id} {customer} → {member}：{reason}",
    "insight.auto_more": "……还有 {count} 个；每个客户的历史（/客户）都记录了原因。",
    "insight.auto_left": "{count} 个留在公海：{reason}",
    "insight.auto_bad_count": "数量是 1 到 {max} 之间的数字：/分配 auto 20 地区:华东",
    "insight.notify_assigned": "{by} 给你分配了 {count} 个客户：",
    "insight.notify_assigned_one": "{by} 给你分配了 {customer}：{reason}",
    "insight.notify_line": "• {customer}：{reason}",
    "insight.notify_more": "……还有 {count} 个：/我的客户",
    "insight.import_assigned": "{count} 个导入的客户已自动分配",
    "insight.priority_set": "{customer} 的优先级改为 {priority}（{days} 天未跟进即回公海）。",
    "insight.priority_same": "{customer} 的优先级已经是 {priority}。",
    "insight.bad_priority": "优先级是 A、B 或 C（或 高/中/低）：/客户 {customer} 优先级:高",
    "insight.report_bad_period": "哪个时段？/报表 week 或 /报表 month",
    "insight.report_title_week": "团队报表 {team}：{first} 至 {last} 的 7 天",
    "insight.report_title_month": "团队报表 {team}：{first} 至 {last} 的 30 天",
    "insight.report_head": "销售",
    "insight.col_held": "持有",
    "insight.col_claimed": "认领",
    "insight.col_assigned": "分配",
    "insight.col_followed": "跟进",
    "insight.col_released": "退回",
    "insight.col_recycled": "回收",
    "insight.col_won": "成交",
    "insight.col_median": "首次跟进天数",
    "insight.report_total": "团队",
    "insight.report_none": "这个时段没有销售，也没有动态。",
    "insight.fair_none": "公平性：这个时段没有认领或分配。",
    "insight.fair_even": (
        "公平性：认领和分配在 {reps} 名销售间分布均匀（变异系数 {cv}；最多的是 {top}，占 {share}%）。"
    ),
    "insight.fair_uneven": (
        "公平性：认领和分配在 {reps} 名销售间分布不均（变异系数 {cv}；最多的是 {top}，占 {share}%）。"
    ),
    "insight.fair_skewed": (
        "公平性：认领和分配集中在 {reps} 名销售中的少数人（变异系数 {cv}；最多的是 {top}，占 {share}%）。"
    ),
    "insight.fair_note": (
        "变异系数 = 每名在职销售的认领+分配数的标准差 ÷ 平均数：0 为完全均匀；"
        "低于 0.25 为均匀，低于 0.5 为不均，更高为集中。"
    ),
    "insight.chart_title": "每名销售，{first} 至 {last}",
    "insight.chart_unsaved": "图表未能保存到 {folder}（POOLBOT_FILES_DIR）：{reason}；请确认该目录可写。",
}

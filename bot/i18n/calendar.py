"""Text of the working-day calendar, working-day deadlines, extensions (延期) and the last-day
digest; en and zh-CN side by side."""

EN: dict[str, str] = {
    "calendar.company_holiday": "company holiday",
    "view.deadline_working": (
        "back to the pool on {day}: {days} working days after {basis_label} {basis} (priority {priority})"
    ),
    "view.deadline_without_deal_working": (
        "back to the pool on {day}: {days} working days after ownership began {basis}, without a deal"
    ),
    "view.deadline_skipped": " ({spans} not counted)",
    "view.deadline_span": "{name} {first}–{last}",
    "view.deadline_span_day": "{name} {first}",
    "view.deadline_extended": "; extended (it was {day})",
    "event.extended": "extended for {member} by {actor}",
    "event.extended_reason": "deadline {old} → {new}",
    "button.extend": "Extend",
    "button.reassign": "Reassign",
    "help.extend": (
        "/extend <customer> — push the recycle deadline back (owner; within the pool's quota, "
        "beyond it a manager decides)"
    ),
    "ok.extended": "{customer} now goes back to the pool on {day}.",
    "ok.extended_for": "{customer} ({owner}) now goes back to the pool on {day}; {owner} is told.",
    "ok.extension_requested": (
        "{customer}: {used} of {max} extensions used in this ownership; a manager has been asked "
        "(extension request {request})."
    ),
    "ok.extension_rejected": "Extension request {request} for {customer} rejected; {member} is told.",
    "error.extension_pending": (
        "{customer}: the {max} extensions are used and a manager has not decided your request yet."
    ),
    "error.extension_unknown": "There is no extension request {request} for that customer.",
    "error.extension_decided": "Extension request {request} was already {status} by {by}.",
    "error.extend_never_recycled": "{customer} is never recycled (won or locked): nothing to extend.",
    "error.no_assignee": "{customer}: the team has no other active rep to give it to.",
    "view.reassign_to": "Give #{id} {customer} to whom?",
    "view.reassign_hint": "or type /assign #{id} <member>",
    "notify.warning_managers_told": " Your managers have been told too.",
    "notify.extension_request": (
        "{member} asks to extend {customer} again ({used} extensions used; {days} more days each)."
    ),
    "notify.extension_approved": "Approved by {by}.",
    "notify.extension_rejected": "Rejected by {by}.",
    "notify.extension_cancelled": "Cancelled.",
    "notify.extended_by": "{by} extended {customer}: it now goes back to the pool on {day}.",
    "notify.extension_refused": "{by} did not extend {customer}.{reason}",
    "notify.last_day_title": "{count} customer(s) go back to the pool by {day}",
    "notify.last_day_line": "#{id} {customer} — {owner}",
    "notify.last_day_more": "and {count} more (each rep sees theirs in /mine)",
    "recycle.reason_touch_working": "no follow-up since {basis}: {days} working days for priority {priority}",
    "recycle.reason_without_deal_working": "owned since {basis} without a deal: {days} working days",
    "error.extension_stale": (
        "Extension request {request} no longer applies: {customer} changed hands since it was made."
    ),
}

ZH: dict[str, str] = {
    "calendar.company_holiday": "公司假日",
    "view.deadline_working": "{day} 退回公海：{basis_label} {basis} 后 {days} 个工作日（{priority} 类客户）",
    "view.deadline_without_deal_working": "{day} 退回公海：{basis} 起持有，{days} 个工作日未成交",
    "view.deadline_skipped": "（{spans} 不计）",
    "view.deadline_span": "{name} {first}–{last}",
    "view.deadline_span_day": "{name} {first}",
    "view.deadline_extended": "；已延期（原为 {day}）",
    "event.extended": "{actor} 为 {member} 延期",
    "event.extended_reason": "期限 {old} → {new}",
    "button.extend": "延期",
    "button.reassign": "改派",
    "help.extend": "/延期 <客户> — 推迟回收期限（负责人；超出公海规定的次数由经理审批）",
    "ok.extended": "{customer} 现在 {day} 退回公海。",
    "ok.extended_for": "{customer}（{owner}）现在 {day} 退回公海；已通知 {owner}。",
    "ok.extension_requested": (
        "{customer}：本次持有已延期 {used}/{max} 次；已请经理审批（延期申请 {request}）。"
    ),
    "ok.extension_rejected": "已拒绝 {customer} 的延期申请 {request}；已通知 {member}。",
    "error.extension_pending": "{customer}：{max} 次延期已用完，你的延期申请还在等经理审批。",
    "error.extension_unknown": "该客户没有延期申请 {request}。",
    "error.extension_decided": "延期申请 {request} 已被 {by} {status}。",
    "error.extend_never_recycled": "{customer} 不会回收（已成交或已锁定），无需延期。",
    "error.no_assignee": "{customer}：团队里没有其他在职销售可以分配。",
    "view.reassign_to": "把 #{id} {customer} 分配给谁？",
    "view.reassign_hint": "或输入 /assign #{id} <成员>",
    "notify.warning_managers_told": "经理也已收到通知。",
    "notify.extension_request": "{member} 申请再次延期 {customer}（已延期 {used} 次；每次 {days} 天）。",
    "notify.extension_approved": "{by} 已批准。",
    "notify.extension_rejected": "{by} 已拒绝。",
    "notify.extension_cancelled": "已取消。",
    "notify.extended_by": "{by} 为 {customer} 延期：现在 {day} 退回公海。",
    "notify.extension_refused": "{by} 未批准 {customer} 的延期。{reason}",
    "notify.last_day_title": "{count} 个客户将在 {day} 前退回公海",
    "notify.last_day_line": "#{id} {customer} — {owner}",
    "notify.last_day_more": "还有 {count} 个（各销售可在 /mine 查看）",
    "recycle.reason_touch_working": "{basis} 起未跟进：{priority} 类客户 {days} 个工作日",
    "recycle.reason_without_deal_working": "{basis} 起持有未成交：{days} 个工作日",
    "error.extension_stale": "延期申请 {request} 已失效：{customer} 此后已换了负责人，申请不再适用。",
}

"""Text of the handover (离职交接) and of caps per person; en and zh-CN side by side."""

EN: dict[str, str] = {
    "help.handover": (
        "/handover <member> [auto|pool|<member>] [confirm] — hand a departing member's book over: "
        "by each pool's strategy, back to the pool, or to one rep (managers)"
    ),
    "handover.the_pool": "the pool",
    "handover.the_admin": "an admin",
    "handover.button_auto": "Hand over (auto)",
    "handover.button_pool": "Back to the pool",
    "handover.button_confirm": "Confirm handover",
    "handover.how": (
        "Preview a handover: /handover {handle} auto · /handover {handle} pool · /handover {handle} <rep>"
    ),
    "handover.preview_title": "Handover of {member}'s book: {count} customers",
    "handover.preview_pending": "{count} pending claim requests will be cancelled: {requests}",
    "handover.preview_twin": "Nothing changes until you confirm; or type {command}",
    "handover.mode_auto": (
        "Each customer goes to a rep picked by its pool's assignment strategy, within everyone's cap; "
        "what fits nowhere stays with {member}."
    ),
    "handover.mode_pool": "Every customer goes back to its pool; no cooldown for anyone.",
    "handover.mode_member": (
        "Every customer goes to {to} while {to} has room under the cap; the rest stays with {member}."
    ),
    "handover.report_title": "Handed over {member}'s book: {moved} of {total} customers moved",
    "handover.report_moved": "#{id} {customer} → {to}{reason}",
    "handover.report_stayed": "{count} stay with {member}:",
    "handover.report_stay": "#{id} {customer}: {reason}",
    "handover.report_more": "…and {count} more: each customer's history says where it went.",
    "handover.report_cancelled": "{count} pending claim requests cancelled; each rep was told.",
    "handover.left_full": "{member} holds {held} of {cap} in {pool}",
    "handover.left_changed": "released or recycled while the handover ran",
    "handover.request_cancelled": "cancelled: {member}'s book was handed over",
    "handover.notify_received": "{by} handed over {count} of {member}'s customers to you:",
    "handover.notify_more": "…and {count} more: /mine",
    "handover.due_title": "{member} is inactive now and still owns {count} customers",
    "handover.due_pending": "{count} pending claim requests wait for a decision.",
    "notify.taken_handed_over": "{by} handed over your {count} customers: {to}.",
    "event.handed_over": "handed over from {from_member} to {member} by {actor}",
    "event.handed_over_pool": "handed over from {from_member} to the pool by {actor}",
}

ZH: dict[str, str] = {
    "help.handover": (
        "/交接 <成员> [auto|pool|<成员>] [确认] — "
        "离职交接：按各公海的分配策略、退回公海或全部交给一位销售（经理）"
    ),
    "handover.the_pool": "公海",
    "handover.the_admin": "管理员",
    "handover.button_auto": "交接（自动分配）",
    "handover.button_pool": "退回公海",
    "handover.button_confirm": "确认交接",
    "handover.how": "预览交接：/交接 {handle} auto · /交接 {handle} pool · /交接 {handle} <销售>",
    "handover.preview_title": "{member} 的客户交接：共 {count} 个客户",
    "handover.preview_pending": "{count} 个待审批的认领申请将被取消：{requests}",
    "handover.preview_twin": "确认前不会有任何改动；也可输入 {command}",
    "handover.mode_auto": (
        "每个客户按所在公海的分配策略交给一位销售，不超过各人上限；无处可放的仍留在 {member} 名下。"
    ),
    "handover.mode_pool": "所有客户退回各自的公海，任何人都没有冷却期。",
    "handover.mode_member": "客户交给 {to}，直到 {to} 达到持有上限；其余仍留在 {member} 名下。",
    "handover.report_title": "已交接 {member} 的客户：{total} 个中移交了 {moved} 个",
    "handover.report_moved": "#{id} {customer} → {to}{reason}",
    "handover.report_stayed": "{count} 个仍留在 {member} 名下：",
    "handover.report_stay": "#{id} {customer}：{reason}",
    "handover.report_more": "……另有 {count} 个：每个客户的归属历史都记录了去向。",
    "handover.report_cancelled": "已取消 {count} 个待审批的认领申请，并已通知申请人。",
    "handover.left_full": "{member} 在 {pool} 已持有 {held}/{cap}",
    "handover.left_changed": "交接期间已被退回或回收",
    "handover.request_cancelled": "已取消：{member} 的客户已交接",
    "handover.notify_received": "{by} 把 {member} 的 {count} 个客户交接给了你：",
    "handover.notify_more": "……另有 {count} 个：/我的客户",
    "handover.due_title": "{member} 已停用，名下仍有 {count} 个客户",
    "handover.due_pending": "{count} 个认领申请仍待审批。",
    "notify.taken_handed_over": "{by} 交接了你的 {count} 个客户：{to}。",
    "event.handed_over": "{actor} 将其从 {from_member} 交接给 {member}",
    "event.handed_over_pool": "{actor} 将其从 {from_member} 交接回公海",
}

"""Text of registration (报备), the duplicate check (查重), /duplicates and /merge; en and zh-CN
side by side."""

EN: dict[str, str] = {
    "help.new": (
        "/new <name> [phone:… contact:… email:… credit:… industry:… region:… size:… priority:… pool:…]"
        " — register a customer you found, after the duplicate check"
    ),
    "help.duplicates": "/duplicates [page:N] — suspected duplicates · /merge #a #b — merge #b into #a",
    "reg.bad_name": "“{name}” is not a name I can check: give the customer's name.",
    "reg.too_long": "The {field} is too long (at most {limit} characters); nothing was registered.",
    "reg.bad_priority": "Priority {priority} is not one of A, B, C.",
    "reg.bad_credit": (
        "{code} is not a valid unified social credit code (18 characters, the last a check character)."
    ),
    "reg.bad_email": "{email} is not an e-mail address.",
    "reg.bad_phone": "{phone} holds no phone number.",
    "reg.no_pool": "Your team has no pool to register customers in. Ask an admin.",
    "reg.unknown_pool": "Your team has no pool {pool}. Pools: {pools}.",
    "reg.daily_limit": "You registered {count} customers today; the pool's limit is {limit}. Try tomorrow.",
    "reg.new": (
        "#{id} {customer} is registered to you ({held} of {cap} held). "
        "It goes back to the pool on {deadline} unless you follow up."
    ),
    "reg.new_no_deadline": "#{id} {customer} is registered to you ({held} of {cap} held).",
    "reg.in_pool": "#{id} {customer} is in the pool ({why}): claim it instead. Nothing was registered.",
    "reg.yours": "#{id} {customer} is already yours ({why}).",
    "reg.colleague": (
        "{customer} was already registered by a colleague on {since} ({why}). Nothing was registered."
    ),
    "reg.colleague_shown": " Owner: {owner}; phone {phone}; contact {contact}.",
    "reg.requested_by_colleague": (
        "{customer} is waiting for a manager's decision on a colleague's request ({why}). "
        "Nothing was registered."
    ),
    "reg.probable": (
        "“{customer}” is probably a customer we already have. Is it one of these? "
        "Or register it anyway: a manager decides."
    ),
    "reg.choice_candidate": "#{id} {customer} ({why})",
    "reg.choice_anyway": "Register anyway (a manager decides)",
    "reg.requested": (
        "Registration request #{request}: “{customer}” looks like #{id} {name}, so a manager decides. "
        "It counts as held meanwhile."
    ),
    "reg.why_credit": "same credit code",
    "reg.why_name": "same name",
    "reg.why_phone": "same phone",
    "reg.why_email": "same e-mail",
    "reg.why_similar": "similar name, {score}%",
    "reg.card_title": "Registration request #{request} (duplicate?)",
    "reg.card_body": (
        "{member} registers “{customer}”, which is probably a customer we have. "
        "Approve: a new customer, theirs. Reject: nothing is created."
    ),
    "reg.card_field": "Field",
    "reg.card_proposed": "registered",
    "reg.card_existing": "#{id} on file",
    "reg.field_name": "Name",
    "reg.field_phone": "Phone",
    "reg.field_contact": "Contact",
    "reg.field_email": "E-mail",
    "reg.field_credit": "Credit code",
    "reg.field_industry": "Industry",
    "reg.field_region": "Region",
    "reg.field_size": "Size",
    "reg.notify_approved": "Your registration of {customer} was approved by {by}: #{id} is yours.",
    "reg.notify_rejected": "Your registration of {customer} was rejected by {by}.{reason}",
    "reg.approve_taken": (
        "Request #{request} cannot be approved: #{id} {customer} was registered meanwhile. Reject it."
    ),
    "reg.merged_into": "#{id} {name} was merged into #{into}: use #{into}.",
    "reg.merge_itself": "#{id} cannot be merged into itself.",
    "reg.merge_pending": "#{first} or #{second} has a request waiting for a decision: decide it first.",
    "reg.merge_two_credits": "#{first} and #{second} have different credit codes: they are two companies.",
    "reg.merged": "#{id} {customer} is merged into #{into} {into_name}: one customer, both histories.",
    "reg.notify_merged_kept": (
        "{by} merged your customer #{id} {customer} into #{into_id} {into}; "
        "it is still yours, with its history."
    ),
    "reg.notify_merged_lost": (
        "{by} merged your customer #{id} {customer} into #{into_id} {into}, which another rep owns."
    ),
    "reg.no_duplicates": "No suspected duplicates in your team.",
    "reg.duplicates_title": "{total}{more} suspected duplicates",
    "reg.pair": "#{a} {a_name} ↔ #{b} {b_name} — {why}",
    "reg.merge_confirm": "Merge #{b} into #{a}? #{b} goes; its follow-ups and history move to #{a}.",
    "reg.button_merge": "Merge",
    "reg.duplicates_page": "Page {page} of {pages} · /duplicates page:N · /merge #a #b",
    "event.registered": "registered by {member}",
    "event.register_requested": "{member} registered a customer that may be this one",
    "event.register_rejected": "a registration by {member} that may be this one, rejected by {actor}",
    "event.merged": "another record merged into it by {actor}",
}

ZH: dict[str, str] = {
    "help.new": (
        "/报备 <客户名> [phone:… contact:… email:… credit:… industry:… region:… size:… priority:… pool:…]"
        " — 报备自己找到的客户（先查重）"
    ),
    "help.duplicates": "/查重 [page:N] — 疑似重复客户 · /合并 #a #b — 把 #b 合并到 #a",
    "reg.bad_name": "“{name}”不是可以查重的客户名称，请写客户名称。",
    "reg.too_long": "{field} 太长（最多 {limit} 个字符），未报备。",
    "reg.bad_priority": "优先级 {priority} 不是 A、B、C 之一。",
    "reg.bad_credit": "{code} 不是有效的统一社会信用代码（18 位，最后一位为校验码）。",
    "reg.bad_email": "{email} 不是邮箱地址。",
    "reg.bad_phone": "{phone} 中没有电话号码。",
    "reg.no_pool": "你的团队没有可报备的公海，请联系管理员。",
    "reg.unknown_pool": "你的团队没有公海 {pool}。公海：{pools}。",
    "reg.daily_limit": "你今天已报备 {count} 个客户，本公海每日上限 {limit} 个，请明天再试。",
    "reg.new": "#{id} {customer} 已报备给你（持有 {held}/{cap}）。若不跟进，将于 {deadline} 回到公海。",
    "reg.new_no_deadline": "#{id} {customer} 已报备给你（持有 {held}/{cap}）。",
    "reg.in_pool": "#{id} {customer} 在公海中（{why}）：请直接认领。未报备。",
    "reg.yours": "#{id} {customer} 已经是你的客户（{why}）。",
    "reg.colleague": "{customer} 已于 {since} 被同事报备（{why}）。未报备。",
    "reg.colleague_shown": " 负责人：{owner}；电话 {phone}；联系人 {contact}。",
    "reg.requested_by_colleague": "{customer} 有同事的申请正在等待经理审批（{why}）。未报备。",
    "reg.probable": "“{customer}”可能是已有客户（撞单）。是下面哪一个？或仍然报备：由经理审批。",
    "reg.choice_candidate": "#{id} {customer}（{why}）",
    "reg.choice_anyway": "仍然报备（经理审批）",
    "reg.requested": (
        "报备申请 #{request}：“{customer}”与 #{id} {name} 相似，由经理审批。审批期间计入持有数。"
    ),
    "reg.why_credit": "信用代码相同",
    "reg.why_name": "名称相同",
    "reg.why_phone": "电话相同",
    "reg.why_email": "邮箱相同",
    "reg.why_similar": "名称相似 {score}%",
    "reg.card_title": "报备申请 #{request}（撞单）",
    "reg.card_body": "{member} 报备“{customer}”，可能是已有客户。批准：作为新客户归其所有；拒绝：不创建。",
    "reg.card_field": "字段",
    "reg.card_proposed": "报备",
    "reg.card_existing": "已有 #{id}",
    "reg.field_name": "名称",
    "reg.field_phone": "电话",
    "reg.field_contact": "联系人",
    "reg.field_email": "邮箱",
    "reg.field_credit": "信用代码",
    "reg.field_industry": "行业",
    "reg.field_region": "地区",
    "reg.field_size": "规模",
    "reg.notify_approved": "你报备的 {customer} 已由 {by} 批准：#{id} 归你所有。",
    "reg.notify_rejected": "你报备的 {customer} 被 {by} 拒绝。{reason}",
    "reg.approve_taken": "申请 #{request} 无法批准：#{id} {customer} 已在此期间被报备。请拒绝。",
    "reg.merged_into": "#{id} {name} 已合并到 #{into}：请使用 #{into}。",
    "reg.merge_itself": "#{id} 不能与自己合并。",
    "reg.merge_pending": "#{first} 或 #{second} 有待审批的申请：请先审批。",
    "reg.merge_two_credits": "#{first} 与 #{second} 的信用代码不同：是两家公司。",
    "reg.merged": "#{id} {customer} 已合并到 #{into} {into_name}：保留一个客户和两者的全部记录。",
    "reg.notify_merged_kept": (
        "{by} 把你的客户 #{id} {customer} 合并到 #{into_id} {into}；仍归你所有，记录都在。"
    ),
    "reg.notify_merged_lost": "{by} 把你的客户 #{id} {customer} 合并到 #{into_id} {into}，该客户归其他销售。",
    "reg.no_duplicates": "团队中没有疑似重复的客户。",
    "reg.duplicates_title": "疑似重复：{total}{more} 组",
    "reg.pair": "#{a} {a_name} ↔ #{b} {b_name} — {why}",
    "reg.merge_confirm": "把 #{b} 合并到 #{a}？#{b} 将消失，其跟进和记录移到 #{a}。",
    "reg.button_merge": "合并",
    "reg.duplicates_page": "第 {page}/{pages} 页 · /查重 page:N · /合并 #a #b",
    "event.registered": "{member} 报备",
    "event.register_requested": "{member} 报备了一个可能相同的客户",
    "event.register_rejected": "{member} 报备的相似客户被 {actor} 拒绝",
    "event.merged": "{actor} 把另一条记录合并进来",
}

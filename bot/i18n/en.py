"""English catalogue."""

MESSAGES: dict[str, str] = {
    # errors and refusals
    "error.member_unknown": "I don't know {who}. Ask an admin to add you to the team config.",
    "error.member_inactive": "{member} is inactive and cannot receive customers.",
    "error.member_inactive_self": "Your account ({member}) is inactive. Ask an admin.",
    "error.customer_missing": "Which customer? Give a name or #id.",
    "error.customer_unknown": "No customer matches “{query}”. Try /pool {query}.",
    "error.ambiguous": "{count} customers match “{query}”. Which one?",
    "error.ambiguous_more": (
        "{count} customers match “{query}”; the {shown} closest are below. Which one? "
        "Or add a word to narrow it down."
    ),
    "error.guess_one": "No customer is called “{query}”. Did you mean #{id} {name}? Reply 1.",
    "error.guess": "No customer is called “{query}”. Did you mean one of these? Reply with its number.",
    "error.control_character": (
        "The message holds a control character (code {code}) that cannot be stored; nothing was changed."
    ),
    "error.request_cancelled_inactive": "{member} is inactive now: claim request #{request} is cancelled.",
    "error.teammate_unknown": "Your team has no member {who}.",
    "error.page_beyond": "There is no page {page}: the last is {pages}.",
    "error.reps_only": "Only reps can /{command}. Managers use /assign.",
    "error.managers_only": "Only managers can /{command}.",
    "error.already_yours": "{customer} is already yours.",
    "error.owned_by_other": "{customer} belongs to {owner}.",
    "error.already_requested": "You already asked for {customer}; a manager will decide.",
    "error.pending_for_other": "Someone else's claim on {customer} is waiting for a manager.",
    "error.just_taken": "{customer} was just taken by someone else.",
    "error.changed_meanwhile": "{customer} changed while you were at it. Look again: /customer {customer}",
    "error.request_unknown": "No claim request #{request}.",
    "error.request_expired": "Request #{request} expired: no manager decided in time.",
    "error.already_decided": "Request #{request} was already {status} by {by}.",
    "error.request_stale": "Request #{request} no longer matches the customer; nothing was changed.",
    "what.message": "message",
    "what.reason": "reason",
    "what.note": "note",
    "error.too_long": "The {what} is too long ({length} characters, at most {limit}).",
    "error.in_pool": "{customer} is in the pool, not owned by anyone.",
    "error.not_owner": "{customer} belongs to {owner}, not to you.",
    "error.followup_not_owner": "Only the owner can record a follow-up on {customer}.",
    "error.note_required": "Write what happened: /followup <customer> <note> [next:<date>] [kind:<kind>]",
    "error.bad_kind": "Unknown kind “{kind}”. Use one of: {kinds}.",
    "error.next_in_past": "The next date {date} is in the past (today is {today}).",
    "error.next_too_far": "The next date {date} is more than {days} days away; plan nearer.",
    "error.assign_reps_only": "{member}'s role is {role}: only reps own customers.",
    "error.bad_date": (
        "I can't read “{text}” as a day from today on. Try next:2026-12-01, next:tomorrow or next:明天."
    ),
    "error.already_owner": "{customer} already belongs to {member}.",
    "error.pending_decide_first": "{customer} has a pending claim (#{request}): approve or reject it first.",
    "error.same_member": "Both sides are {member}.",
    "error.empty_book": "{member} owns no customers.",
    "error.lock_needs_owner": "{customer} is in the pool; only owned customers can be locked.",
    "error.already_locked": "{customer} is already locked.",
    "error.not_locked": "{customer} is not locked.",
    "error.already_won": "{customer} is already won.",
    "error.usage": "Usage: {usage}",
    "error.unknown_command": "I don't know “{command}”.",
    "error.bad_page": "Pages are numbers from 1 to {max}: page:2",
    "error.bad_option": "Unknown option “{option}”.",
    "error.internal": "Something went wrong on our side; nothing was changed. Reference: {ref}",
    # rules
    "rule.max_held": "You hold {held} of {cap} customers (pending requests count): release one first.",
    "rule.max_held_other": "{member} holds {held} of {cap} customers: no room for another.",
    "rule.transfer_cap": "{member} holds {held} of {cap} in {pool}; {incoming} more would exceed the cap.",
    "rule.daily_limit": "You have claimed {count} of {limit} customers today: try again tomorrow.",
    "rule.cooldown": (
        "You gave {customer} back on {since}; the {days}-day cooldown lets you claim it again on {available}."
    ),
    # successes
    "ok.claimed": (
        "{customer} is yours ({held} of {cap} held). Back to the pool on {deadline} without a touch."
    ),
    "ok.claimed_no_deadline": "{customer} is yours ({held} of {cap} held).",
    "ok.requested": "Claim request #{request} for {customer} sent to the managers.",
    "ok.approved": "Approved #{request}: {customer} now belongs to {member}.",
    "ok.rejected": "Rejected #{request}: {customer} stays in the pool.",
    "ok.released": "{customer} is back in the pool.",
    "ok.assigned": "{customer} now belongs to {member}.",
    "ok.transferred": "Moved {count} customers from {from_name} to {to_name}.",
    "ok.locked": "{customer} is locked: it will not be recycled.",
    "ok.unlocked": "{customer} is unlocked: the recycle rules apply again.",
    "ok.won": "Congratulations! {customer} is won and will stay yours.",
    "ok.followup": "Follow-up recorded on {customer}.",
    "ok.followup_next": "Follow-up recorded on {customer}; next on {next}.",
    "ok.as": "You are now {name} ({handle}, {role}).",
    # views
    "view.deadline": (
        "back to the pool on {day}: {basis_label} {basis}, rule {days} days for priority {priority}"
    ),
    "view.deadline_without_deal": (
        "back to the pool on {day}: owned since {basis}, rule {days} days without a deal"
    ),
    "view.basis_touch": "last touch",
    "view.never_recycled_won": "won: never recycled",
    "view.never_recycled_locked": "locked: never recycled",
    "view.pool_title": "Pool: {total} customers (page {page} of {pages})",
    "view.pool_title_many": "Pool: more than {total} customers (page {page})",
    "view.pool_empty": "No pool customer matches.",
    "view.pool_more": "More: /pool {query} page:{next}",
    "view.pending": "pending",
    "view.hidden": "hidden until claimed",
    "view.mine_title": "Your customers ({count})",
    "view.mine_page": "Customers {first}–{last} of {total} (page {page} of {pages}): /mine page:N",
    "view.mine_empty": "You own no customers yet. Browse the pool: /pool",
    "view.mine_row": "{days_since} days since last touch · next follow-up {next}",
    "view.days_left": "in {days} days",
    "view.none": "none",
    "view.customer_title": "{name} (#{id})",
    "view.owner": "Owner",
    "view.pool": "Pool",
    "view.contact": "Contact",
    "view.phone": "Phone",
    "view.email": "Email",
    "view.industry": "Industry",
    "view.region": "Region",
    "view.size": "Size",
    "view.priority": "Priority",
    "view.stage": "Stage",
    "view.tags": "Tags",
    "view.next_follow_up": "Next follow-up",
    "view.in_pool": "in the pool",
    "view.pending_request": "Claim request #{request} waits for a manager.",
    "view.timeline": "Follow-ups",
    "view.history": "Ownership history",
    "view.no_follow_ups": "No follow-ups yet.",
    "view.followup_line": "{at} {member} · {kind}: {note}",
    "view.event_line": "{at} {text}",
    "view.choices_hint": "Reply with the number, or use the #id.",
    "view.request_title": "Claim request #{request}",
    "view.request_body": "{member} asks for {customer}. Reason: {reason}",
    "view.request_holdings": "{member} holds {held} customers.",
    "view.request_expired": "Expired: no manager decided in time.",
    "view.request_decided": "This request was {status} by {by} at {when}.",
    # events
    "event.imported": "imported into the pool",
    "event.claim_requested": "{member} asked to claim it",
    "event.claimed": "claimed by {member}",
    "event.approved": "claim by {member} approved by {actor}",
    "event.rejected": "claim by {member} rejected by {actor}",
    "event.released": "released by {member}",
    "event.recycled": "recycled from {member} ({rule})",
    "event.assigned": "assigned to {member} by {actor}",
    "event.transferred": "transferred from {from_member} to {member} by {actor}",
    "event.won": "won by {member}",
    "event.locked": "locked by {actor}",
    "event.unlocked": "unlocked by {actor}",
    "event.expired": "claim by {member} expired: no manager decided in time",
    "event.reason": " — “{reason}”",
    # statuses
    "role.rep": "rep",
    "role.manager": "manager",
    "role.admin": "admin",
    "status.approved": "approved",
    "status.rejected": "rejected",
    "status.pending": "pending",
    "status.expired": "expired",
    # buttons
    "button.claim": "Claim",
    "button.approve": "Approve",
    "button.reject": "Reject",
    "button.release": "Release",
    "confirm.release": "Give {customer} back to the pool? Anyone on the team may claim it then.",
    "button.followup": "Record follow-up",
    "button.open": "Open",
    "button.next_page": "Next page",
    "button.previous_page": "Previous page",
    # notifications
    "notify.claim_request": "Claim request #{request}: {member} asks for {customer}.",
    "notify.claim_approved": "Your claim on {customer} was approved by {by}. It is yours.",
    "notify.claim_rejected": "Your claim on {customer} was rejected by {by}.{reason}",
    "notify.assigned": "{by} assigned {customer} to you.",
    "notify.transferred": "{by} moved {count} customers from {from_name} to you.",
    "notify.member_moved": "{member} moved to team {team} and still owns {count} of this team's customers",
    "notify.member_moved_more": " and {count} more",
    "notify.member_moved_how": "Hand them over: /transfer {handle} <rep>, or /assign #id <rep> one by one.",
    "notify.move_cancelled": "moved to team {team}: the request is cancelled",
    "notify.taken_released": (
        "{by} gave {customer} back to the pool{reason}. No cooldown for you: you may claim it again."
    ),
    "notify.taken_assigned": "{by} gave {customer} to {to}; it is no longer in your book.",
    "notify.taken_transferred": "{by} moved your {count} customers to {to}.",
    "event.won_reset": "it was won: back to stage new",
    "notify.recycled_title": "{count} of your customers went back to the pool on {day}:",
    "notify.recycled_line": "• {customer} ({priority}): {reason}",
    "notify.recycled_more": "…and {count} more.",
    "notify.recycled_none": "Nothing went back to the pool on {day}.",
    "notify.recycle_digest_title": "Recycle digest {day}: {count} customers went back to the pool",
    "notify.recycle_digest_owner": "From {member} ({count}):",
    "notify.warning_early": (
        "{customer} goes back to the pool in {days} days, on {day}, unless you record a follow-up."
    ),
    "notify.warning_last": (
        "Last day: {customer} goes back to the pool tomorrow ({day}) unless you record a follow-up today."
    ),
    # recycle reasons (kept in the ownership history)
    "recycle.reason_touch": "no follow-up since {basis}: {days} days for priority {priority}",
    "recycle.reason_without_deal": "owned since {basis} without a deal: {days} days",
    # help
    "help.title": "poolbot commands",
    "help.pool": "/pool [words] [industry:… region:… size:… priority:…] [page:N] — search the pool",
    "help.claim": "/claim <customer> [reason] — claim a pool customer",
    "help.mine": "/mine — your customers, most urgent first",
    "help.followup": "/followup <customer> <note> [next:<date>] [kind:<kind>] — record a follow-up",
    "help.release": "/release <customer> [reason] [pool:<pool>] — give a customer back to the pool",
    "help.customer": (
        "/customer <customer> [priority:A|B|C] — details, follow-ups and ownership history "
        "(managers: set the priority)"
    ),
    "help.approve": "/approve <request> · /reject <request> [reason] — decide a claim (managers)",
    "help.assign": (
        "/assign <customer> <member> · /assign auto [count] [region:… industry:… size:… priority:… pool:…] "
        "· /transfer <member> <member> — move ownership (managers)"
    ),
    "help.lock": "/lock <customer> · /unlock <customer> (managers) · /won <customer> — exempt from recycle",
    "help.report": "/report [week|month] — team figures per rep, fairness and a chart (managers)",
    "help.help": '/help — this list. Names with spaces go in quotes: /claim "Acme Corp"',
    "help.console": "/as <handle> — act as another member (console only)",
    # morning reminder, manager digest, request expiry
    "notify.reminder_title": (
        "Your day, {day}: {due} follow-ups due, {soon} customers going back to the pool soon."
    ),
    "notify.reminder_soon": "Going back to the pool soon: record a follow-up to keep them",
    "notify.reminder_soon_line": "{customer} ({priority}) goes back to the pool on {day}, in {days} days.",
    "notify.reminder_soon_today": "{customer} ({priority}) goes back to the pool today.",
    "notify.reminder_soon_tomorrow": "{customer} ({priority}) goes back to the pool tomorrow ({day}).",
    "notify.reminder_planned": " Follow-up planned for {day}.",
    "notify.reminder_due": "Follow-ups due",
    "notify.reminder_due_today": "{customer} ({priority}): follow-up planned for today.",
    "notify.reminder_overdue": "{customer} ({priority}): follow-up planned for {day}, {days} days overdue.",
    "notify.reminder_overdue_one": "{customer} ({priority}): follow-up planned for yesterday ({day}).",
    "notify.reminder_more": "…and {count} more: /mine",
    "notify.digest_title": "Team activity on {day}",
    "notify.digest_title_days": "Team activity {first} to {last}",
    "notify.digest_line": (
        "• {member}: {claims} claimed · {follow_ups} follow-ups · {releases} released · {recycles} recycled"
    ),
    "notify.digest_totals": (
        "Team: {claims} claimed · {follow_ups} follow-ups · {releases} released · {recycles} recycled"
    ),
    "notify.digest_more": "…and {count} more reps with activity.",
    "notify.digest_idle": "No activity: {names}",
    "notify.request_expired": (
        "Your claim request #{request} for {customer} expired: "
        "no manager decided within {hours} hours. {customer} is back in the pool."
    ),
    # ---- registration (报备), the duplicate check (查重), /duplicates and /merge -----------------
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
    # ---- issue 13b: a manager's inbox (/requests) and releases that say where and why ----
    "release.pick_reason": "Why does {customer} go back to the pool? Pool {pool} asks for a reason:",
    "release.reason_number": "Pool {pool} has {count} release reasons, not {number}. Pick one:",
    "release.reason_near": "“{text}” is not a release reason of pool {pool}. Did you mean:",
    "release.reason_unknown": "“{text}” is not a release reason of pool {pool}. Pick one for {customer}:",
    "release.pool_unknown": "Your team has no pool called “{pool}”; it may go to: {allowed}.",
    "release.pool_not_allowed": "Pool {from_pool} does not release to {pool}; it may go to: {allowed}.",
    "release.pool_only_own": "Pool {from_pool} releases only to itself, not to {pool}.",
    "release.moved": "{customer} is back in the pool, now in pool {pool}.",
    "release.with_reason": " Reason: {reason}.",
    "event.released_to": " → pool {pool}",
    "release.form_title": "Release",
    "release.form_submit": "Release",
    "release.form_question": "Give {customer} back to pool {pool}? Anyone on the team may claim it then.",
    "release.form_reason": "Reason",
    "release.form_pick": "Pick a reason",
    "release.form_pool": "Pool",
    "release.form_own_pool": "{pool} (its own)",
    "help.requests": "/requests [page:N] — everything waiting for your decision, oldest first",
    "requests.title": "{total} waiting for your decision, oldest first (page {page} of {pages})",
    "requests.registration": (
        "#{request} {member} registers “{proposed}” in {pool}, which may be #{id} {customer} (撞单)."
    ),
    "requests.none": "Nothing is waiting for your decision.",
    "requests.claim": "#{request} {member} asks to claim {customer} ({pool}). Reason: {reason}",
    "requests.claim_facts": "asked {when} · {member} holds {held} of {cap} in {pool}",
    "requests.page_beyond": "There are {pages} pages of requests; page {page} is past the last.",
    "requests.today": "Team {team} today",
    "notify.reminder_requests": "Waiting for your decision ({count}):",
    "notify.reminder_requests_more": "…and {count} more: /requests",
    "notify.reminder_requests_title": "{day}: {count} requests wait for your decision",
    "insight.release_reasons": "Releases by reason: {reasons}",
    "insight.release_no_reason": "no reason given",
    # ---- issue 14: working-day calendar, working-day deadlines, extensions, last-day digest ----
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

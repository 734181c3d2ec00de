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
    "help.release": "/release <customer> [reason] — give a customer back to the pool",
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
    # ---- issue 15: pictures, /forecast, quiet hours, follow-ups from messages ----
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
    "button.extend": "Extend",
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

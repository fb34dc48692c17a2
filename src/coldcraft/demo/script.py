"""What the demo says to the API: the brief, the chat turns, the follow-up template."""

from __future__ import annotations

from typing import Any

CAMPAIGN_NAME = "coldcraft demo"
ACCOUNT_EMAIL = "demo@coldcraft.local"

WORKSPACE_CONTEXT: dict[str, Any] = {
    "company": "Relay Ops",
    "product": "Relay, an operations inbox that routes requests between tools without glue code",
    "value_props": [
        "replaces Zapier glue and spreadsheet hand-offs",
        "teams reclaim about 6 hours a week per ops lead",
        "live in a week, no engineering time",
    ],
    "icp": "heads of operations at B2B SaaS companies with 50 to 500 employees",
    "tone": "plain, specific, friendly; no hype",
    "proof": "40+ SaaS teams, including Brightpath and Quillstack",
}

SENDER: dict[str, Any] = {
    "type": "email",
    "first_name": "Sid",
    "last_name": "Patel",
    "email_address": "sid@relayops.example",
    "display_name": "Sid Patel",
}
SIGNATURE = "Sid Patel\nRelay Ops"

AI_PURPOSE = "First touch: open a conversation about replacing ops glue work"
FOLLOW_UP_DELAY_DAYS = 3
FOLLOW_UP_SUBJECT = "Re: %company|your team%'s ops hand-offs"
FOLLOW_UP_BODY = (
    "Hi %first_name|there%,\n\n"
    "Circling back on my note from last week. If hand-offs between tools still eat time at "
    "%company|your company%, I can show you how other %position|ops leaders% cut that work "
    "in a 15-minute call.\n\n"
    "Would next Tuesday suit you?\n\n"
    "%sender_first%"
)

CHAT_TURNS = (
    "Write a first email for ops leaders at SaaS companies about replacing the Zapier glue "
    "and spreadsheet hand-offs between their tools with Relay.",
    "Make it shorter.",
    "Change the CTA to a question.",
)
EXAMPLE_LEADS = 5
DRAFTS_SHOWN = 5

"""Prompts: a walk from a brief to a launched campaign."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

WALKTHROUGH = """\
Build and launch a coldcraft cold-email campaign from this brief:

{brief}

Work through coldcraft's tools in this order, reading each answer's counts and `next_step`:
1. create_campaign (type "email", a name, the sender_account_ids if you know them).
2. add_sequence_step with type "ai" and a `purpose` taken from the brief; add a `delay` and
   a templated follow-up (`email` with %first_name% merge fields) if the brief wants one.
3. add_prospects with the leads you were given.
4. chat_framework on the AI step: describe the offer, audience and tone from the brief.
   Repeat until the answer has a skeleton. Check it with lint_skeleton; read
   coldcraft://judge/rules for what the judge enforces.
5. Optional: generate_examples, then wait_for_run, to see a few sample emails.
6. resolve_drafts, then generate_drafts for the AI step, then wait_for_run until finished.
   Each spending tool reports its quote: stop and ask if the cost is not what you expect.
7. review_summary; list_drafts with filter {{"flagged": true}} to see what needs attention;
   edit_draft, regenerate_drafts (with an instruction), approve_drafts or reject_drafts.
8. launch_campaign WITHOUT confirm: read what the gate says and what would happen.
   Fix any problem it lists. Then ask the user. Only with their explicit go-ahead call
   launch_campaign with confirm: true.
9. export_drafts if the user wants the messages as CSV.
"""


def register(server: MCPServer[Any]) -> None:
    @server.prompt(
        name="campaign_from_brief",
        description="Walk an agent through a campaign from a brief to a confirmed launch.",
    )
    def campaign_from_brief(brief: str) -> str:
        return WALKTHROUGH.format(brief=brief.strip())

"""Launching a campaign: every launch precondition in one place, then draft -> active.

The checks, in the order their problems are reported (every check runs, and all problems
come back together in one 400 `Campaign cannot launch: ...`):

1. the campaign has at least one prospect;
2. the sequence has something to send and every sendable node has its content
   (a LinkedIn connection request may go without a note), and every merge field of the
   template steps resolves (built in, or a custom field some prospect has);
3. an email campaign has a sender;
4. the outbox (`message_service.launch_problems`): every AI node has a skeleton and every
   prospect a usable message for every sendable and AI node (launch resolves first);
5. the review (`review_service.launch_problems`): no message a person did not reject holds
   an unresolved token, and the campaign's review policy is met (`flagged`: every flagged
   draft fixed, approved or rejected; `all`: every draft approved or rejected).

Resume (a paused campaign back to active) re-runs 3 and 5: a paused campaign's unsent
messages can be edited, approved, rejected and regenerated meanwhile.

Launch first resolves the outbox in chunks, each its own short transaction (see
`message_service.resolve_in_chunks`: on SQLite a 10,000-prospect campaign never holds the
write lock for long); then, in one transaction with the campaign locked, every check runs,
and once every check passed, while the campaign is still draft, the outbox moves its drafts
to `pending`; then the campaign becomes `active`.

This module imports the outbox explicitly; the outbox never imports it (it builds its
problems with `campaigns.schemas.LaunchProblem`), so adding a precondition means adding a
line here, not registering from another domain at import time.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns import access as campaign_access
from coldcraft.campaigns.schemas import LaunchProblem
from coldcraft.errors import InvalidRequest, WrongStatus
from coldcraft.messages.review_service import review_service
from coldcraft.messages.service import message_service
from coldcraft.prospects.service import prospect_service
from coldcraft.sequences.service import SENDABLE_TYPES, sequence_service
from coldcraft.store.models import Campaign, SequenceNode, User
from coldcraft.store.session import SessionMaker, unit_of_work


async def _has_prospects(session: AsyncSession, campaign: Campaign) -> list[LaunchProblem]:
    if await prospect_service.count(session, campaign.id) > 0:
        return []
    return [LaunchProblem("prospects", "add at least one prospect")]


def _missing_content(index: int, node: SequenceNode) -> list[LaunchProblem]:
    # A LinkedIn connection request may go without a note, so its body may stay empty.
    required = {"email": ("subject", "body"), "message": ("body",)}.get(node.type, ())
    return [
        LaunchProblem(
            f"sequence_nodes[{index}].{field}", f"{node.type} node {index}: {field} is empty"
        )
        for field in required
        if not (getattr(node, field) or "").strip()
    ]


def _nodes_have_content(nodes: list[SequenceNode]) -> list[LaunchProblem]:
    if not any(n.type in SENDABLE_TYPES or n.type == "ai" for n in nodes):
        return [LaunchProblem("sequence_nodes", "the sequence has nothing to send")]
    return [p for i, node in enumerate(nodes) for p in _missing_content(i, node)]


async def _fields_resolve(
    session: AsyncSession, campaign: Campaign, nodes: list[SequenceNode]
) -> list[LaunchProblem]:
    """Every merge field of the template steps resolves for some prospect."""
    index = {node.id: (i, node.type) for i, node in enumerate(nodes)}
    problems = []
    for warning in await sequence_service.warnings(session, campaign.id, nodes):
        i, node_type = index[warning.node_id]
        message = f"{node_type} node {i}: {warning.message}"
        problems.append(LaunchProblem(f"sequence_nodes[{i}].{warning.field}", message))
    return problems


def _has_sender(campaign: Campaign) -> list[LaunchProblem]:
    if campaign.type != "email" or campaign.sender_account_ids:
        return []
    message = "an email campaign needs a sender (its emails are signed and sent by one)"
    return [LaunchProblem("sender_account_ids", message)]


def _refused(action: str, problems: list[LaunchProblem]) -> InvalidRequest:
    summary = "; ".join(p.message for p in problems)
    details = [p.detail() for p in problems]
    return InvalidRequest(f"Campaign cannot {action}: {summary}", details=details)


class LaunchService:
    async def problems(
        self, session: AsyncSession, campaign: Campaign, nodes: list[SequenceNode]
    ) -> list[LaunchProblem]:
        """Every unmet precondition, in report order (empty: the campaign can launch)."""
        return [
            *await _has_prospects(session, campaign),
            *_nodes_have_content(nodes),
            *await _fields_resolve(session, campaign, nodes),
            *_has_sender(campaign),
            *await message_service.launch_problems(session, campaign, nodes),
            *await review_service.launch_problems(session, campaign),
        ]

    async def launch(self, sessions: SessionMaker, user: User, campaign_id: uuid.UUID) -> Campaign:
        """Resolve (in chunks), then every launch check, then drafts -> pending and the
        campaign draft -> active, in one transaction."""
        await message_service.resolve_in_chunks(sessions, user, campaign_id, action="launch")
        async with unit_of_work(sessions) as session:
            campaign = await campaign_access.get_owned(session, user, campaign_id, for_update=True)
            campaign_access.require_draft(campaign, action="launch")
            nodes = await sequence_service.list_nodes(session, campaign.id)
            problems = await self.problems(session, campaign, nodes)
            if problems:
                raise _refused("launch", problems)
            return await self._activate(session, campaign)

    async def resume(self, session: AsyncSession, user: User, campaign_id: uuid.UUID) -> Campaign:
        """Paused -> active, through the gate again (what the review can change meanwhile)."""
        campaign = await campaign_access.get_owned(session, user, campaign_id, for_update=True)
        if campaign.status != "paused":
            raise WrongStatus("Only paused campaigns can be resumed")
        problems = [
            *_has_sender(campaign),
            *await review_service.launch_problems(session, campaign),
        ]
        if problems:
            raise _refused("resume", problems)
        return await self._activate(session, campaign)

    async def _activate(self, session: AsyncSession, campaign: Campaign) -> Campaign:
        """Drafts a person did not reject become pending; the campaign becomes active."""
        await message_service.move_to_pending(session, campaign)
        campaign.status = "active"
        await session.flush()
        return campaign


launch_service = LaunchService()

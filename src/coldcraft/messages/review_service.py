"""Reviewing the outbox: hand edits (judged, the original kept), approve / reject / restore,
and the review part of the launch gate.

A campaign's drafts can be reviewed while it is a draft and while it is paused (its unsent
messages: `draft` and `pending`); a sent message is history.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned
from coldcraft.campaigns.schemas import LaunchProblem
from coldcraft.config import Settings
from coldcraft.context.judge import judge_context
from coldcraft.context.service import context_service
from coldcraft.errors import InvalidRequest, NotFound, WrongStatus
from coldcraft.messages.repository import Breakdown, MessageRepository, Selection, SelectionChunk
from coldcraft.messages.review import UNSENT, judge_edit
from coldcraft.messages.schemas import (
    MessageEdit,
    MessageFilter,
    ReviewRequest,
    ReviewResult,
    ReviewSummary,
)
from coldcraft.sequences.position import Touches
from coldcraft.sequences.service import sequence_service
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.rules.tokens import unresolved_tokens
from coldcraft.store.base import utcnow
from coldcraft.store.models import Campaign, CampaignProspectMessage, User
from coldcraft.store.session import SessionMaker, reading, unit_of_work

REVIEWABLE = ("draft", "paused")
SAMPLE_IDS = 5  # message ids a launch problem names (the count says how many in all)
STATE_OF = {"approve": "approved", "reject": "rejected"}


def require_reviewable(campaign: Campaign, *, action: str) -> None:
    if campaign.status not in REVIEWABLE:
        raise WrongStatus(f"Campaign is {campaign.status} — must be draft or paused to {action}")


class ReviewService:
    async def edit(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        data: MessageEdit,
        *,
        settings: Settings,
    ) -> CampaignProspectMessage:
        """A human edit, judged like a written email: `quality` and `missing_fields` are
        recomputed on the new text, the machine-written original is kept (restorable), and
        who edited and when is recorded. Resolve never replaces an edited message."""
        campaign = await get_owned(session, user, campaign_id, for_update=True)
        require_reviewable(campaign, action="edit messages")
        repo = MessageRepository(session)
        message = await repo.get_in_campaign(campaign.id, data.message_id)
        if message is None:
            raise NotFound("Message not found")
        if message.status not in UNSENT:
            raise WrongStatus(f"Message is {message.status} — only unsent messages can be edited")
        changes = _text_changes(message, data)
        subject = changes.get("subject", message.subject)
        body = changes.get("body_text", message.body_text)
        judge = await self._judge(session, user, campaign, message.node_id, settings)
        changes |= judge_edit(subject, body, judge)
        if not message.manually_edited:  # the first edit keeps what the machine wrote
            changes |= _original_of(message)
        changes |= {"manually_edited": True, "edited_by": user.email, "edited_at": utcnow()}
        return await repo.edit(message, changes)

    async def act(
        self, sessions: SessionMaker, user: User, campaign_id: uuid.UUID, data: ReviewRequest
    ) -> ReviewResult:
        """approve | reject (with an optional note) | restore the selected unsent messages.

        The selection is read once (no lock) and cut into chunks (`MessageRepository.chunks`:
        1,000 messages each on SQLite), each written in a short transaction of its own that
        re-checks the campaign: on SQLite a bulk approve of 50,000 drafts never holds the
        write lock for long, and one cut short is finished by sending it again (an approve
        of an approved message changes nothing)."""
        action = f"{data.action} messages"
        async with reading(sessions) as session:
            campaign = await get_owned(session, user, campaign_id)
            require_reviewable(campaign, action=action)
            selection = Selection(data.message_ids, data.filter)
            chunks = await MessageRepository(session).chunks(campaign.id, selection)
        result = ReviewResult(action=data.action, matched=0, changed=0)
        for chunk in chunks:
            async with unit_of_work(sessions) as session:
                campaign = await get_owned(session, user, campaign_id, for_update=True)
                require_reviewable(campaign, action=action)
                repo = MessageRepository(session)
                matched, changed = await self._act_on(repo, user, data, chunk)
            result.matched += matched
            result.changed += changed
        return result

    async def _act_on(
        self, repo: MessageRepository, user: User, data: ReviewRequest, chunk: SelectionChunk
    ) -> tuple[int, int]:
        if data.action == "restore":
            restored = await repo.edited(chunk)
            for message in restored:
                await repo.edit(message, _restored(message))
            return len(restored), len(restored)
        return await repo.set_review(
            chunk, state=STATE_OF[data.action], by=user.email, note=data.note
        )

    async def summary(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, found: MessageFilter
    ) -> ReviewSummary:
        """Counts of the messages the filter selects, by every review dimension: one
        grouped scan (plus one count of what the policy awaits when a filter narrows it)."""
        campaign = await get_owned(session, user, campaign_id)
        repo = MessageRepository(session)
        parts = await repo.breakdown(repo.matching(campaign.id, found))
        awaiting = 0
        if campaign.review_policy != "none":
            flagged_only = campaign.review_policy == "flagged"
            if found == MessageFilter(status=found.status) and found.status == "all":
                awaiting = sum(p.count for p in parts if _awaits(p, flagged_only=flagged_only))
            else:  # the policy is about the whole campaign, whatever the filter shows
                awaiting, _ = await repo.awaiting_review(
                    campaign.id, flagged_only=flagged_only, sample=0
                )
        return ReviewSummary(
            total=sum(p.count for p in parts),
            flagged=sum(p.count for p in parts if p.flagged),
            edited=sum(p.count for p in parts if p.edited),
            awaiting_review=awaiting,
            review_policy=campaign.review_policy,
            by_status=_tally((p.status, p.count) for p in parts),
            by_review=_tally((p.review_state, p.count) for p in parts),
            by_source=_tally((p.source, p.count) for p in parts),
            by_rule=_tally((rule, p.count) for p in parts for rule in p.rules),
            by_missing_field=_tally((name, p.count) for p in parts for name in p.missing_fields),
        )

    async def launch_problems(
        self, session: AsyncSession, campaign: Campaign
    ) -> list[LaunchProblem]:
        """What the review still blocks: unresolved tokens in anything that would be sent,
        and the campaign's review policy (with counts and a few message ids each)."""
        repo = MessageRepository(session)
        problems = []
        tokens = await self._with_tokens(repo, campaign)
        if tokens:
            message = f"{len(tokens)} message(s) hold an unresolved token (edit or reject them)"
            problems.append(_problem("messages.unresolved_token", message, tokens, len(tokens)))
        if campaign.review_policy != "none":
            flagged_only = campaign.review_policy == "flagged"
            count, ids = await repo.awaiting_review(
                campaign.id, flagged_only=flagged_only, sample=SAMPLE_IDS
            )
            if count:
                which = "flagged message(s)" if flagged_only else "message(s)"
                message = (
                    f"{count} {which} await review (review_policy {campaign.review_policy}: "
                    "fix, approve or reject them)"
                )
                problems.append(_problem("messages.review", message, ids, count))
        return problems

    async def _with_tokens(self, repo: MessageRepository, campaign: Campaign) -> list[uuid.UUID]:
        found: list[uuid.UUID] = []
        async for page in repo.texts_to_send(campaign.id):
            found += [id_ for id_, subject, body in page if unresolved_tokens(subject, body)]
        return found

    async def _judge(
        self,
        session: AsyncSession,
        user: User,
        campaign: Campaign,
        node_id: uuid.UUID,
        settings: Settings,
    ) -> JudgeContext:
        """The judge at the message's place in the sequence, with the account's house rules."""
        touches = Touches.of(await sequence_service.list_nodes(session, campaign.id))
        workspace = await context_service.get_context(session, user)
        position = touches.position(node_id) or 0
        return judge_context(settings, workspace, sequence_position=position)


def _awaits(part: Breakdown, *, flagged_only: bool) -> bool:
    """What `MessageRepository.awaiting_review` counts: unsent, neither approved nor
    rejected (and flagged, under the `flagged` policy)."""
    unreviewed = part.status in UNSENT and part.review_state == "unreviewed"
    return unreviewed and (part.flagged or not flagged_only)


def _tally(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for key, count in pairs:
        totals[key] = totals.get(key, 0) + count
    return totals


def _problem(field: str, message: str, ids: list[uuid.UUID], count: int) -> LaunchProblem:
    sample = tuple(str(i) for i in ids[:SAMPLE_IDS])
    return LaunchProblem(field, message, count=count, message_ids=sample)


def _text_changes(message: CampaignProspectMessage, data: MessageEdit) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "subject" in data.model_fields_set:
        if message.subject is None and data.subject is not None:
            raise InvalidRequest("This message has no subject (it is not an email)")
        if message.subject is not None and data.subject is None:
            raise InvalidRequest("subject cannot be null on an email message")
        changes["subject"] = data.subject
    if "body_text" in data.model_fields_set:
        changes["body_text"] = data.body_text
    return changes


def _original_of(message: CampaignProspectMessage) -> dict[str, Any]:
    verdict = {
        "quality": message.quality,
        "missing_fields": message.missing_fields,
        "error": message.error,
    }
    return {
        "original_subject": message.subject,
        "original_body": message.body_text,
        "original_verdict": verdict,
    }


def _restored(message: CampaignProspectMessage) -> dict[str, Any]:
    """The machine-written text back with its own verdict; the review starts over."""
    verdict = message.original_verdict or {}
    return {
        "subject": message.original_subject,
        "body_text": message.original_body or "",
        "quality": verdict.get("quality"),
        "missing_fields": verdict.get("missing_fields") or [],
        "error": verdict.get("error"),
        "manually_edited": False,
        "original_subject": None,
        "original_body": None,
        "original_verdict": None,
        "edited_by": None,
        "edited_at": None,
        "review_state": "unreviewed",
        "reviewed_by": None,
        "reviewed_at": None,
        "review_note": None,
    }


review_service = ReviewService()

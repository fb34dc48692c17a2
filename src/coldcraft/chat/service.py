"""Framework chat sessions: one per (user, campaign, AI node), and the sessions' CRUD.

The chat turn itself (claim, model call, persist) lives in `chat/turns.py`.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned, require_draft
from coldcraft.chat.repository import ChatSessionRepository
from coldcraft.chat.schemas import GeneratedExample, SessionCreate, SessionUpdate
from coldcraft.chat.turn_context import judge_context_for
from coldcraft.config import Settings
from coldcraft.errors import InvalidRequest, NotFound, SessionBusy
from coldcraft.runs.service import run_service
from coldcraft.sequences.service import sequence_service
from coldcraft.skeletons.judge import judge_skeleton
from coldcraft.skeletons.schema import Issue, Skeleton, passed
from coldcraft.store.models import AIChatSession, Campaign, SequenceNode, User

TITLE_CHARS = 80
PLAIN_FIELDS = ("title", "draft_subject", "draft_body")


def accept_skeleton(chat: AIChatSession, skeleton: Skeleton) -> bool:
    """Make `skeleton` the session's framework; False when it is the current one already.

    The previous skeleton goes on `skeleton_history` (oldest first), the version counts
    accepted skeletons, the drafts follow the new framework, and examples written from the
    old one are dropped.
    """
    wire = skeleton.wire()
    if chat.skeleton == wire:
        return False
    if chat.skeleton is not None:
        chat.skeleton_history = [*(chat.skeleton_history or []), chat.skeleton]
    chat.skeleton = wire
    chat.framework_version = (chat.framework_version or 0) + 1
    chat.draft_subject = skeleton.subject
    chat.draft_body = skeleton.body
    chat.generated_examples = None
    return True


def append_message(chat: AIChatSession, role: str, content: str) -> None:
    """Append to the client-visible transcript (a new list, so the JSON column is saved)."""
    chat.messages = [*(chat.messages or []), {"role": role, "content": content}]
    if role == "user" and not chat.title:
        chat.title = _title_from(content)


def _title_from(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 3].rstrip() + "..."


class ChatService:
    async def open_for_node(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, node_id: uuid.UUID
    ) -> tuple[AIChatSession, bool]:
        """Checks in the contract's order (campaign owned, draft, AI node of this campaign),
        then the node's session, created lazily; True when it was created now."""
        campaign = await get_owned(session, user, campaign_id)
        require_draft(campaign, action="chat")
        await self._ai_node(session, campaign, node_id)
        return await self._find_or_create(session, user, campaign, node_id)

    async def create_chat(
        self, session: AsyncSession, user: User, data: SessionCreate
    ) -> tuple[AIChatSession, bool]:
        return await self.open_for_node(session, user, data.campaign_id, data.node_id)

    async def list_chats(
        self, session: AsyncSession, user: User, *, campaign_id: uuid.UUID | None = None
    ) -> list[AIChatSession]:
        """All the user's sessions, or one campaign's (404 if that campaign is not theirs)."""
        if campaign_id is not None:
            await get_owned(session, user, campaign_id)
        return await ChatSessionRepository(session).list_for_user(user.id, campaign_id=campaign_id)

    async def get_chat(
        self, session: AsyncSession, user: User, chat_id: uuid.UUID, *, fresh: bool = False
    ) -> AIChatSession:
        chat = await ChatSessionRepository(session).get_owned(user.id, chat_id, fresh=fresh)
        if chat is None:
            raise NotFound("Chat session not found")
        return chat

    async def find_owned(
        self, session: AsyncSession, user: User, chat_id: uuid.UUID
    ) -> AIChatSession | None:
        """The user's chat session, or None (callers choose their own 404 message)."""
        return await ChatSessionRepository(session).get_owned(user.id, chat_id)

    async def read_chat(
        self, session: AsyncSession, user: User, chat_id: uuid.UUID
    ) -> dict[str, Any]:
        """The session's columns, for the reply of the GET clients poll (no ORM object)."""
        row = await ChatSessionRepository(session).read_polled(user.id, chat_id)
        if row is None:
            raise NotFound("Chat session not found")
        return dict(row)

    async def update_chat(
        self,
        session: AsyncSession,
        user: User,
        chat_id: uuid.UUID,
        data: SessionUpdate,
        *,
        settings: Settings,
    ) -> AIChatSession:
        chat, campaign = await self._editable(session, user, chat_id)
        changes = data.model_fields_set
        for field in PLAIN_FIELDS:
            if field in changes:
                setattr(chat, field, getattr(data, field))
        if "skeleton" in changes:
            await self._set_skeleton(session, chat, campaign, data.skeleton, settings=settings)
        if "generated_examples" in changes:
            # Sent explicitly, so it wins over the clearing a new skeleton does.
            chat.generated_examples = data.generated_examples
        await session.flush()
        return chat

    # --- examples (written by the generate-email-examples run, read by the outbox) ---------

    async def for_run(
        self, session: AsyncSession, chat_id: uuid.UUID | None
    ) -> AIChatSession | None:
        """A run's chat session as committed now (no lock: a read before the model call)."""
        if chat_id is None:
            return None
        return await ChatSessionRepository(session).get_fresh(chat_id, lock=False)

    async def for_node(
        self, session: AsyncSession, campaign_id: uuid.UUID, node_id: uuid.UUID
    ) -> AIChatSession | None:
        """The chat session of a campaign's AI node (one per node; read only)."""
        return await ChatSessionRepository(session).get_by_node(campaign_id, node_id)

    def examples_of(self, chat: AIChatSession) -> list[GeneratedExample]:
        """The session's examples that have the example shape (a client may PATCH anything
        into the list; what does not validate is no example and is skipped)."""
        examples = []
        for raw in chat.generated_examples or []:
            try:
                examples.append(GeneratedExample.model_validate(raw))
            except ValidationError:
                continue
        return examples

    async def record_examples(
        self,
        session: AsyncSession,
        chat_id: uuid.UUID,
        *,
        run_id: str,
        lead_ids: list[str],
        written: list[GeneratedExample],
        replace: bool,
    ) -> bool:
        """Set the session's examples to the earlier ones (none when `replace`; else all but
        this run's leads) followed by `written` in `lead_ids` order, if the run still holds
        the session (False: deleted, or moved on)."""
        chat = await ChatSessionRepository(session).get_fresh(chat_id)
        if chat is None or chat.task_run_id != run_id:
            return False
        mine = set(lead_ids)
        earlier = (
            [] if replace else [e for e in chat.generated_examples or [] if _lead_id(e) not in mine]
        )
        order = {key: i for i, key in enumerate(lead_ids)}
        ours = sorted(written, key=lambda e: order.get(str(e.lead_id), len(order)))
        dumped = [e.model_dump(mode="json", exclude_unset=True) for e in ours]
        chat.generated_examples = [*earlier, *dumped]
        return True

    async def delete_chat(self, session: AsyncSession, user: User, chat_id: uuid.UUID) -> None:
        """Delete (in draft, like every session mutation) and cancel the session's runs."""
        chat = await self.get_chat(session, user, chat_id)
        campaign = await get_owned(session, user, chat.campaign_id)
        require_draft(campaign, action="delete a chat session")
        await run_service.cancel_runs(session, chat_id=chat.id)
        await ChatSessionRepository(session).delete_by_id(chat.id)

    async def _ai_node(
        self, session: AsyncSession, campaign: Campaign, node_id: uuid.UUID
    ) -> SequenceNode:
        node = await sequence_service.get_node(session, campaign.id, node_id)
        if node.type != "ai":
            raise InvalidRequest(
                f"Sequence node {node_id} is a {node.type} node: "
                "the framework chat works on ai nodes"
            )
        return node

    async def _find_or_create(
        self, session: AsyncSession, user: User, campaign: Campaign, node_id: uuid.UUID
    ) -> tuple[AIChatSession, bool]:
        sessions = ChatSessionRepository(session)
        chat = await sessions.get_for_node(user.id, campaign.id, node_id)
        if chat is not None:
            return chat, False
        chat = AIChatSession(user_id=user.id, campaign_id=campaign.id, node_id=node_id)
        if await sessions.insert_unique(chat):
            return chat, True
        # A concurrent first call created it between our read and our insert.
        existing = await sessions.get_for_node(user.id, campaign.id, node_id)
        if existing is None:  # pragma: no cover - the constraint said it exists
            raise NotFound("Chat session not found")
        return existing, False

    async def _editable(
        self, session: AsyncSession, user: User, chat_id: uuid.UUID
    ) -> tuple[AIChatSession, Campaign]:
        """The session, re-read under the same check a task's claim makes: in draft, not held."""
        chat = await self.get_chat(session, user, chat_id, fresh=True)
        campaign = await get_owned(session, user, chat.campaign_id)
        require_draft(campaign, action="edit a chat session")
        if chat.task_status is not None:
            raise SessionBusy(chat.task_status)
        return chat, campaign

    async def _set_skeleton(
        self,
        session: AsyncSession,
        chat: AIChatSession,
        campaign: Campaign,
        skeleton: Skeleton | None,
        *,
        settings: Settings,
    ) -> None:
        if skeleton is None:
            raise InvalidRequest(
                "skeleton cannot be null: send a skeleton (chat history keeps the old ones)"
            )
        judge_ctx = await judge_context_for(session, chat, campaign, settings=settings)
        issues = judge_skeleton(skeleton, judge_ctx)
        if not passed(issues):
            raise InvalidRequest(_judge_summary(issues), details=_issue_details(issues))
        accept_skeleton(chat, skeleton)


def _lead_id(example: Any) -> Any:
    return example.get("lead_id") if isinstance(example, dict) else None


def _judge_summary(issues: list[Issue]) -> str:
    errors = [i for i in issues if i.severity == "error"]
    listed = "; ".join(f"{i.rule}: {i.message}" for i in errors[:3])
    return f"Skeleton failed the quality gate: {listed}"


def _issue_details(issues: list[Issue]) -> list[dict[str, Any]]:
    # The envelope's details are {field, message}; `rule`/`severity` ride along for clients.
    return [
        {"field": "skeleton", "message": i.message, "rule": i.rule, "severity": i.severity}
        for i in issues
    ]


chat_service = ChatService()

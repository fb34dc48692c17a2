"""Sequence nodes: per-channel types, one `end` kept last, positions contiguous from 0.

Every mutation locks the campaign row first (`SELECT ... FOR UPDATE` on PostgreSQL; on
SQLite each transaction begins IMMEDIATE, which already serialises writers) and renumbers
the whole sequence inside the same transaction, so concurrent add/move/delete calls queue
up instead of interleaving.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns import access as campaign_access
from coldcraft.errors import InvalidRequest, NotFound
from coldcraft.prospects.service import prospect_service
from coldcraft.sequences.checks import TemplateWarning, check_syntax, field_warnings
from coldcraft.sequences.repository import SequenceNodeRepository
from coldcraft.sequences.schemas import NodeContent, NodeCreate, NodeDelete, NodeMove, NodeUpdate
from coldcraft.store.models import Campaign, SequenceNode, User

SENDABLE_TYPES: frozenset[str] = frozenset({"email", "message", "connection_request"})
# Nodes a prospect receives (not delay/end): what "position in the sequence" counts.
TOUCH_TYPES: frozenset[str] = SENDABLE_TYPES | {"ai"}
CHANNEL_TYPES: dict[str, frozenset[str]] = {
    "email": frozenset({"email", "delay", "ai", "end"}),
    "linkedin": frozenset({"connection_request", "message", "delay", "ai", "end"}),
}
FIRST_NODE_TYPE = {"email": "email", "linkedin": "connection_request"}
DEFAULT_OUTPUT_TYPE = {"email": "email", "linkedin": "linkedin_message"}
# Content fields each type keeps; the others are ignored on write (as api.md does for ai_node).
CONTENT_FIELDS: dict[str, frozenset[str]] = {
    "email": frozenset({"subject", "body"}),
    "message": frozenset({"body"}),
    "connection_request": frozenset({"body"}),
    "delay": frozenset({"delay_days", "delay_hours", "delay_minutes"}),
    "ai": frozenset(),
    "end": frozenset(),
}
FIELD_DEFAULTS: dict[str, Any] = {
    "subject": "",
    "body": "",
    "delay_days": 0,
    "delay_hours": 0,
    "delay_minutes": 0,
}


def _new_node(campaign: Campaign, node_type: str) -> SequenceNode:
    node = SequenceNode(
        campaign_id=campaign.id, type=node_type, position=0, delay_days=0, delay_hours=0,
        delay_minutes=0, subject=None, body=None, ai_node=None,
    )  # fmt: skip
    for field in CONTENT_FIELDS[node_type]:
        setattr(node, field, FIELD_DEFAULTS[field])
    if node_type == "ai":
        node.ai_node = {"purpose": "", "output_type": DEFAULT_OUTPUT_TYPE[campaign.type]}
    return node


def _apply_content(node: SequenceNode, data: NodeContent) -> None:
    for field in CONTENT_FIELDS[node.type] & data.model_fields_set:
        value = getattr(data, field)
        setattr(node, field, FIELD_DEFAULTS[field] if value is None else value)
    if node.type == "ai" and data.ai_node is not None:
        changes = data.ai_node.model_dump(exclude_none=True)
        node.ai_node = {**(node.ai_node or {}), **changes}  # a new dict, so the JSON is saved


def _end_index(nodes: list[SequenceNode]) -> int:
    """Where `end` sits (the last slot); a node may go anywhere up to it."""
    return next((i for i, n in enumerate(nodes) if n.type == "end"), len(nodes))


def _renumber(nodes: list[SequenceNode]) -> list[SequenceNode]:
    for position, node in enumerate(nodes):
        if node.position != position:
            node.position = position
    return nodes


def find_node(nodes: list[SequenceNode], node_id: uuid.UUID) -> SequenceNode:
    """The node of `nodes` with this id; 404 `Sequence node not found` otherwise."""
    for node in nodes:
        if node.id == node_id:
            return node
    raise NotFound("Sequence node not found")


class SequenceService:
    async def list_nodes(self, session: AsyncSession, campaign_id: uuid.UUID) -> list[SequenceNode]:
        return await SequenceNodeRepository(session).list_for_campaign(campaign_id)

    async def get_node(
        self, session: AsyncSession, campaign_id: uuid.UUID, node_id: uuid.UUID
    ) -> SequenceNode:
        node = await SequenceNodeRepository(session).get_in_campaign(campaign_id, node_id)
        if node is None:
            raise NotFound("Sequence node not found")
        return node

    async def node_counts(
        self, session: AsyncSession, campaign_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        return await SequenceNodeRepository(session).counts(campaign_ids)

    async def seed(self, session: AsyncSession, campaign: Campaign) -> list[SequenceNode]:
        """A new campaign's sequence: its channel's first touch, then `end`."""
        nodes = [_new_node(campaign, FIRST_NODE_TYPE[campaign.type]), _new_node(campaign, "end")]
        await SequenceNodeRepository(session).add_all(_renumber(nodes))
        return nodes

    async def add_node(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, data: NodeCreate
    ) -> list[SequenceNode]:
        campaign, nodes = await self._lock(session, user, campaign_id)
        self._check_type(campaign, data.type, nodes)
        end = _end_index(nodes)
        position = end if data.position is None else data.position
        if position > end:
            raise InvalidRequest(f"position must be between 0 and {end} (the end node stays last)")
        node = _new_node(campaign, data.type)
        _apply_content(node, data)
        check_syntax(node)
        nodes.insert(position, node)
        _renumber(nodes)
        await SequenceNodeRepository(session).add(node)
        return nodes

    async def update_node(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        node_id: uuid.UUID,
        data: NodeUpdate,
    ) -> SequenceNode:
        _, nodes = await self._lock(session, user, campaign_id)
        node = find_node(nodes, node_id)
        _apply_content(node, data)
        check_syntax(node)
        await session.flush()
        return node

    async def warnings(
        self, session: AsyncSession, campaign_id: uuid.UUID, nodes: list[SequenceNode]
    ) -> list[TemplateWarning]:
        """Merge fields of these template steps that no prospect of the campaign fills."""
        keys = await prospect_service.custom_field_keys(session, campaign_id)
        return [warning for node in nodes for warning in field_warnings(node, keys)]

    async def move_node(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, data: NodeMove
    ) -> list[SequenceNode]:
        _, nodes = await self._lock(session, user, campaign_id)
        node = find_node(nodes, data.node_id)
        if node.type == "end":
            raise InvalidRequest("The end node cannot be moved: it stays last")
        nodes.remove(node)
        last = _end_index(nodes)
        if data.to_position > last:
            raise InvalidRequest(
                f"toPosition must be between 0 and {last} (the end node stays last)"
            )
        nodes.insert(data.to_position, node)
        _renumber(nodes)
        await session.flush()
        return nodes

    async def delete_node(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, data: NodeDelete
    ) -> list[SequenceNode]:
        _, nodes = await self._lock(session, user, campaign_id)
        node = find_node(nodes, data.node_id)
        if node.type == "end":
            raise InvalidRequest("The end node cannot be deleted")
        nodes.remove(node)
        await SequenceNodeRepository(session).delete(node)
        _renumber(nodes)
        await session.flush()
        return nodes

    async def _lock(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID
    ) -> tuple[Campaign, list[SequenceNode]]:
        """The campaign locked and in draft, with its nodes read under the lock."""
        campaign = await campaign_access.get_owned(session, user, campaign_id, for_update=True)
        campaign_access.require_draft(campaign)
        return campaign, await self.list_nodes(session, campaign.id)

    def _check_type(self, campaign: Campaign, node_type: str, nodes: list[SequenceNode]) -> None:
        allowed = CHANNEL_TYPES[campaign.type]
        if node_type not in allowed:
            names = ", ".join(sorted(allowed))
            raise InvalidRequest(
                f"A {campaign.type} campaign cannot have a {node_type} node (allowed: {names})"
            )
        if node_type == "end" and any(n.type == "end" for n in nodes):
            raise InvalidRequest("A sequence has exactly one end node, and it already exists")


sequence_service = SequenceService()

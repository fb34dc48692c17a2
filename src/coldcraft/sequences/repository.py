"""Every sequence node query."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from coldcraft.store.models import SequenceNode
from coldcraft.store.repository import Repository


class SequenceNodeRepository(Repository[SequenceNode]):
    model = SequenceNode

    async def list_for_campaign(self, campaign_id: uuid.UUID) -> list[SequenceNode]:
        # populate_existing: after the campaign row lock, re-read positions another
        # transaction may have just committed.
        stmt = (
            select(SequenceNode)
            .where(SequenceNode.campaign_id == campaign_id)
            .order_by(SequenceNode.position, SequenceNode.created_at, SequenceNode.id)
            .execution_options(populate_existing=True)
        )
        return list(await self.all(stmt))

    async def get_in_campaign(
        self, campaign_id: uuid.UUID, node_id: uuid.UUID
    ) -> SequenceNode | None:
        stmt = select(SequenceNode).where(
            SequenceNode.id == node_id, SequenceNode.campaign_id == campaign_id
        )
        return await self.one_or_none(stmt)

    async def add_all(self, nodes: list[SequenceNode]) -> None:
        self.session.add_all(nodes)
        await self.session.flush()

    async def counts(self, campaign_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
        if not campaign_ids:
            return {}
        stmt = (
            select(SequenceNode.campaign_id, func.count())
            .where(SequenceNode.campaign_id.in_(campaign_ids))
            .group_by(SequenceNode.campaign_id)
        )
        rows = (await self.session.execute(stmt)).all()
        return {campaign_id: int(count) for campaign_id, count in rows}

from __future__ import annotations

import uuid

from fastapi import APIRouter

from coldcraft.api.deps import CurrentUser, DBSession
from coldcraft.api.responses import errors
from coldcraft.sequences.schemas import (
    NodeCreate,
    NodeDelete,
    NodeMove,
    NodeOut,
    NodeResponse,
    NodesResponse,
    NodeUpdate,
    TemplateWarningOut,
)
from coldcraft.sequences.service import sequence_service

router = APIRouter(prefix="/api", tags=["sequences"])

NODE_ERRORS = errors(400, 401, 404, 413)


@router.post(
    "/campaigns/{campaign_id}/sequence/nodes",
    status_code=201,
    response_model=NodesResponse,
    responses=NODE_ERRORS,
)
async def add_node(
    campaign_id: uuid.UUID, body: NodeCreate, session: DBSession, user: CurrentUser
) -> NodesResponse:
    """Insert a node (draft only); without `position` it goes just before `end`. A template
    step's syntax is checked (400 with the position); merge fields no prospect fills come
    back as `warnings` (they block launch)."""
    nodes = await sequence_service.add_node(session, user, campaign_id, body)
    response = NodesResponse.build(nodes)
    warnings = await sequence_service.warnings(session, campaign_id, nodes)
    response.warnings = [TemplateWarningOut.model_validate(w) for w in warnings]
    return response


@router.put(
    "/campaigns/{campaign_id}/sequence/nodes/{node_id}",
    response_model=NodeResponse,
    responses=NODE_ERRORS,
)
async def update_node(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    body: NodeUpdate,
    session: DBSession,
    user: CurrentUser,
) -> NodeResponse:
    """Partial content update (draft only); fields that do not apply to the type are ignored.
    A template step is checked as for add (400 with the position; `warnings`)."""
    node = await sequence_service.update_node(session, user, campaign_id, node_id, body)
    warnings = await sequence_service.warnings(session, campaign_id, [node])
    return NodeResponse(
        node=NodeOut.model_validate(node),
        warnings=[TemplateWarningOut.model_validate(w) for w in warnings],
    )


@router.patch(
    "/campaigns/{campaign_id}/sequence/nodes",
    response_model=NodesResponse,
    responses=NODE_ERRORS,
)
async def move_node(
    campaign_id: uuid.UUID, body: NodeMove, session: DBSession, user: CurrentUser
) -> NodesResponse:
    """Move a node to `toPosition` (draft only); `end` stays last."""
    return NodesResponse.build(await sequence_service.move_node(session, user, campaign_id, body))


@router.delete(
    "/campaigns/{campaign_id}/sequence/nodes",
    response_model=NodesResponse,
    responses=NODE_ERRORS,
)
async def delete_node(
    campaign_id: uuid.UUID, body: NodeDelete, session: DBSession, user: CurrentUser
) -> NodesResponse:
    """Delete a node (draft only; never `end`) and renumber the rest."""
    nodes = await sequence_service.delete_node(session, user, campaign_id, body)
    return NodesResponse.build(nodes)

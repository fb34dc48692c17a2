"""Every table, imported here so Alembic and `Base.metadata` see them all."""

from coldcraft.store.models.campaign import Campaign, SequenceNode
from coldcraft.store.models.chat_session import AIChatSession
from coldcraft.store.models.company_research import CompanyResearch
from coldcraft.store.models.context import WorkspaceContext
from coldcraft.store.models.idempotency import IdempotencyKey
from coldcraft.store.models.message import CampaignProspectMessage
from coldcraft.store.models.prospect import Prospect
from coldcraft.store.models.run import Run, RunItem
from coldcraft.store.models.sender import SenderAccount
from coldcraft.store.models.studio_link import StudioLink
from coldcraft.store.models.user import ApiKey, User

__all__ = [
    "AIChatSession",
    "ApiKey",
    "Campaign",
    "CampaignProspectMessage",
    "CompanyResearch",
    "IdempotencyKey",
    "Prospect",
    "Run",
    "RunItem",
    "SenderAccount",
    "SequenceNode",
    "StudioLink",
    "User",
    "WorkspaceContext",
]

"""The per-account monthly spend cap (`spend_cap_usd_per_month`, 0 = no cap).

Checked before a generate-ai-messages run starts: this calendar month's spend (the
`cost_usd` of every run the account started since the 1st, UTC) + what queued/running
writer runs still have to do + this run's estimate must stay within the cap, else 402.
The estimate is prospects x a per-lead cost: the average cost per item of the account's
recent writer runs, else the writer model's list price for a typical call (genai-prices),
else 0 (the offline model and self-hosted servers cost nothing we can know); a campaign that
researches adds, per lead, the most its company's research can cost (`research_price_per_lead`:
a model extraction of two pages; 0 offline). What research really spent is in the items'
usage, so it is in this month's spend like any writer call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from genai_prices import Usage as PriceUsage
from genai_prices import calc_price
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings
from coldcraft.errors import PaymentRequired
from coldcraft.llm.models import Role, choose_spec
from coldcraft.llm.search import web_search_from_settings
from coldcraft.research.extract import estimated_extraction_tokens
from coldcraft.runs.service import run_service
from coldcraft.store.base import utcnow
from coldcraft.store.models import User

WRITER_KINDS = ("generate-ai-messages", "generate-email-examples")
RECENT_RUNS = 20
# A typical writer call: instructions + context + skeleton + lead in, a short email out,
# plus its share of repair attempts.
TYPICAL_INPUT_TOKENS = 3000
TYPICAL_OUTPUT_TOKENS = 500
PAGES_PER_COMPANY = 2  # research reads the home page and the first about page that answers


@dataclass(frozen=True)
class SpendCheck:
    cap_usd: float
    spent_usd: float  # this month so far
    in_flight_usd: float  # what queued/running writer runs still have to do
    per_lead_usd: float
    prospects: int

    @property
    def estimate_usd(self) -> float:
        return self.per_lead_usd * self.prospects

    @property
    def shortfall_usd(self) -> float:
        return max(0.0, self.spent_usd + self.in_flight_usd + self.estimate_usd - self.cap_usd)


def month_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def list_price_per_lead(settings: Settings) -> float:
    """The writer model's price for a typical call; 0 when it has no known price."""
    return list_price("writer", settings)


def research_price_per_lead(settings: Settings) -> float:
    """The most one lead's research can cost: a model extraction of each page read (the
    home page and an about page) and, with a search backend, one search call, when its
    company is not in the cache; the extractions cost 0 offline. A lead whose company was
    researched already (by another lead, another run) costs nothing."""
    tokens = estimated_extraction_tokens()
    price = list_price("research", settings, tokens=(tokens.input_tokens, tokens.output_tokens))
    search = web_search_from_settings(settings)
    return PAGES_PER_COMPANY * price + (search.price_usd if search is not None else 0.0)


def list_price(
    role: Role,
    settings: Settings,
    *,
    tokens: tuple[int, int] = (TYPICAL_INPUT_TOKENS, TYPICAL_OUTPUT_TOKENS),
) -> float:
    """A role's model's price for a typical call (`tokens`: input, output); 0 when it has
    no known price."""
    spec, _ = choose_spec(role, settings)
    if spec.provider not in ("anthropic", "openai"):
        return 0.0
    usage = PriceUsage(input_tokens=tokens[0], output_tokens=tokens[1])
    try:
        price = calc_price(usage, model_ref=spec.model_name, provider_id=spec.provider)
    except LookupError:
        return 0.0
    return float(Decimal(price.total_price))


class SpendService:
    async def per_lead_usd(self, session: AsyncSession, user: User, settings: Settings) -> float:
        recent = await run_service.spend(session).recent_cost_per_item(
            user.id, WRITER_KINDS, runs=RECENT_RUNS
        )
        return recent if recent is not None else list_price_per_lead(settings)

    async def check(
        self,
        session: AsyncSession,
        user: User,
        *,
        prospects: int,
        settings: Settings,
        research: bool = False,
    ) -> SpendCheck | None:
        """Raise 402 when the run would take the account past its cap; None without a cap.
        `research`: each lead may also pay for its company's research (at most)."""
        check = await self.assess(
            session, user, prospects=prospects, settings=settings, research=research
        )
        if check is not None and check.shortfall_usd > 0:
            raise _payment_required(check)
        return check

    async def assess(
        self,
        session: AsyncSession,
        user: User,
        *,
        prospects: int,
        settings: Settings,
        research: bool = False,
    ) -> SpendCheck | None:
        """Where a run for `prospects` leads would leave the account (None without a cap)."""
        cap = settings.spend_cap_usd_per_month
        if cap <= 0:
            return None
        repo = run_service.spend(session)
        per_lead = await self.per_lead_usd(session, user, settings)
        # Other runs in flight at the usual per-lead cost; this run's research on top.
        in_flight = per_lead * await repo.items_in_flight(user.id, WRITER_KINDS)
        if research:
            per_lead += research_price_per_lead(settings)
        return SpendCheck(
            cap_usd=cap,
            spent_usd=await repo.cost_since(user.id, month_start(utcnow())),
            in_flight_usd=in_flight,
            per_lead_usd=per_lead,
            prospects=prospects,
        )


def _payment_required(check: SpendCheck) -> PaymentRequired:
    message = (
        f"Monthly spend cap of ${check.cap_usd:.2f} reached: ${check.spent_usd:.2f} spent "
        f"this month, ${check.in_flight_usd:.2f} in running jobs, ${check.estimate_usd:.2f} "
        f"estimated for {check.prospects} prospect(s); ${check.shortfall_usd:.2f} short"
    )
    detail = {
        "field": "spend_cap_usd_per_month",
        "message": f"${check.shortfall_usd:.2f} over the cap",
        "cap_usd": round(check.cap_usd, 6),
        "spent_usd": round(check.spent_usd, 6),
        "in_flight_usd": round(check.in_flight_usd, 6),
        "estimate_usd": round(check.estimate_usd, 6),
        "per_lead_usd": round(check.per_lead_usd, 8),
        "shortfall_usd": round(check.shortfall_usd, 6),
    }
    return PaymentRequired(message, details=[detail])


spend_service = SpendService()

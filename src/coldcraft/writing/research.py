"""A lead's company facts for the writer, when its campaign researches (`campaigns.research`).

Drafts and examples both call `lead_research` before the writer, outside any transaction
(the fetch and a model extraction take seconds; `companies.company_facts` opens its own
short read and write). What it spent (a model extraction on a cache miss; nothing offline
or from the cache) is added to the lead's usage, so it is in the item's cost, the run's
usage and the monthly spend cap. A research that reads no page gives no facts: the writer
then works from the lead's fields alone, as without research.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coldcraft.companies.service import company_facts
from coldcraft.llm.sources import CitedFact
from coldcraft.llm.usage import Usage
from coldcraft.research.service import CompanyFacts
from coldcraft.runs.kinds import RunEnv
from coldcraft.skeletons.schema import Lead

# Facts handed to the writer per lead: enough to find one that fits a block, few enough to
# keep the per-lead prompt short (the title, the description and the first headings).
MAX_FACTS_FOR_WRITER = 8


@dataclass(frozen=True)
class LeadResearch:
    facts: tuple[CitedFact, ...] = ()
    usage: Usage = field(default_factory=Usage)


NO_RESEARCH = LeadResearch()


async def lead_research(env: RunEnv, lead: Lead, *, enabled: bool) -> LeadResearch:
    """The facts the writer may cite for `lead`, and what getting them cost now."""
    if not enabled:
        return NO_RESEARCH
    found = await company_facts(env.sessionmaker, lead, env.settings, model=env.model("research"))
    return LeadResearch(cited(found.facts), found.usage)


def cited(company: CompanyFacts) -> tuple[CitedFact, ...]:
    return tuple(
        CitedFact(id=fact.id, text=fact.text, source_url=fact.source_url, quote=fact.quote)
        for fact in company.facts[:MAX_FACTS_FOR_WRITER]
    )

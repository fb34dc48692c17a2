"""The writer input carries what grounds its claims: lead, workspace context, facts."""

from __future__ import annotations

from coldcraft.llm.sources import CitedFact
from coldcraft.llm.writer_agent import grounding_of
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.rules.grounding import find_claims
from coldcraft.skeletons.schema import CampaignInfo, Lead
from coldcraft.writing.inputs import WriterContext
from tests.llm.builders import SENDER, WORKSPACE, good_skeleton

CONTEXT = WriterContext(
    skeleton=good_skeleton(),
    sender=SENDER,
    campaign=CampaignInfo(signature=None),
    campaign_name="Q3 outbound",
    workspace_context=WORKSPACE,
    judge=JudgeContext(),
    position=0,
    total_nodes=1,
    earlier=(),
)
LEAD = Lead(first_name="Kai", company="Umbrella", custom_fields={"headcount": 200})
TEXT = "Umbrella grew to 200 people, and Flowly saw 37% fewer late invoices at Globex."


def test_the_request_grounds_the_lead_the_workspace_and_the_facts() -> None:
    plain = CONTEXT.request(LEAD)
    assert plain.facts == ()
    assert [s.text for s in find_claims(TEXT, grounding_of(plain))] == ["37%", "Globex"]
    fact = CitedFact(
        id="f1", text="Globex cut late invoices by 37 percent", source_url="https://umbrella.test/"
    )
    cited = CONTEXT.request(LEAD, facts=(fact,))
    assert cited.facts == (fact,)
    assert find_claims(TEXT, grounding_of(cited)) == []

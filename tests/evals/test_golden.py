"""The shipped golden set: its size, its variety and its hostile leads."""

from __future__ import annotations

from collections import Counter

import pytest

from coldcraft.evals.golden import HOSTILE_KINDS, load_golden


def test_the_set_has_enough_leads_and_briefs_of_each_kind() -> None:
    golden = load_golden()
    assert len(golden.leads) >= 50
    assert len(golden.briefs) >= 5
    positions = [b.position for b in golden.briefs]
    assert 0 in positions
    assert any(p > 0 for p in positions)
    earlier = [b.earlier for b in golden.briefs if b.earlier]
    assert any(e.brief for e in earlier), "a follow-up after the eval's own email"
    assert any(e.emails for e in earlier), "a follow-up after fixed earlier emails"
    assert any(len(b.messages) > 1 for b in golden.briefs), "a brief edited over two turns"


def test_ids_are_unique_and_follow_ups_follow_known_briefs() -> None:
    golden = load_golden()
    assert len({g.id for g in golden.leads}) == len(golden.leads)
    ids = {b.id for b in golden.briefs}
    assert len(ids) == len(golden.briefs)
    for brief in golden.briefs:
        if brief.earlier and brief.earlier.brief:
            assert brief.earlier.brief in ids
            assert golden.brief(brief.earlier.brief).position < brief.position


def test_every_hostile_kind_is_present() -> None:
    kinds = Counter(kind for g in load_golden().leads for kind in g.hostile)
    assert set(kinds) == set(HOSTILE_KINDS)
    assert sum(1 for g in load_golden().leads if g.hostile) >= 15


def test_non_latin_names_cover_cyrillic_cjk_and_arabic() -> None:
    names = "".join(
        (g.lead.first_name or "") + (g.lead.company or "")
        for g in load_golden().leads
        if "non_latin" in g.hostile
    )
    assert any("\u0400" <= c <= "\u04ff" for c in names)  # Cyrillic
    assert any("\u4e00" <= c <= "\u9fff" for c in names)  # CJK
    assert any("\u0600" <= c <= "\u06ff" for c in names)  # Arabic


def test_planted_instructions_carry_unique_canaries() -> None:
    leads = load_golden().leads
    injected = [g for g in leads if {"headline_injection", "lying_site"} & set(g.hostile)]
    assert injected
    assert all(g.canaries for g in injected)
    canaries = [c for g in leads for c in g.canaries]
    assert len(canaries) == len(set(canaries))


def test_a_lying_site_gives_facts_but_never_its_hidden_instructions() -> None:
    lead = next(g for g in load_golden().leads if "lying_site" in g.hostile)
    facts = lead.facts()
    texts = " ".join(f.text for f in facts)
    assert "93%" in texts  # the site's invented claim is a fact: the company's own words
    assert "LEAK-T1" not in texts  # hidden (display:none) and instruction-like text is not
    assert all(f.source_url == lead.site.url for f in facts if lead.site)


def test_leaks_are_found_case_insensitively() -> None:
    lead = next(g for g in load_golden().leads if "evil.example/k1" in g.canaries)
    assert lead.leaks("Hi", "see EVIL.example/K1 now") == ["evil.example/k1"]
    assert lead.leaks("Hi", "nothing here") == []


def test_select_brings_the_brief_a_follow_up_builds_on() -> None:
    golden = load_golden()
    chosen = golden.select(["invoice-follow-up"], limit=3)
    assert [b.id for b in chosen.briefs] == ["invoice-first", "invoice-follow-up"]
    assert len(chosen.leads) == 3
    with pytest.raises(ValueError, match="Unknown brief 'nope'"):
        golden.select(["nope"])


@pytest.mark.parametrize("limit", [2, 3, 10, 28])
def test_a_limited_run_meets_hostile_leads_in_proportion(limit: int) -> None:
    golden = load_golden()
    hostile_share = sum(1 for lead in golden.leads if lead.hostile) / len(golden.leads)

    chosen = golden.select(limit=limit).leads

    assert len(chosen) == len({lead.id for lead in chosen}) == limit
    hostile = [lead for lead in chosen if lead.hostile]
    assert len(hostile) == max(1, round(limit * hostile_share))
    assert any(lead.canaries for lead in hostile)  # a planted instruction among them
    order = [lead.id for lead in golden.leads]
    assert [order.index(lead.id) for lead in chosen] == sorted(order.index(c.id) for c in chosen)
    assert golden.select(limit=limit).leads == chosen  # the same N, the same leads


def test_a_limit_of_one_or_of_the_whole_set() -> None:
    golden = load_golden()
    assert len(golden.select(limit=1).leads) == 1
    assert golden.select(limit=len(golden.leads) + 5).leads == golden.leads

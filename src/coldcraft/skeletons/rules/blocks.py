"""blocks_match: blocks[] describes the body's AI blocks, and each entry is complete."""

from __future__ import annotations

from coldcraft.skeletons.rules.common import plural
from coldcraft.skeletons.rules.syntax import field_fix
from coldcraft.skeletons.schema import Block, Issue, Skeleton
from coldcraft.skeletons.template import AIBlock, is_known_field, parse_tolerant

RULE = "blocks_match"


def check_blocks(skeleton: Skeleton) -> list[Issue]:
    ai_blocks = sum(isinstance(s, AIBlock) for s in parse_tolerant(skeleton.body))
    issues = _count_issues(len(skeleton.blocks), ai_blocks)
    for index, block in enumerate(skeleton.blocks):
        issues.extend(_block_issues(index, block))
    return issues


def _count_issues(entries: int, ai_blocks: int) -> list[Issue]:
    if ai_blocks and not entries:
        message = (
            f"blocks: the body has {plural(ai_blocks, 'AI block')} but blocks[] is empty; "
            "add at least one block with a name, a strategy and a personalization fallback"
        )
        return [Issue(rule=RULE, message=message)]
    if entries > ai_blocks:
        count = plural(entries, "entry", "entries")
        message = (
            f"blocks: {count} for {plural(ai_blocks, 'AI block')} in the body; a block "
            "describes one or more &&...&& blocks, so merge or remove entries"
        )
        return [Issue(rule=RULE, message=message)]
    return []


def _block_issues(index: int, block: Block) -> list[Issue]:
    label = f"blocks[{index}]" + (f' ("{block.name.strip()}")' if block.name.strip() else "")
    problems = []
    if not block.name.strip():
        problems.append("name is empty; give the section a short name such as 'Opener'")
    if not block.strategy.strip():
        problems.append("strategy is empty; say how this section should be written")
    if not block.personalization.fallback.strip():
        problems.append(
            "personalization.fallback is empty; say what to write when "
            f"{_fields_text(block)} are missing or weak"
        )
    for name in block.personalization.fields:
        bare = name.strip().strip("%")
        if not is_known_field(bare):
            problems.append(f"personalization.fields has unknown field '{name}'; {field_fix(bare)}")
    return [Issue(rule=RULE, message=f"{label}: {problem}") for problem in problems]


def _fields_text(block: Block) -> str:
    fields = [name.strip().strip("%") for name in block.personalization.fields]
    return ", ".join(name for name in fields if name) or "the lead's fields"

"""Skeletons: the template language (`%field%`, `&&instruction&&`) and the judge.

Pure: no settings, no database, no network. Services build a JudgeSettings from Settings
and the workspace's house rules.
"""

from coldcraft.skeletons.judge import (
    RULES,
    JudgeContext,
    JudgeSettings,
    RuleInfo,
    judge_email,
    judge_skeleton,
)
from coldcraft.skeletons.schema import (
    LEAD_FIELDS,
    SENDER_FIELDS,
    Block,
    CampaignInfo,
    Issue,
    Lead,
    Personalization,
    Sender,
    Skeleton,
    passed,
)
from coldcraft.skeletons.template import (
    AIBlock,
    CompiledTemplate,
    MergeField,
    MergeValues,
    Rendered,
    Segment,
    TemplateSyntaxError,
    Text,
    compile_template,
    is_known_field,
    merge_field_names,
    parse,
    parse_tolerant,
    render,
)

__all__ = [
    "LEAD_FIELDS",
    "RULES",
    "SENDER_FIELDS",
    "AIBlock",
    "Block",
    "CampaignInfo",
    "CompiledTemplate",
    "Issue",
    "JudgeContext",
    "JudgeSettings",
    "Lead",
    "MergeField",
    "MergeValues",
    "Personalization",
    "Rendered",
    "RuleInfo",
    "Segment",
    "Sender",
    "Skeleton",
    "TemplateSyntaxError",
    "Text",
    "compile_template",
    "is_known_field",
    "judge_email",
    "judge_skeleton",
    "merge_field_names",
    "parse",
    "parse_tolerant",
    "passed",
    "render",
]

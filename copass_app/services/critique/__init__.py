"""The automatic critique: rules that propose glosas with their TISS table 38 code.

- `context`: what the rules read about a guide as billed, loaded per batch or per draft;
- `rules`: the rules, plain functions `(guide, setting) -> findings`;
- `settings`: the staff's settings per rule, for all providers or one;
- `proposals`: the operator's side, proposals written when the analysis starts;
- `preview`: the provider's side, the same findings shown before anything is decided.
"""

from copass_app.services.critique.context import GuideContext, ItemContext, ItemRef
from copass_app.services.critique.preview import (
    BatchPreview,
    CritiquePreview,
    DraftPreview,
    GuidePreview,
    ItemPreview,
    preview_batch,
    preview_draft,
)
from copass_app.services.critique.proposals import batch_findings, critique_batch
from copass_app.services.critique.rules import RULES, Finding, RuleSetting, critique
from copass_app.services.critique.settings import (
    RuleSettingView,
    effective_settings,
    parse_tolerance,
    rule_settings,
    set_rule,
)

__all__ = [
    "RULES",
    "BatchPreview",
    "CritiquePreview",
    "DraftPreview",
    "Finding",
    "GuideContext",
    "GuidePreview",
    "ItemContext",
    "ItemPreview",
    "ItemRef",
    "RuleSetting",
    "RuleSettingView",
    "batch_findings",
    "critique",
    "critique_batch",
    "effective_settings",
    "parse_tolerance",
    "preview_batch",
    "preview_draft",
    "rule_settings",
    "set_rule",
]

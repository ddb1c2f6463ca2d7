"""Faturamento de atendimentos: the provider's draft of what to bill, and its confirmation into batches.

- `draft`: choose the period, check guides, correct dates, add items, cancel;
- `confirm`: the checked guides become batches, in the caller's transaction;
- `queries`: what is billable and chosen, the totals, one page of guides;
- `period`: the rules for what the provider types (period or competência, dates, quantities, values).

Every function takes the caller's session and only adds and flushes: a page event, the CLI or
the API runs it in `unit_of_work.perform(...)` (confirmation with `retries=CONFIRM_RETRIES`).
"""

from copass_app.services.billing.confirm import (
    CONFIRM_RETRIES,
    MAX_GUIDES_PER_BATCH,
    NOTHING_CHOSEN,
    REFRESH,
    confirm_draft,
)
from copass_app.services.billing.draft import (
    ANALYZE_AFTER_OFFERING,
    OPENED_IN_ANOTHER_TAB,
    RepeatedItem,
    add_extra_item,
    cancel_draft,
    change_performed_date,
    correct_performed_date,
    get_draft,
    open_draft,
    remove_extra_item,
    set_all_included,
    set_guide_included,
    toggle_guide,
    would_discard_changes,
)
from copass_app.services.billing.period import BOTH_PERIODS, MAX_PERIOD_DAYS, NO_PERIOD
from copass_app.services.billing.queries import AUTHORIZED, GUIDE_NOT_IN_DRAFT, NO_DRAFT, draft_page
from copass_app.services.billing.views import ConfirmedBatch, DraftGuideView, DraftItemView, DraftPage, DraftSummary
from copass_app.services.paging import MAX_PAGE_SIZE, PAGE_SIZE

__all__ = [
    "ANALYZE_AFTER_OFFERING",
    "AUTHORIZED",
    "BOTH_PERIODS",
    "CONFIRM_RETRIES",
    "GUIDE_NOT_IN_DRAFT",
    "MAX_GUIDES_PER_BATCH",
    "MAX_PAGE_SIZE",
    "MAX_PERIOD_DAYS",
    "NOTHING_CHOSEN",
    "NO_DRAFT",
    "NO_PERIOD",
    "OPENED_IN_ANOTHER_TAB",
    "PAGE_SIZE",
    "REFRESH",
    "RepeatedItem",
    "ConfirmedBatch",
    "DraftGuideView",
    "DraftItemView",
    "DraftPage",
    "DraftSummary",
    "add_extra_item",
    "cancel_draft",
    "change_performed_date",
    "confirm_draft",
    "correct_performed_date",
    "draft_page",
    "get_draft",
    "open_draft",
    "remove_extra_item",
    "set_all_included",
    "set_guide_included",
    "toggle_guide",
    "would_discard_changes",
]

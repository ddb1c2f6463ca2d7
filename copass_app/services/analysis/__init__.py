"""The operator's analysis of received batches (staff only): the queue, the analysis screen, the
analyst's decisions item by item (accept, glosa, the critique's proposals) and finishing it.

- `queue`: Lotes recebidos, filtered and paged, with counts per status;
- `screen`: Análise do lote, guides → items with their glosas and proposals, and the totals;
- `decisions`: every change, only while the batch is in analysis, each audited;
- `reasons`: TISS table 38, searchable, for picking a glosa's reason.
"""

from copass_app.services.analysis.decisions import (
    ALREADY_ANALYSED,
    accept_all,
    accept_all_proposals,
    accept_item,
    accept_proposal,
    apply_glosa,
    discard_proposal,
    finish_analysis,
    remove_glosa,
)
from copass_app.services.analysis.queue import received_queue
from copass_app.services.analysis.reasons import glosa_reasons
from copass_app.services.analysis.screen import batch_analysis
from copass_app.services.analysis.views import (
    BatchAnalysis,
    GlosaReason,
    GlosaView,
    GuideAnalysis,
    ItemAnalysis,
    ReceivedBatch,
)

__all__ = [
    "ALREADY_ANALYSED",
    "BatchAnalysis",
    "GlosaReason",
    "GlosaView",
    "GuideAnalysis",
    "ItemAnalysis",
    "ReceivedBatch",
    "accept_all",
    "accept_all_proposals",
    "accept_item",
    "accept_proposal",
    "apply_glosa",
    "batch_analysis",
    "discard_proposal",
    "finish_analysis",
    "glosa_reasons",
    "received_queue",
    "remove_glosa",
]

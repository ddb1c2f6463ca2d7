"""The TISS messages the portal writes: the ENVIO_LOTE_GUIAS of its own guides (lot export),
and the PROTOCOLO_RECEBIMENTO it answers with (receipt or refusal). The money half's messages are in
`statements` (DEMONSTRATIVO_ANALISE_CONTA, DEMONSTRATIVO_PAGAMENTO), `appeals` (RECURSO_GLOSA,
RECEBIMENTO_RECURSO_GLOSA) and `appeal_reading` (an uploaded RECURSO_GLOSA).

Production code only: who sends, to whom and when always come from the caller; sample lots for
tests and the benchmark live in tests/corpus/samples.py.
"""

from copass_app.tiss.messages.lots import NO_CNES, GuideSpec, ItemSpec, LotSpec, ProfessionalSpec, build_lot
from copass_app.tiss.messages.receipts import (
    ReceiptGuide,
    ReceiptParty,
    build_lot_refusal,
    build_protocol_receipt,
    receipt_guides,
    refusal_summary,
)

__all__ = [
    "NO_CNES", "GuideSpec", "ItemSpec", "LotSpec", "ProfessionalSpec", "ReceiptGuide", "ReceiptParty", "build_lot",
    "build_lot_refusal", "build_protocol_receipt", "receipt_guides", "refusal_summary",
]

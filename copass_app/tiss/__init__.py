"""TISS 4.03.00: the official XSDs, hardened parsing, checks 1–5, the epilogo hash,
the error/glosa codes (table 38) and the messages the portal writes (tiss.messages).

No database and no reflex here: services, pages and the CLI call into this package.
`copass validate` imports it on every run, so the message builders load on first use only.
"""

from typing import TYPE_CHECKING, Any

from copass_app.tiss.codes import all_codes, describe
from copass_app.tiss.hash import compact_hash, compute_hash, set_hash
from copass_app.tiss.model import (
    GUIDE_CONSULTA,
    GUIDE_HONORARIOS,
    GUIDE_LABELS,
    GUIDE_ODONTO,
    GUIDE_RESUMO_INTERNACAO,
    GUIDE_SP_SADT,
    GUIDE_TYPES,
    LotIssue,
    LotValidation,
    ParsedGuide,
    ParsedItem,
)
from copass_app.tiss.parsing import TissParseError, parse_xml, read_limited
from copass_app.tiss.schema import SchemaPinError, get_schema, verify_schema_pins
from copass_app.tiss.validation import validate_file, validate_lot, validate_stream

__all__ = [
    "GUIDE_CONSULTA", "GUIDE_HONORARIOS", "GUIDE_LABELS", "GUIDE_ODONTO", "GUIDE_RESUMO_INTERNACAO",
    "GUIDE_SP_SADT", "GUIDE_TYPES", "GuideSpec", "ItemSpec", "LotIssue", "LotSpec", "LotValidation",
    "ParsedGuide", "ParsedItem", "ProfessionalSpec", "ReceiptGuide", "ReceiptParty", "SchemaPinError",
    "TissParseError", "all_codes", "build_lot", "build_lot_refusal", "build_protocol_receipt",
    "compact_hash", "compute_hash", "describe", "get_schema", "parse_xml", "read_limited",
    "receipt_guides", "refusal_summary", "set_hash", "validate_file", "validate_lot", "validate_stream",
    "verify_schema_pins",
]

_MESSAGES = {
    "GuideSpec", "ItemSpec", "LotSpec", "ProfessionalSpec", "ReceiptGuide", "ReceiptParty", "build_lot",
    "build_lot_refusal", "build_protocol_receipt", "receipt_guides", "refusal_summary",
}

if TYPE_CHECKING:
    from copass_app.tiss.messages import (
        GuideSpec,
        ItemSpec,
        LotSpec,
        ProfessionalSpec,
        ReceiptGuide,
        ReceiptParty,
        build_lot,
        build_lot_refusal,
        build_protocol_receipt,
        receipt_guides,
        refusal_summary,
    )


def __getattr__(name: str) -> Any:
    if name in _MESSAGES:
        from copass_app.tiss import messages

        return getattr(messages, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

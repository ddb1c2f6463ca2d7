"""Plain data the service layer fills for the report renderers.

Reports never query: a service builds one of these frozen records and hands
it to a renderer, so the PDFs can be tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


def _require_decimal(name: str, value: object) -> None:
    # A float here would already have lost cents; fail where it came in.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} deve ser Decimal, recebeu {type(value).__name__}")


@dataclass(frozen=True)
class ProtocolGuideLine:
    """One guide of a received batch, as printed on the protocol."""

    beneficiary_name: str
    card_number: str  # numeroCarteira
    provider_guide_number: str  # numeroGuiaPrestador
    operator_guide_number: str | None  # numeroGuiaOperadora, when the operator assigned one
    guide_type_label: str  # e.g. "SP/SADT", "Consulta"
    performed_date: date | None  # data de realização
    value: Decimal

    def __post_init__(self) -> None:
        _require_decimal("value", self.value)


@dataclass(frozen=True)
class ProtocolReport:
    """Receipt of a batch (lote) the operator received: the 'protocolo'."""

    operator_name: str
    operator_ans_registry: str  # registro ANS, 6 digits
    provider_name: str
    provider_code: str  # codigoPrestadorNaOperadora
    provider_document: str  # CNPJ or CPF, digits (formatted on print)
    protocol_number: str
    received_at: datetime
    competence: str  # 'YYYY-MM'
    origin_label: str  # from the vocabulary: billed in the portal, or a TISS XML file
    lot_number: str  # numeroLote
    guides: list[ProtocolGuideLine]
    total: Decimal

    def __post_init__(self) -> None:
        _require_decimal("total", self.total)


@dataclass(frozen=True)
class ErrorLine:
    """One problem found in an uploaded TISS XML file."""

    guide_number: str | None  # None: the error concerns the whole file
    code: str | None  # TISS error code (e.g. '5014'), when one applies
    code_description: str | None  # its description from the TISS table
    line: int | None  # line in the XML file, when known
    path: str  # element path, e.g. '/ans:mensagemTISS/ans:cabecalho/...'
    message: str  # what is wrong, in Portuguese


@dataclass(frozen=True)
class ErrorReport:
    """Printable report of why an uploaded XML file was refused."""

    file_name: str
    received_at: datetime
    md5: str
    size_bytes: int
    provider_name: str
    provider_code: str
    user_login: str
    errors: list[ErrorLine]

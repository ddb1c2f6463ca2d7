"""Builders of realistic report data shared by the report tests."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from pypdf import PdfReader

from copass_app.models import BatchOrigin
from copass_app.reports.data import (
    ErrorLine,
    ErrorReport,
    ProtocolGuideLine,
    ProtocolReport,
)
from copass_app.vocabulary import BATCH_ORIGIN

DEEP_PATH = (
    "/ans:mensagemTISS/ans:prestadorParaOperadora/ans:loteGuias/ans:guiasTISS/"
    "ans:guiaSP-SADT[2]/ans:procedimentosExecutados/ans:procedimentoExecutado[3]/"
    "ans:procedimento/ans:codigoProcedimento"
)


def pdf_pages_text(pdf: bytes) -> list[str]:
    """What a user would read, page by page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def make_guide(i: int, name: str | None = None, value: str = "1234.56") -> ProtocolGuideLine:
    return ProtocolGuideLine(
        beneficiary_name=name or f"Beneficiário Número {i:03d}",
        card_number=f"{i:020d}",
        provider_guide_number=f"G{i:06d}",
        operator_guide_number=f"OP{i:06d}" if i % 2 else None,
        guide_type_label="SP/SADT",
        performed_date=date(2026, 12, i % 28 + 1),
        value=Decimal(value),
    )


def make_protocol(guides: list[ProtocolGuideLine], **overrides) -> ProtocolReport:
    fields = dict(
        operator_name="Operadora Saúde Exemplo",
        operator_ans_registry="123456",
        provider_name="Clínica São José Ltda",
        provider_code="000987",
        provider_document="12345678000190",
        protocol_number="2026000123",
        received_at=datetime(2026, 12, 31, 14, 5),
        competence="2026-12",
        origin_label=BATCH_ORIGIN.label(BatchOrigin.XML),
        lot_number="LOTE-77",
        guides=guides,
        total=sum((g.value for g in guides), Decimal("0")),
    )
    fields.update(overrides)
    return ProtocolReport(**fields)


def make_error_report(**overrides) -> ErrorReport:
    errors = [
        ErrorLine("12345", "1801", "PROCEDIMENTO INVÁLIDO", 120, DEEP_PATH,
                  "O procedimento 99999999 não existe na tabela 22."),
        ErrorLine(None, "5014", "CÓDIGO HASH INVÁLIDO", 2, "/ans:mensagemTISS/ans:epilogo/ans:hash",
                  "O hash do epílogo não confere com o conteúdo."),
        ErrorLine("67890", None, None, None, "/ans:mensagemTISS/ans:guiaConsulta",
                  "Data de atendimento posterior à data de envio."),
        ErrorLine("12345", "1323", "DATA PREENCHIDA INCORRETAMENTE", 130, DEEP_PATH,
                  "Data de realização 31/02/2026 é inválida."),
    ]
    fields = dict(
        file_name="lote_000123.xml",
        received_at=datetime(2026, 12, 31, 9, 30),
        md5="9e107d9d372bb6826bd81d3542a419d6",
        size_bytes=48213,
        provider_name="Clínica São José Ltda",
        provider_code="000987",
        user_login="maria.souza",
        errors=errors,
    )
    fields.update(overrides)
    return ErrorReport(**fields)

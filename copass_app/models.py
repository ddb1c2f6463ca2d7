"""Database tables (SQLModel). Plain SQLModel, not rx.Model, so services stay free of reflex."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from copass_app import clock
from copass_app.dbtypes import Money, Quantity


class Role(StrEnum):
    PROVIDER = "provider"
    STAFF = "staff"
    ADMIN = "admin"


class GuideType(StrEnum):
    CONSULTA = "CONSULTA"
    SP_SADT = "SP_SADT"
    RESUMO_INTERNACAO = "RESUMO_INTERNACAO"
    HONORARIOS = "HONORARIOS"
    ODONTO = "ODONTO"


class GuideStatus(StrEnum):
    """TISS dm_statusSolicitacao."""

    AUTORIZADO = "1"
    EM_ANALISE = "2"
    NEGADO = "3"
    AGUARDANDO_JUSTIFICATIVA = "4"
    AGUARDANDO_DOCUMENTACAO = "5"
    CANCELADA = "6"
    AUTORIZADO_PARCIALMENTE = "7"


class BatchStatus(StrEnum):
    """TISS dm_statusProtocolo."""

    RECEBIDO = "1"
    EM_ANALISE = "2"
    LIBERADO_PAGAMENTO = "3"
    ENCERRADO_SEM_PAGAMENTO = "4"
    ANALISADO_AGUARDANDO_LIBERACAO = "5"
    PAGO = "6"
    CANCELADO = "9"


class BatchOrigin(StrEnum):
    WEB = "WEB"
    XML = "XML"
    TYPED = "TYPED"  # typed attendances closed on "Encerrar Fatura" (clinical_models.TypedAttendance)


def utcnow() -> datetime:
    """Column defaults read the app's one clock (aware UTC)."""
    return clock.now()


class Operator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    registro_ans: str = Field(max_length=6, unique=True)
    name: str
    cnpj: str = Field(max_length=14)


class Provider(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    code: str = Field(max_length=14, description="codigoPrestadorNaOperadora")
    name: str
    document: str = Field(max_length=14, description="CNPJ or CPF, digits only")
    cnes: str = Field(default="", max_length=7)
    kind: str = Field(default="", description="clínica, laboratório, hospital…")
    bank: str = ""
    agency: str = ""
    account: str = ""
    tax_profile: str = Field(default="", description="regime tributário, for the deductions")
    # Withholding rates in percent; NULL means the default (services/withholdings.py).
    municipality: str = ""
    iss_rate: Decimal | None = Field(default=None, sa_type=Quantity)
    irrf_rate: Decimal | None = Field(default=None, sa_type=Quantity)
    pis_rate: Decimal | None = Field(default=None, sa_type=Quantity)
    cofins_rate: Decimal | None = Field(default=None, sa_type=Quantity)
    csll_rate: Decimal | None = Field(default=None, sa_type=Quantity)

    __table_args__ = (UniqueConstraint("operator_id", "code", name="uq_provider_code"),)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    name: str
    password_hash: str
    role: Role = Field(sa_type=Text)
    provider_id: int | None = Field(default=None, foreign_key="provider.id", index=True)
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    # Idle expiry: touched at most once a minute (not a write per event); None on rows older than 0003.
    last_seen_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed login from one source address: counted over a window to slow a guessing address down.

    Rows, not a counter in memory, so every worker sees the same count."""

    __tablename__ = "login_failure"
    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_login_failure_address_at", "address", "at"),)


class Beneficiary(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    card_number: str = Field(max_length=20, unique=True)
    name: str
    name_search: str = Field(index=True, description="name lower-cased without accents, for search")
    birth_date: date


class Guide(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    beneficiary_id: int = Field(foreign_key="beneficiary.id", index=True)
    guide_type: GuideType = Field(sa_type=Text)
    provider_guide_number: str = Field(max_length=20)
    operator_guide_number: str = Field(default="", max_length=20)
    authorization_password: str = Field(default="", max_length=20)
    status: GuideStatus = Field(sa_type=Text)
    requested_on: date
    authorized_on: date | None = None
    performed_on: date | None = None
    valid_until: date | None = None
    total_value: Decimal = Field(default=Decimal("0"), sa_type=Money)
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        UniqueConstraint("provider_id", "provider_guide_number", name="uq_guide_provider_number"),
        Index("ix_guide_provider_requested", "provider_id", "requested_on"),
        Index("ix_guide_provider_status_requested", "provider_id", "status", "requested_on"),
        Index("ix_guide_provider_performed", "provider_id", "performed_on"),
    )


class GuideStatusHistory(SQLModel, table=True):
    __tablename__ = "guide_status_history"
    id: int | None = Field(default=None, primary_key=True)
    guide_id: int = Field(foreign_key="guide.id", index=True)
    status: GuideStatus = Field(sa_type=Text)
    changed_at: datetime
    note: str = ""


class GuideItem(SQLModel, table=True):
    __tablename__ = "guide_item"
    id: int | None = Field(default=None, primary_key=True)
    guide_id: int = Field(foreign_key="guide.id", index=True)
    table_code: str = Field(max_length=2, description="TUSS table: 22, 18, 19, 20 or 00")
    code: str = Field(max_length=10)
    description: str
    authorized_qty: Decimal = Field(sa_type=Quantity)
    performed_qty: Decimal = Field(sa_type=Quantity)
    unit_value: Decimal = Field(sa_type=Money)


class CatalogItem(SQLModel, table=True):
    __tablename__ = "catalog_item"
    id: int | None = Field(default=None, primary_key=True)
    table_code: str = Field(max_length=2)
    code: str = Field(max_length=10)
    name: str
    name_search: str = Field(description="lower-cased without accents, for search")
    unit: str = Field(default="UN", max_length=10)
    price: Decimal = Field(sa_type=Money, description="contracted price")

    __table_args__ = (
        UniqueConstraint("table_code", "code", name="uq_catalog_code"),
        Index("ix_catalog_table_name", "table_code", "name_search"),
    )


class Batch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    lot_number: str = Field(max_length=12, description="numeroLote")
    protocol_number: str = Field(max_length=20, unique=True)
    origin: BatchOrigin = Field(sa_type=Text)
    guide_type: GuideType = Field(sa_type=Text)
    competence: str = Field(max_length=7, description="YYYY-MM")
    status: BatchStatus = Field(sa_type=Text)
    guide_count: int = 0
    total_value: Decimal = Field(default=Decimal("0"), sa_type=Money)
    glosa_value: Decimal = Field(default=Decimal("0"), sa_type=Money)
    approved_value: Decimal = Field(default=Decimal("0"), sa_type=Money, description="total − glosa, once analysed")
    received_at: datetime = Field(default_factory=utcnow)
    created_by: int = Field(foreign_key="user.id")
    processed_at: datetime | None = None
    paid_at: datetime | None = None
    reversed_at: datetime | None = None
    reversed_by: int | None = Field(default=None, foreign_key="user.id")
    analysed_at: datetime | None = None
    analysed_by: int | None = Field(default=None, foreign_key="user.id")

    __table_args__ = (
        UniqueConstraint("provider_id", "lot_number", name="uq_batch_lot_number"),
        Index("ix_batch_provider_received", "provider_id", "received_at"),
    )


class BatchGuide(SQLModel, table=True):
    __tablename__ = "batch_guide"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    guide_id: int = Field(foreign_key="guide.id", index=True)
    performed_on: date
    total_value: Decimal = Field(sa_type=Money)


class BatchItem(SQLModel, table=True):
    __tablename__ = "batch_item"
    id: int | None = Field(default=None, primary_key=True)
    batch_guide_id: int = Field(foreign_key="batch_guide.id", index=True)
    guide_item_id: int | None = Field(default=None, foreign_key="guide_item.id", index=True)
    table_code: str = Field(max_length=2)
    code: str = Field(max_length=10)
    description: str
    quantity: Decimal = Field(sa_type=Quantity)
    unit_value: Decimal = Field(sa_type=Money)
    total_value: Decimal = Field(sa_type=Money)
    approved_value: Decimal | None = Field(default=None, sa_type=Money, description="NULL until the analyst decides")


class BilledItem(SQLModel, table=True):
    """One row per guide item in a live batch: the unique key makes double billing impossible.

    Estorno deletes the rows of its batch, so the items become billable again while the
    batch items stay as history.
    """

    __tablename__ = "billed_item"
    guide_item_id: int = Field(foreign_key="guide_item.id", primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)


class Protocol(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="batch.id", unique=True)
    number: str = Field(max_length=20, unique=True)
    issued_at: datetime = Field(default_factory=utcnow)
    receipt_xml: bytes | None = None


class UploadRecord(SQLModel, table=True):
    __tablename__ = "upload_record"
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    via: str = Field(default="WEB", max_length=8, description="WEB or API")
    file_name: str
    size_bytes: int
    md5: str = Field(max_length=32)
    lot_number: str = ""
    received_at: datetime = Field(default_factory=utcnow)
    accepted: bool = False
    error_count: int = 0
    errors_json: str = "[]"
    stored_path: str = Field(default="", description="private storage, never the public upload dir")
    batch_id: int | None = Field(default=None, foreign_key="batch.id")


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    name: str
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiRateWindow(SQLModel, table=True):
    """Requests of one API token in one minute (fixed window), counted in the database so workers agree."""

    __tablename__ = "api_rate_window"
    token_id: int = Field(foreign_key="api_token.id", primary_key=True)
    window_start: datetime = Field(primary_key=True)
    requests: int = 0


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    provider_id: int | None = Field(default=None, foreign_key="provider.id")
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: str = ""
    detail: str = ""
    # The login as known or typed (also for an unknown login) and the client's address.
    login: str = Field(default="", max_length=64)
    source: str = Field(default="", max_length=64)

    __table_args__ = (
        Index("ix_audit_log_provider_at", "provider_id", "at"),
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_login", "login"),
    )


class BillingDraft(SQLModel, table=True):
    """What a provider user is preparing on "Faturamento de atendimentos", kept until confirmed or cancelled."""

    __tablename__ = "billing_draft"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    period_start: date
    period_end: date
    competence: str = Field(max_length=7, description="YYYY-MM")
    # "Select all / none" flips the default; DraftGuide rows hold the exceptions.
    include_by_default: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DraftGuide(SQLModel, table=True):
    __tablename__ = "draft_guide"
    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="billing_draft.id", index=True)
    guide_id: int = Field(foreign_key="guide.id")
    included: bool | None = None
    performed_on: date | None = Field(default=None, description="the provider's correction of Realização")

    __table_args__ = (UniqueConstraint("draft_id", "guide_id", name="uq_draft_guide"),)


class DraftExtraItem(SQLModel, table=True):
    """A fee, material or medication the provider adds to a guide before billing it."""

    __tablename__ = "draft_extra_item"
    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="billing_draft.id", index=True)
    guide_id: int = Field(foreign_key="guide.id")
    table_code: str = Field(max_length=2)
    code: str = Field(max_length=10)
    description: str
    quantity: Decimal = Field(sa_type=Quantity)
    unit_value: Decimal = Field(sa_type=Money)
    created_at: datetime = Field(default_factory=utcnow)


# The money half's and the clinical half's (typed attendances, the TISS content of billed guides)
# tables live in their own modules; importing them here registers them with the metadata wherever
# the models are loaded (migrations, the drift test, the app).
from copass_app.clinical_models import (  # noqa: E402, F401
    AttendanceStatus,
    BatchGuideDetail,
    DetailSource,
    TypedAttendance,
)
from copass_app.money_models import (  # noqa: E402, F401
    Appeal,
    AppealStatus,
    CritiqueSetting,
    Glosa,
    GlosaSource,
    GlosaStatus,
    Payment,
    PaymentBatch,
    PaymentWithholding,
    Tax,
)

"""Tables of the money half: glosas, appeals (recursos de glosa), payments and their
withholdings, and the staff's critique settings. Registered with the metadata by models.py."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from copass_app.dbtypes import Money, Quantity
from copass_app.models import utcnow


class GlosaStatus(StrEnum):
    PROPOSTA = "PROPOSTA"  # proposed by the automatic critique, waiting for a person
    APLICADA = "APLICADA"
    DESCARTADA = "DESCARTADA"


class GlosaSource(StrEnum):
    CRITICA = "CRITICA"
    ANALISTA = "ANALISTA"


class AppealStatus(StrEnum):
    PENDENTE = "PENDENTE"
    ACEITO = "ACEITO"
    ACEITO_PARCIAL = "ACEITO_PARCIAL"
    RECUSADO = "RECUSADO"


class Tax(StrEnum):
    IRRF = "IRRF"
    PIS = "PIS"
    COFINS = "COFINS"
    CSLL = "CSLL"
    ISS = "ISS"


class Glosa(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    batch_item_id: int = Field(foreign_key="batch_item.id", index=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    reason_code: str = Field(max_length=4, description="TISS tabela 38")
    value: Decimal = Field(sa_type=Money)
    note: str = ""
    status: GlosaStatus = Field(default=GlosaStatus.APLICADA, sa_type=Text)
    source: GlosaSource = Field(default=GlosaSource.ANALISTA, sa_type=Text)
    rule: str = Field(default="", max_length=40, description="critique rule that proposed it")
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None

    __table_args__ = (
        # At most one applied glosa per item.
        Index("uq_glosa_applied_item", "batch_item_id", unique=True,
              sqlite_where=text("status = 'APLICADA'"), postgresql_where=text("status = 'APLICADA'")),
    )


class Appeal(SQLModel, table=True):
    """Recurso de glosa: the provider contests an applied glosa; staff accept it, partly, or refuse."""

    id: int | None = Field(default=None, primary_key=True)
    glosa_id: int = Field(foreign_key="glosa.id", index=True)
    batch_id: int = Field(foreign_key="batch.id", index=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    contested_value: Decimal = Field(sa_type=Money)
    justification: str
    status: AppealStatus = Field(default=AppealStatus.PENDENTE, sa_type=Text)
    accepted_value: Decimal | None = Field(default=None, sa_type=Money)
    decision_note: str = ""
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    payment_id: int | None = Field(default=None, foreign_key="payment.id", index=True)

    __table_args__ = (
        # One open appeal per glosa.
        Index("uq_appeal_open_glosa", "glosa_id", unique=True,
              sqlite_where=text("status = 'PENDENTE'"), postgresql_where=text("status = 'PENDENTE'")),
    )


class Payment(SQLModel, table=True):
    """Demonstrativo de pagamento: what was paid to one provider on one date, and how it adds up."""

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="provider.id", index=True)
    number: str = Field(max_length=20, unique=True)
    paid_on: date
    gross_value: Decimal = Field(sa_type=Money, description="billed total of its batches")
    glosa_value: Decimal = Field(sa_type=Money)
    approved_value: Decimal = Field(sa_type=Money, description="gross − glosa")
    appeals_value: Decimal = Field(default=Decimal("0"), sa_type=Money, description="accepted appeals paid here")
    withholding_value: Decimal = Field(sa_type=Money)
    net_value: Decimal = Field(sa_type=Money, description="approved + appeals − withholdings")
    bank: str = ""
    agency: str = ""
    account: str = ""
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class PaymentBatch(SQLModel, table=True):
    __tablename__ = "payment_batch"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    batch_id: int = Field(foreign_key="batch.id", unique=True, description="a batch is paid once")


class PaymentWithholding(SQLModel, table=True):
    __tablename__ = "payment_withholding"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    tax: Tax = Field(sa_type=Text)
    base: Decimal = Field(sa_type=Money)
    rate_percent: Decimal = Field(sa_type=Quantity)
    value: Decimal = Field(sa_type=Money)


class CritiqueSetting(SQLModel, table=True):
    """A critique rule on or off, with its tolerance, for every provider (provider_id NULL) or for one."""

    __tablename__ = "critique_setting"
    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=40)
    provider_id: int | None = Field(default=None, foreign_key="provider.id")
    enabled: bool = True
    tolerance_percent: Decimal = Field(default=Decimal("0"), sa_type=Quantity)
    updated_by: int = Field(foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (
        UniqueConstraint("rule", "provider_id", name="uq_critique_rule_provider"),
        # NULLs are distinct in a unique key: one general row per rule needs its own index.
        Index("uq_critique_rule_general", "rule", unique=True,
              sqlite_where=text("provider_id IS NULL"), postgresql_where=text("provider_id IS NULL")),
    )

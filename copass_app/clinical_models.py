"""Tables of the clinical half of a guide (issue 12): typed attendances and every billed guide's TISS
content. Registered with the metadata by models.py, like money_models.

Two JSON columns, each checked by a schema when written (copass_app.tiss.clinical):

- `typed_attendance.detail`: the fields the provider typed on "Digitação de atendimentos" (executing
  professional, caráter de atendimento, tipo de consulta, indicação de acidente, regime and tipo de
  atendimento…), checked by the pydantic model of its guide type against the official XSD's domains;
- `batch_guide_detail.guide`: the TISS 4.03.00 guide element of a billed guide as the operator received
  it, in element order (a lossless JSON form of the XML): read from the uploaded lot, or built from the
  typed attendance when it is closed, or from the portal's own data when web billing confirms. The
  whole message is checked by the official XSD whenever it is written out (services.lot_export).

A guide with no `batch_guide_detail` row was billed before this table existed (legacy): its XML is
exported with the portal's defaults for the clinical fields, as before.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Index, Text
from sqlmodel import Field, SQLModel

from copass_app import clock


def utcnow() -> datetime:
    """Column defaults read the app's one clock (aware UTC); no import of models, which imports this."""
    return clock.now()


class DetailSource(StrEnum):
    """Where the TISS content of a billed guide came from."""

    XML = "XML"  # the provider's uploaded lot, as sent
    TYPED = "TYPED"  # the provider's typed attendance, as typed
    PORTAL = "PORTAL"  # web billing: the portal's guide data, clinical fields the portal's defaults


class AttendanceStatus(StrEnum):
    """A typed attendance's situation, derived (never stored): its items in a live batch or not."""

    DIGITADO = "DIGITADO"  # open: editable and deletable, waiting for "Encerrar Fatura"
    FECHADO = "FECHADO"  # closed into a batch (until an estorno of that batch)


class TypedAttendance(SQLModel, table=True):
    """A guide the provider typed (consulta or SP/SADT): the Guide row plus what was typed.

    Open ("digitado") while none of its items is in a live batch, so it can be edited or deleted;
    closed once "Encerrar Fatura" put its items in a batch; an estorno of that batch opens it again.
    """

    __tablename__ = "typed_attendance"
    guide_id: int = Field(foreign_key="guide.id", primary_key=True)
    provider_id: int = Field(foreign_key="provider.id")
    competence: str = Field(max_length=7, description="YYYY-MM it is billed in")
    detail: dict = Field(sa_type=JSON, description="the typed clinical fields (tiss.clinical)")
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_typed_attendance_provider_competence", "provider_id", "competence"),)


class BatchGuideDetail(SQLModel, table=True):
    """The TISS guide element of one billed guide (batch_guide), as JSON in element order."""

    __tablename__ = "batch_guide_detail"
    batch_guide_id: int = Field(foreign_key="batch_guide.id", primary_key=True)
    source: DetailSource = Field(sa_type=Text)
    guide: list = Field(sa_type=JSON, description="[tag, text | [children…]] of the guide element")

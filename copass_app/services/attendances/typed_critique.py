"""The automatic critique run on an attendance as typed (the form's warnings), before it is saved."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from copass_app import clock
from copass_app.models import (
    Beneficiary,
    Guide,
    GuideItem,
    Provider,
    TypedAttendance,
)
from copass_app.services.access import Actor, require_provider
from copass_app.services.attendances.checks import CheckedLine, check_input
from copass_app.services.attendances.forms import AttendanceInput, FindingView
from copass_app.services.attendances.open_closed import own_attendance
from copass_app.services.critique.context import (
    PROCEDURE_TABLE,
    GuideContext,
    ItemContext,
    ItemRef,
    _billed_elsewhere,
    _Guide,
)
from copass_app.services.critique.rules import critique
from copass_app.services.critique.settings import effective_settings

# --- the critique, as typed --------------------------------------------------------------------------


def preview_findings(db: Session, actor: Actor, data: AttendanceInput, *, guide_id: int | None = None,
                     now: datetime | None = None) -> list[FindingView]:
    """The automatic critique's findings on the attendance as typed (nothing is saved): warnings for the
    form. A form that does not pass the field checks raises AttendanceInvalid, like saving it."""
    provider_id = require_provider(actor)
    if guide_id is not None:
        own_attendance(db, actor, guide_id)
    checked = check_input(db, db.get(Provider, provider_id), data, today=clock.brasilia_date(now or clock.now()),
                     guide_id=guide_id)
    return findings_for(db, provider_id, None, checked.beneficiary, checked.performed_on, checked.lines,
                     number=checked.number or "(nova)")


def findings_for(db: Session, provider_id: int, guide: Guide | None, beneficiary: Beneficiary, performed_on: date,
              lines: list[CheckedLine], *, number: str = "") -> list[FindingView]:
    operator_id = db.get(Provider, provider_id).operator_id
    key = guide.id if guide else 0
    shell = _Guide(key, provider_id, guide.provider_guide_number if guide else number, beneficiary.id,
                   beneficiary.name, beneficiary.card_number, beneficiary.operator_id == operator_id, performed_on,
                   None)
    earlier = _billed_elsewhere(db, provider_id, [shell], before_batch=None)
    typed_twice = _typed_elsewhere(db, provider_id, beneficiary.id, performed_on, key)
    items = []
    for index, line in enumerate(lines):
        same = (beneficiary.id, line.code, performed_on)
        before = earlier.get(same, "") or typed_twice.get(line.code, "")
        items.append(ItemContext(ItemRef(None, index, None), PROCEDURE_TABLE, line.code, line.description,
                                 line.quantity, line.unit_value, line.total, line.quantity, line.contract_price,
                                 before))
    context = GuideContext(guide_id=key, provider_id=provider_id, guide_number=shell.number,
                           beneficiary_name=beneficiary.name, card_number=beneficiary.card_number,
                           card_known=shell.card_known, performed_on=performed_on, valid_until=None,
                           authorized_procedures=frozenset((PROCEDURE_TABLE, line.code) for line in lines),
                           items=tuple(items))
    return [FindingView(f.rule, f.rule_label, f.reason_code, f.message, f.value, lines[f.item.guide_item_id].code)
            for f in critique([context], effective_settings(db, provider_id))]


def _typed_elsewhere(db: Session, provider_id: int, beneficiary_id: int, performed_on: date,
                     guide_id: int) -> dict[str, str]:
    """Procedure code → the other typed attendance of the same beneficiary and date that has it already."""
    rows = db.exec(
        select(GuideItem.code, func.min(Guide.provider_guide_number))
        .join(Guide, Guide.id == GuideItem.guide_id)
        .join(TypedAttendance, TypedAttendance.guide_id == Guide.id)
        .where(TypedAttendance.provider_id == provider_id, Guide.beneficiary_id == beneficiary_id,
               GuideItem.performed_qty > 0,
               Guide.performed_on == performed_on, Guide.id != guide_id)
        .group_by(GuideItem.code)
    ).all()
    return {code: f"no atendimento digitado {number}" for code, number in rows}

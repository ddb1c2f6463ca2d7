"""Typed attendances ("Digitação de atendimentos"): a provider without billing software types its
consultas and SP/SADT guides over the month; they are kept per competência as "digitado", editable
and deletable until "Encerrar Fatura" (services.closing) closes them into a batch.

A typed attendance is a Guide row (status AUTORIZADO: the provider is the source, nothing waits for
an authorization), its GuideItem rows (the procedures, TUSS 22) and a TypedAttendance row with the
competência and the typed clinical fields (tiss.clinical). It is open while none of its items is in
a live batch: the BilledItem key that makes billing twice impossible also says "closed", and an
estorno of the batch opens it again.

Every field is checked as the TISS 4.03.00 guide needs it (domains read from the official XSD); a
refusal names each wrong field with its own Portuguese message (AttendanceInvalid.fields).

The package, by job: forms (what the form sends and the pages show), checks (every typed field),
open_closed (open while no item is in a live batch; the owner check), records (create, update,
delete, read, list), typed_critique (the critique as typed) and lookups (beneficiaries, procedures).
"""

from copass_app.services.attendances.forms import (
    NOT_FOUND,
    AttendanceInput,
    AttendanceInvalid,
    AttendanceItemView,
    AttendanceRow,
    AttendanceView,
    BeneficiaryHit,
    FindingView,
    ProcedureHit,
    ProcedureInput,
    ProfessionalInput,
)
from copass_app.services.attendances.lookups import find_beneficiaries, search_procedures
from copass_app.services.attendances.records import (
    create_attendance,
    delete_attendance,
    get_attendance,
    list_attendances,
    update_attendance,
)
from copass_app.services.attendances.typed_critique import preview_findings

__all__ = [
    "NOT_FOUND", "AttendanceInput", "AttendanceInvalid", "AttendanceItemView", "AttendanceRow", "AttendanceView",
    "BeneficiaryHit", "FindingView", "ProcedureHit", "ProcedureInput", "ProfessionalInput", "create_attendance",
    "delete_attendance", "find_beneficiaries", "get_attendance", "list_attendances", "preview_findings",
    "search_procedures", "update_attendance",
]

""""Digitação de atendimentos": the form of a guia de consulta or SP/SADT, the critique as the provider
types, and the list of the competência's typed attendances ("digitado") with edit and delete.

The state only holds what the form shows, as typed: the services (services/attendances.py) parse,
check every field against the TISS rules and the XSD's domains and refuse with a Portuguese message
per field, which the page shows under that field.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from copass_app import clock, formatting
from copass_app.models import AttendanceStatus, GuideType
from copass_app.services import attendances as att
from copass_app.services.unit_of_work import TracedRefusal
from copass_app.state import attendance_rows as att_rows
from copass_app.state.auth import call_service, record_id
from copass_app.state.paging import PagedState, select_value

CONSULTA, SP_SADT = str(GuideType.CONSULTA), str(GuideType.SP_SADT)
GUIDE_TYPES = (CONSULTA, SP_SADT)
PROFESSIONAL_PARTS = ("name", "council", "number", "uf", "cbos")
# Every field of the form, by the service's names (AttendanceInvalid.fields uses the same).
COMMON_FIELDS = ("card_number", "performed_on", "provider_guide_number", "accident_indication", "care_regime",
                 "observation", *(f"professional.{p}" for p in PROFESSIONAL_PARTS))
CONSULTA_FIELDS = ("consultation_type",)
SADT_FIELDS = ("care_character", "care_type", "requested_on", "clinical_indication",
               *(f"requester.{p}" for p in PROFESSIONAL_PARTS))
FIELDS = frozenset(COMMON_FIELDS + CONSULTA_FIELDS + SADT_FIELDS)
LINE_FIELDS = ("quantity", "unit_value")
# Pre-selected on a new form: what almost every attendance of a small provider is (the provider may change it).
# Tipo de consulta and tipo de atendimento are left for the provider to choose.
NEW_FORM_DEFAULTS = {"accident_indication": "9", "care_regime": "01", "care_character": "1"}
FIX_FIELDS = "Corrija os campos indicados para salvar o atendimento."
SEARCH_ID = "att-procedure-search"
MAX_PROCEDURES = 99  # more lines than a guide of a small provider ever has; keeps a crafted event small


@dataclass(frozen=True)
class _Invalid:
    """The form refused: the service's message per field (nothing was written)."""

    fields: dict[str, str]


class AttendancesState(PagedState, rx.State):
    rows: list[att_rows.AttendanceLine] = []
    competence: str = ""  # YYYY-MM, as the month input wants it

    editing_id: int = 0  # 0: a new attendance
    editing_number: str = ""
    guide_type: str = CONSULTA
    form: dict[str, str] = {}
    form_version: int = 0  # the fields are uncontrolled: a new version remounts them with the form's values
    search_version: int = 0  # the same for the procedure search and the procedure lines alone
    errors: dict[str, str] = {}
    findings: list[att_rows.FindingLine] = []
    checked: bool = False  # the critique ran on what is typed now (findings, or none)
    lines: list[att_rows.ProcedureLine] = []

    beneficiary_label: str = ""  # the chosen beneficiary: "Nome · carteira"
    beneficiary_hits: list[att_rows.BeneficiaryHitLine] = []
    beneficiary_searched: bool = False
    selected_beneficiary: int = -1

    procedure_hits: list[att_rows.ProcedureHitLine] = []
    procedure_searched: bool = False
    selected_hit: int = -1
    quantity: str = "1"
    unit_value: str = ""
    saved_message: str = ""

    _touched: set[str] = set()

    # ---- the list ---------------------------------------------------------------------------
    async def _reload(self):
        competence, page = self.competence, self.page
        return await self._show_page(
            lambda db, actor: att.list_attendances(db, actor, competence, page=page), att_rows.attendance_line)

    @rx.event
    async def on_load(self):
        self.competence = clock.today().strftime("%Y-%m")
        self.page = 1
        self._new_form(CONSULTA, keep_professional=False)
        return await self._reload()

    @rx.event
    async def set_competence(self, value: str):
        """The month input: the list (and the competência new attendances go to) follows it."""
        text = str(value or "").strip()
        if not text:
            return None
        self.competence = text
        self.page = 1
        return await self._reload()

    # ---- the form ---------------------------------------------------------------------------
    def _new_form(self, guide_type: str, *, keep_professional: bool) -> None:
        kept = {k: v for k, v in self.form.items() if k.startswith("professional.")} if keep_professional else {}
        self.guide_type = guide_type
        self.form = {**NEW_FORM_DEFAULTS, **kept}
        self.editing_id, self.editing_number = 0, ""
        self.errors, self.findings, self.checked = {}, [], False
        self.lines = []
        self.beneficiary_label = ""
        self.beneficiary_hits, self.beneficiary_searched, self.selected_beneficiary = [], False, -1
        self.procedure_hits, self.procedure_searched, self.selected_hit = [], False, -1
        self.quantity, self.unit_value = "1", ""
        self._touched = set()
        self.form_version += 1

    @rx.event
    def new_attendance(self, guide_type: str):
        """"Nova consulta" / "Novo SP/SADT": an empty form (the executing professional is kept)."""
        guide_type = str(select_value(guide_type))
        self._new_form(guide_type if guide_type in GUIDE_TYPES else CONSULTA, keep_professional=True)
        self.saved_message = ""

    @rx.event
    def set_guide_type(self, guide_type: str | list[str]):
        """Switch the type of the form being typed: what both types have stays."""
        guide_type = str(select_value(guide_type))
        if guide_type in GUIDE_TYPES and guide_type != self.guide_type:
            self.guide_type = guide_type
            if guide_type == CONSULTA:
                self.lines = self.lines[:1]  # a consulta has one procedure
            self.errors, self.findings, self.checked = {}, [], False
            self.form_version += 1

    @rx.event
    async def leave_field(self, name: str, value: str):
        """A field left (blur) or a select changed: kept as typed, then the critique reads the form."""
        name = str(name)
        if name not in FIELDS or not isinstance(value, str) or len(value) > 1000:
            return None
        self.form[name] = value
        self._touched.add(name)
        return await self.check()

    @rx.event
    async def leave_beneficiary(self, value: str):
        """The beneficiary field left: a card number typed whole counts as chosen (a name needs a pick)."""
        digits = str(value or "").replace(" ", "").replace(".", "").replace("-", "")
        if digits.isascii() and digits.isdigit() and len(digits) <= 20 and digits != self.form.get("card_number"):
            self.form["card_number"] = digits
            self.beneficiary_label = ""
            self._touched.add("card_number")
            return await self.check()
        return None

    @rx.event
    async def check(self):
        """The critique as the provider types: the service reads the form without saving it."""
        if not self._touched and not self.lines:
            return None
        data = self._input()
        touched = set(self._touched) | {f"procedures[{i}]." for i in range(len(self.lines))}

        def preview(db, actor):
            try:
                return [att_rows.finding_line(f) for f in att.preview_findings(db, actor, data)]
            except att.AttendanceInvalid as invalid:
                fields = dict(invalid.fields)
                raise TracedRefusal(lambda _db: _Invalid(fields)) from None

        found, event = await call_service(self, preview, cached_session=True)
        if found is None:
            return event
        if isinstance(found, _Invalid):
            # Only the fields already typed: a field not reached yet is not an error yet.
            self.errors = {k: v for k, v in found.fields.items() if _was_touched(k, touched)}
            self.findings, self.checked = [], False
            return None
        self.errors, self.findings, self.checked = {}, found, True
        return None

    def _input(self) -> att.AttendanceInput:
        form = self.form
        sadt = self.guide_type == SP_SADT

        def professional(prefix: str) -> att.ProfessionalInput:
            return att.ProfessionalInput(*(form.get(f"{prefix}.{part}", "") for part in PROFESSIONAL_PARTS))

        return att.AttendanceInput(
            guide_type=self.guide_type,
            competence=self.competence,
            card_number=form.get("card_number", ""),
            performed_on=form.get("performed_on", ""),
            professional=professional("professional"),
            accident_indication=form.get("accident_indication", ""),
            care_regime=form.get("care_regime", ""),
            procedures=[att.ProcedureInput(line.code, line.quantity, line.unit_value) for line in self.lines],
            consultation_type="" if sadt else form.get("consultation_type", ""),
            care_character=form.get("care_character", "") if sadt else "",
            care_type=form.get("care_type", "") if sadt else "",
            requester=professional("requester") if sadt else None,
            requested_on=(form.get("requested_on") or None) if sadt else None,
            clinical_indication=form.get("clinical_indication", "") if sadt else "",
            provider_guide_number=form.get("provider_guide_number", ""),
            observation=form.get("observation", ""),
        )

    @rx.event
    async def save(self):
        """"Salvar atendimento": a new one, or the one being edited (while still "digitado")."""
        data, editing = self._input(), self.editing_id

        def store(db, actor):
            try:
                if editing:
                    return att.update_attendance(db, actor, editing, data)
                return att.create_attendance(db, actor, data)
            except att.AttendanceInvalid as invalid:
                fields = dict(invalid.fields)
                raise TracedRefusal(lambda _db: _Invalid(fields)) from None

        saved, event = await call_service(self, store)
        if saved is None:
            return event
        if isinstance(saved, _Invalid):
            self.errors = saved.fields
            self.findings, self.checked = [], False
            return [rx.toast.error(FIX_FIELDS), rx.set_focus(_first_error_id(saved.fields))]
        self._new_form(self.guide_type, keep_professional=True)
        verb = "alterado" if editing else "salvo"
        warned = (f" A crítica automática proporia glosa: {'; '.join(f.rule_label for f in saved.findings)}."
                  if saved.findings else "")
        self.saved_message = (f"Atendimento {saved.number} {verb} como digitado na competência "
                              f"{formatting.competence(saved.competence)}.{warned}")
        return await self._reload()

    @rx.event
    async def edit(self, attendance_id: str):
        view, event = await call_service(
            self, lambda db, actor: att.get_attendance(db, actor, record_id(attendance_id)))
        if view is None:
            return event
        if str(view.status) != str(AttendanceStatus.DIGITADO):
            return rx.toast.error("Este atendimento já foi fechado num lote e não pode mais ser alterado.")
        self._fill(view)
        return None

    def _fill(self, view: att.AttendanceView) -> None:
        data = view.input
        self._new_form(str(view.guide_type), keep_professional=False)
        form = {
            "card_number": data.card_number,
            "performed_on": att_rows.date_typed(data.performed_on),
            "provider_guide_number": data.provider_guide_number or view.number,
            "accident_indication": data.accident_indication,
            "care_regime": data.care_regime,
            "observation": data.observation,
            "consultation_type": data.consultation_type,
            "care_character": data.care_character,
            "care_type": data.care_type,
            "requested_on": att_rows.date_typed(data.requested_on),
            "clinical_indication": data.clinical_indication,
        }
        for prefix, person in (("professional", data.professional), ("requester", data.requester)):
            if person is not None:
                form.update({f"{prefix}.{part}": str(getattr(person, part) or "") for part in PROFESSIONAL_PARTS})
        self.form = {k: str(v) for k, v in form.items() if v is not None}
        described = {item.code: item for item in view.items}
        self.lines = []
        for procedure in data.procedures:
            item = described.get(procedure.code)
            unit = str(procedure.unit_value or "")
            self.lines.append(att_rows.ProcedureLine(
                code=procedure.code, description=item.description if item else "",
                quantity=att_rows.typed_quantity(procedure.quantity), unit_value=unit,
                contracted="", total=formatting.money(item.total) if item else ""))
        self.beneficiary_label = f"{view.beneficiary_name} · carteira {view.card_number}"
        self.editing_id, self.editing_number = view.guide_id, view.number
        self.findings = [att_rows.finding_line(f) for f in view.findings]
        self.checked = True
        self._touched = set(self.form)
        self.saved_message = ""
        self.form_version += 1

    @rx.event
    def cancel_edit(self):
        self._new_form(self.guide_type, keep_professional=True)

    @rx.event
    async def delete(self, attendance_id: str):
        target = str(attendance_id).strip()
        _, event = await call_service(
            self, lambda db, actor: att.delete_attendance(db, actor, record_id(attendance_id)))
        reload_event = await self._reload()  # deleted or not: the list as stored now
        if event is not None:
            return event
        if target == str(self.editing_id):
            self._new_form(self.guide_type, keep_professional=True)
        return reload_event or rx.toast.success("Atendimento excluído.")

    # ---- beneficiary ------------------------------------------------------------------------
    @rx.event
    async def search_beneficiary(self, term: str):
        term = str(term or "")
        if len(term.strip()) < 3:
            self.beneficiary_hits, self.beneficiary_searched, self.selected_beneficiary = [], False, -1
            return None
        hits, event = await call_service(
            self, lambda db, actor: [att_rows.beneficiary_hit_line(h) for h in att.find_beneficiaries(db, actor, term)],
            cached_session=True)
        if hits is None:
            return event
        self.beneficiary_hits, self.beneficiary_searched = hits, True
        self.selected_beneficiary = 0 if hits else -1
        return None

    @rx.event
    async def beneficiary_key(self, key: str):
        if key == "ArrowDown" and self.beneficiary_hits:
            self.selected_beneficiary = min(self.selected_beneficiary + 1, len(self.beneficiary_hits) - 1)
        elif key == "ArrowUp" and self.beneficiary_hits:
            self.selected_beneficiary = max(self.selected_beneficiary - 1, 0)
        elif key == "Enter" and 0 <= self.selected_beneficiary < len(self.beneficiary_hits):
            return await self.pick_beneficiary(self.selected_beneficiary)
        return None

    @rx.event
    async def pick_beneficiary(self, index: int):
        if not (isinstance(index, int) and 0 <= index < len(self.beneficiary_hits)):
            return None
        hit = self.beneficiary_hits[index]
        self.form["card_number"] = hit.card
        self._touched.add("card_number")
        self.beneficiary_label = f"{hit.name} · carteira {hit.card}"
        self.beneficiary_hits, self.beneficiary_searched, self.selected_beneficiary = [], False, -1
        self.errors.pop("card_number", None)
        return await self.check()

    # ---- procedures (TUSS 22) ---------------------------------------------------------------
    @rx.event
    async def search_procedure(self, term: str):
        term = str(term or "")
        if len(term.strip()) < 2:
            self.procedure_hits, self.procedure_searched, self.selected_hit = [], False, -1
            return None
        hits, event = await call_service(
            self, lambda db, actor: [att_rows.procedure_hit_line(h) for h in att.search_procedures(db, actor, term)],
            cached_session=True)
        if hits is None:
            return event
        self.procedure_hits, self.procedure_searched = hits, True
        self.selected_hit = -1
        if hits:
            self.pick(0)
        return None

    @rx.event
    def pick(self, index: int):
        """A hit chosen (click, arrows): its contracted price fills the value; Enter or "Adicionar" adds it."""
        if isinstance(index, int) and 0 <= index < len(self.procedure_hits):
            if index != self.selected_hit:
                self.quantity = "1"
            self.selected_hit = index
            self.unit_value = self.procedure_hits[index].price_typed

    @rx.event
    def set_quantity(self, value: str):
        self.quantity = str(value)[:20]

    @rx.event
    def set_unit_value(self, value: str):
        self.unit_value = str(value)[:20]

    @rx.event
    async def procedure_key(self, key: str):
        """Keys of the procedure search: the arrows move through the hits, Enter adds the chosen one."""
        if key == "ArrowDown" and self.procedure_hits:
            self.pick(min(self.selected_hit + 1, len(self.procedure_hits) - 1))
        elif key == "ArrowUp" and self.procedure_hits:
            self.pick(max(self.selected_hit - 1, 0))
        elif key == "Enter":
            return await self.add_procedure()
        return None

    @rx.event
    async def add_procedure(self):
        if not 0 <= self.selected_hit < len(self.procedure_hits):
            return rx.toast.error("Busque o procedimento pelo código ou nome e escolha-o na lista.")
        if self.guide_type == CONSULTA and self.lines:
            return rx.toast.error("A guia de consulta tem um só procedimento: remova o atual para trocá-lo.")
        if len(self.lines) >= MAX_PROCEDURES:
            return rx.toast.error("Procedimentos demais numa só guia.")
        hit = self.procedure_hits[self.selected_hit]
        quantity, unit_value = self.quantity.strip() or "1", self.unit_value.strip()
        self.lines.append(att_rows.ProcedureLine(
            code=hit.code, description=hit.name, quantity=quantity,
            unit_value="" if unit_value == hit.price_typed else unit_value,  # the contracted price: the service's
            contracted=hit.price_typed, total=att_rows.line_total(quantity, unit_value, hit.price_typed)))
        self.procedure_hits, self.procedure_searched, self.selected_hit = [], False, -1
        self.quantity, self.unit_value = "1", ""
        self.errors.pop("procedures", None)
        self.search_version += 1  # the search field empties for the next procedure
        event = await self.check()
        return [e for e in (event, rx.set_focus(SEARCH_ID)) if e is not None]

    @rx.event
    async def set_line(self, index: int, field: str, value: str):
        if not (isinstance(index, int) and 0 <= index < len(self.lines)) or field not in LINE_FIELDS:
            return None
        line = self.lines[index]
        setattr(line, field, str(value)[:20].strip())
        line.total = att_rows.line_total(line.quantity, line.unit_value, line.contracted)
        self.lines[index] = line
        return await self.check()

    @rx.event
    async def remove_line(self, index: int):
        if isinstance(index, int) and 0 <= index < len(self.lines):
            self.lines.pop(index)
            self.errors = {k: v for k, v in self.errors.items() if not k.startswith("procedures[")}
            self.search_version += 1
            return await self.check()
        return None


def _was_touched(field: str, touched: set[str]) -> bool:
    return field in touched or any(field.startswith(prefix) for prefix in touched if prefix.endswith("."))


def field_id(name: str) -> str:
    """The HTML id of a field of the form (its label and error point at it)."""
    return "att-" + name.replace(".", "-").replace("[", "-").replace("]", "")


def _first_error_id(fields: dict[str, str]) -> str:
    order = [*COMMON_FIELDS[:2], *(f"professional.{p}" for p in PROFESSIONAL_PARTS), *FIELDS]
    for name in order:
        if name in fields:
            return field_id(name)
    if "procedures" in fields or any(k.startswith("procedures[") for k in fields):
        return SEARCH_ID
    return field_id(next(iter(fields), "card_number"))

"""The demo's money half: six months of each demo provider's batches in every state, written by the
real services with the demo users as the actors, so what a person explores is what the portal
itself would have recorded.

For month M, k months before the anchor's (k = 6 … 1):
- on day 3 of M+1 the provider bills M: Faturamento (a few materials typed above the contracted
  price), or an XML lot (the laboratory, some months); a few guides carry what the critique finds
  (a quantity above the authorized one, an attendance after the authorization's validity);
- on day 8 `operadora` starts the analysis (the critique proposes glosas), accepts most proposals,
  discards some, glosses a few items by hand (table 38 reason and a note), accepts the rest, and
  finishes on day 10;
- on day 17 the provider appeals a few glosas; the operator decides them on day 8 of M+2
  (accepted, partly, refused); the accepted values are paid in the next payment;
- on day 25 the operator pays the released batches, withholding the provider's taxes.
The newest months stay unfinished: M−1 is received up to its 15th (one batch in analysis; the rest of
it and the current month wait in Faturamento), M−2 is released but not
paid and its appeals pending, M−3's accepted appeals wait for the next payment. M−5 has an estorno
(billed again the next day), M−4 a one-guide batch glossed whole (encerrado sem pagamento).

Each step runs with the clock frozen at its moment (Brasília time), all steps in time order and
none later than the day before the anchor. Choices come from a seeded generator: same anchor,
same history.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from copass_app import clock
from copass_app.dbtypes import to_money
from copass_app.models import (
    Appeal,
    Batch,
    BatchGuide,
    BatchItem,
    BatchStatus,
    BillingDraft,
    CatalogItem,
    DraftGuide,
    Glosa,
    GlosaStatus,
    Guide,
    GuideItem,
    GuideType,
    Provider,
    User,
)
from copass_app.services import analysis, appeals, batches, billing, payments, processing, xml_lots
from copass_app.services.access import Actor
from copass_app.services.auth import actor_for_user
from copass_app.services.billing.queries import AUTHORIZED
from copass_app.services.demo_reset import STAFF_LOGIN
from copass_app.services.lot_export import lot_for_guides
from copass_app.services.unit_of_work import TracedRefusal

HISTORY_SEED = 20260402  # not demo.SEED: the guides' generator stays as it was
MONTHS = 6
CENT = Decimal("0.01")


@dataclass(frozen=True)
class MoneyProfile:
    """What a payment reads of a provider: where it pays ISS, its own rates, its bank account."""

    municipality: str
    bank: str
    agency: str
    account: str
    tax_profile: str
    iss_rate: Decimal | None = None  # None: the municipality's rate (services/withholdings.py)
    irrf_rate: Decimal | None = None


PROFILES = {
    "100001": MoneyProfile("São Paulo", "341 - Itaú Unibanco", "0912", "45821-3", "Lucro presumido"),
    "100002": MoneyProfile("Rio de Janeiro", "237 - Bradesco", "3310-2", "100442-8", "Lucro real"),
    # A hospital with a municipal reduction of ISS and IRRF under a court decision: its own rates.
    "100003": MoneyProfile("Belo Horizonte", "104 - Caixa Econômica Federal", "0621", "3007-1",
                           "Lucro real (alíquotas próprias)", iss_rate=Decimal("2.5"), irrf_rate=Decimal("1.2")),
}
XML_MONTHS = {"100002": {6, 3, 1}}  # the laboratory's system sends TISS lots these months
ESTORNO_MONTH, CLOSED_MONTH = 5, 4
NEWEST_BILLED_UNTIL = 15
MANUAL_RATE = 0.03  # share of items an analyst glosses by hand
PROPOSAL_ACCEPT_RATE = 0.8

# Manual glosas by TUSS table: (table 38 reason, share of the item glossed or None for all of it, note).
MANUAL_GLOSAS: dict[str, tuple[tuple[str, Decimal | None, str], ...]] = {
    "22": (
        ("1809", None, "Procedimento sem registro de execução no prontuário enviado."),
        ("1813", None, "O relatório médico não justifica a realização do procedimento."),
        ("1822", None, "Laudo do exame não anexado à conta."),
        ("1714", Decimal("0.25"), "Valor acima da tabela acordada no contrato; pago conforme a tabela."),
        ("1817", None, "Procedimento incluso no procedimento principal da mesma guia."),
    ),
    "18": (
        ("1731", None, "Taxa incompatível com atendimento ambulatorial."),
        ("1722", Decimal("0.2"), "Pago conforme a negociação do pacote de internação."),
    ),
    "19": (
        ("2008", Decimal("0.5"), "Quantidade de material incompatível com o procedimento realizado."),
        ("2010", None, "Material incluso na taxa de sala cobrada na mesma guia."),
    ),
    "20": (
        ("2108", Decimal("0.5"), "Quantidade de medicamento incompatível com o procedimento realizado."),
        ("1709", None, "Falta a prescrição médica do medicamento cobrado."),
    ),
}
WHOLE_GUIDE_GLOSA = ("1811", "Guia sem assinatura do beneficiário e sem registro de execução: "
                             "atendimento não comprovado.")
JUSTIFICATIONS = (
    "Segue o laudo assinado pelo médico responsável; o procedimento foi realizado conforme a autorização.",
    "O valor cobrado é o da tabela vigente no contrato (aditivo de janeiro); solicitamos a revisão da glosa.",
    "O item foi utilizado integralmente, conforme a folha de sala anexada ao prontuário do paciente.",
)
GUIDE_JUSTIFICATION = ("A guia foi assinada pelo beneficiário; reenviamos a cópia digitalizada com o registro "
                       "do atendimento.")
DECISIONS = (
    ("accept", "Documentação apresentada comprova a cobrança."),
    ("accept_partly", "Aceito parcialmente: pago o valor da tabela contratada."),
    ("refuse", "Recusado: a documentação enviada não comprova a cobrança do item."),
)


@dataclass
class _Provider:
    row: Provider
    actor: Actor
    xml_months: set[int]


@dataclass
class _Month:
    provider: _Provider
    first: date  # first day of the billed month
    months_ago: int
    batch_ids: list[int] = field(default_factory=list)
    closed_batch_id: int | None = None  # the one-guide batch glossed whole
    appeal_ids: list[int] = field(default_factory=list)

    @property
    def last_billed_day(self) -> date:
        """The newest month is billed up to its 15th: what was performed later waits in Faturamento."""
        return self.first.replace(day=NEWEST_BILLED_UNTIL) if self.months_ago == 1 else \
            month_start(self.first, -1) - timedelta(days=1)

    def day(self, months_after: int, day: int) -> date:
        return month_start(self.first, -months_after).replace(day=day)


def month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def seed_history(db: Session, anchor: date) -> None:
    """Write the six months of history of every demo provider (the guides, users and catalogs exist)."""
    from copass_app.services.demo import DEMO_PROVIDERS  # demo calls this module: imported here

    staff = actor_for_user(db, db.exec(select(User).where(User.login == STAFF_LOGIN)).one())
    history = _History(db, staff, anchor, random.Random(HISTORY_SEED))
    for spec in DEMO_PROVIDERS:
        provider = db.exec(select(Provider).where(Provider.code == spec.code)).one()
        _apply_profile(db, provider, PROFILES[spec.code])
        user = db.exec(select(User).where(User.login == spec.login)).one()
        demo_provider = _Provider(provider, actor_for_user(db, user), XML_MONTHS.get(spec.code, set()))
        for months_ago in range(MONTHS, 0, -1):
            history.plan(_Month(demo_provider, month_start(anchor, months_ago), months_ago))
    history.run()


def _apply_profile(db: Session, provider: Provider, profile: MoneyProfile) -> None:
    provider.municipality, provider.tax_profile = profile.municipality, profile.tax_profile
    provider.bank, provider.agency, provider.account = profile.bank, profile.agency, profile.account
    provider.iss_rate, provider.irrf_rate = profile.iss_rate, profile.irrf_rate
    db.add(provider)
    db.flush()


class _History:
    def __init__(self, db: Session, staff: Actor, anchor: date, rng: random.Random) -> None:
        self.db, self.staff, self.rng = db, staff, rng
        self.last_day = anchor - timedelta(days=1)  # today's hours may not have come yet
        self.steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self._extras: list[CatalogItem] | None = None

    def at(self, day: date, hour: int, minute: int, step: Callable[[], None]) -> None:
        self.steps.append((datetime.combine(min(day, self.last_day), time(hour, minute)), len(self.steps), step))

    def run(self) -> None:
        for moment, _order, step in sorted(self.steps, key=lambda entry: entry[:2]):
            with clock.frozen(moment):
                step()

    def plan(self, month: _Month) -> None:
        k, received = month.months_ago, month.day(1, 3)
        if k == CLOSED_MONTH:
            self.at(received, 8, 30, lambda: self.bill(month, only_one=True))
        self.at(received, 9, 0, lambda: self.bill(month))
        if k == ESTORNO_MONTH:
            self.at(received, 16, 0, lambda: self.reverse_first(month))
            self.at(received + timedelta(days=1), 10, 0, lambda: self.bill(month))
        if k == 1:
            self.at(received, 15, 0, lambda: self.start_one(month))
            return
        self.at(month.day(1, 8), 9, 0, lambda: self.analyse(month))
        self.at(month.day(1, 10), 16, 0, lambda: self.finish(month))
        self.at(month.day(1, 17), 10, 0, lambda: self.open_appeals(month))
        if k >= 3:
            self.at(month.day(1, 25), 14, 0, lambda: self.pay(month.provider))
            self.at(month.day(2, 8), 11, 0, lambda: self.decide_appeals(month))

    # --- the provider bills ------------------------------------------------------------------------

    def bill(self, month: _Month, *, only_one: bool = False) -> None:
        if month.months_ago in month.provider.xml_months and not only_one:
            self.send_lots(month)
            return
        db, actor = self.db, month.provider.actor
        if not only_one:
            self.irregularities(month)
        summary = billing.open_draft(db, actor, start=month.first, end=month.last_billed_day)
        offered = self.offered_guides(actor)
        if not summary.guide_count_available or not offered:
            billing.cancel_draft(db, actor)
            return
        if only_one:  # the cheapest guide, billed alone
            billing.set_all_included(db, actor, False)
            billing.set_guide_included(db, actor, min(offered, key=lambda g: (g.total_value, g.id)).id, True)
        else:
            self.add_extras(actor, offered)
        confirmed = [c.batch_id for c in billing.confirm_draft(db, actor)]
        month.batch_ids += confirmed
        if only_one:
            month.closed_batch_id = confirmed[0]

    def offered_guides(self, actor: Actor) -> list[Guide]:
        return list(self.db.exec(
            select(Guide).join(DraftGuide, DraftGuide.guide_id == Guide.id)
            .join(BillingDraft, BillingDraft.id == DraftGuide.draft_id)
            .where(BillingDraft.user_id == actor.user_id).order_by(Guide.id)).all())

    def billable_guides(self, month: _Month) -> list[Guide]:
        billed = select(BatchGuide.guide_id).join(Batch, Batch.id == BatchGuide.batch_id).where(
            Batch.status != BatchStatus.CANCELADO)
        return list(self.db.exec(
            select(Guide).where(Guide.provider_id == month.provider.row.id, Guide.status.in_(AUTHORIZED),
                                Guide.performed_on.between(month.first, month.last_billed_day),
                                Guide.id.not_in(billed))
            .order_by(Guide.guide_type, Guide.performed_on, Guide.id)).all())

    def irregularities(self, month: _Month) -> None:
        """Guides as the authorization system recorded them, a few the critique will question."""
        guides = self.billable_guides(month)
        if not guides:
            return
        over = self.rng.choice(guides)  # performed once more than authorized (TISS 1820)
        item = self.db.exec(select(GuideItem).where(GuideItem.guide_id == over.id, GuideItem.performed_qty > 0)
                            .order_by(GuideItem.id)).first()
        if item is not None:
            item.performed_qty = item.authorized_qty + 1
            self.db.add(item)
        late = [g for g in guides if g.id != over.id and g.authorized_on and g.valid_until
                and (g.performed_on - g.authorized_on).days >= 3]
        if month.months_ago in (5, 3) and late:  # performed after the authorization expired (TISS 1321)
            guide = self.rng.choice(late)
            guide.valid_until = guide.performed_on - timedelta(days=1)
            self.db.add(guide)
        self.db.flush()

    def add_extras(self, actor: Actor, offered: list[Guide]) -> None:
        """Materials added while billing; one typed above the contracted price (TISS 1705)."""
        if self._extras is None:
            self._extras = list(self.db.exec(select(CatalogItem).where(
                CatalogItem.table_code == "19", CatalogItem.code.startswith("99")).order_by(CatalogItem.code)))
        candidates = [g for g in offered if g.guide_type in (GuideType.SP_SADT, GuideType.RESUMO_INTERNACAO,
                                                             GuideType.HONORARIOS)]
        if not candidates or not self._extras:
            return
        for guide in self.rng.sample(candidates, min(3, len(candidates))):
            material = self.rng.choice(self._extras)
            above = self.rng.random() < 0.5
            price = to_money(material.price * Decimal("1.35")) if above else material.price
            billing.add_extra_item(self.db, actor, guide.id, material.id, quantity=self.rng.randint(1, 4),
                                   unit_value=price, merge=True)

    def send_lots(self, month: _Month) -> None:
        provider, actor = month.provider.row, month.provider.actor
        by_type: dict[str, list[Guide]] = {}
        for guide in self.billable_guides(month):
            by_type.setdefault(guide.guide_type, []).append(guide)
        number = 0
        for guides in by_type.values():
            for start in range(0, len(guides), billing.MAX_GUIDES_PER_BATCH):
                number += 1
                lot_number = f"{month.first:%Y%m}{number:02d}"
                data = lot_for_guides(self.db, provider, guides[start:start + billing.MAX_GUIDES_PER_BATCH],
                                      lot_number)
                try:
                    outcome = xml_lots.receive_lot(self.db, actor, f"lote-{lot_number}.xml", data)
                except TracedRefusal as refusal:  # the demo's own lot: a refusal is a bug here
                    raise RuntimeError(f"Lote de demonstração {lot_number} recusado") from refusal
                month.batch_ids.append(outcome.batch_id)

    def reverse_first(self, month: _Month) -> None:
        live = self.live(month, BatchStatus.RECEBIDO)
        if live:
            batches.reverse_batch(self.db, month.provider.actor, live[0])

    # --- the operator analyses ---------------------------------------------------------------------

    def live(self, month: _Month, status: BatchStatus) -> list[int]:
        if not month.batch_ids:
            return []
        return list(self.db.exec(select(Batch.id).where(Batch.id.in_(month.batch_ids), Batch.status == status)
                                 .order_by(Batch.id)).all())

    def start_one(self, month: _Month) -> None:
        """The newest month: one batch in analysis, its first guide already accepted; the others received."""
        received = self.live(month, BatchStatus.RECEBIDO)
        if len(received) < 2:
            return
        processing.start_analysis(self.db, self.staff, received[0])
        first_guide = self.db.exec(select(BatchGuide.guide_id).where(BatchGuide.batch_id == received[0])
                                   .order_by(BatchGuide.id)).first()
        analysis.accept_all(self.db, self.staff, received[0], guide_id=first_guide)

    def analyse(self, month: _Month) -> None:
        for batch_id in self.live(month, BatchStatus.RECEBIDO):
            processing.start_analysis(self.db, self.staff, batch_id)
            if batch_id == month.closed_batch_id:
                code, note = WHOLE_GUIDE_GLOSA
                for item in self.items(batch_id):
                    analysis.apply_glosa(self.db, self.staff, item.id, value=item.total_value, reason_code=code,
                                         note=note)
                continue
            self.decide(batch_id)

    def items(self, batch_id: int) -> list[BatchItem]:
        return list(self.db.exec(select(BatchItem).join(BatchGuide, BatchGuide.id == BatchItem.batch_guide_id)
                                 .where(BatchGuide.batch_id == batch_id).order_by(BatchItem.id)).all())

    def decide(self, batch_id: int) -> None:
        db, staff, rng = self.db, self.staff, self.rng
        proposals: dict[int, list[Glosa]] = {}
        for glosa in db.exec(select(Glosa).where(Glosa.batch_id == batch_id, Glosa.status == GlosaStatus.PROPOSTA)
                             .order_by(Glosa.id)):
            proposals.setdefault(glosa.batch_item_id, []).append(glosa)
        for found in proposals.values():
            if rng.random() < PROPOSAL_ACCEPT_RATE:
                analysis.accept_proposal(db, staff, max(found, key=lambda g: (g.value, -g.id)).id)
            else:  # the analyst reads the guide and sets the proposal aside: the item is accepted below
                for glosa in found:
                    analysis.discard_proposal(db, staff, glosa.id)
        for item in self.items(batch_id):
            choices = MANUAL_GLOSAS.get(item.table_code)
            if item.id in proposals or not choices or rng.random() >= MANUAL_RATE:
                continue
            code, share, note = rng.choice(choices)
            value = item.total_value if share is None else max(CENT, to_money(item.total_value * share))
            analysis.apply_glosa(db, staff, item.id, value=value, reason_code=code, note=note)
        analysis.accept_all(db, staff, batch_id)

    def finish(self, month: _Month) -> None:
        for batch_id in self.live(month, BatchStatus.EM_ANALISE):
            analysis.finish_analysis(self.db, self.staff, batch_id)

    # --- appeals and payments ----------------------------------------------------------------------

    def open_appeals(self, month: _Month) -> None:
        db, actor = self.db, month.provider.actor
        if month.closed_batch_id is not None:
            guide = db.exec(select(BatchGuide.id).where(BatchGuide.batch_id == month.closed_batch_id)).first()
            month.appeal_ids += [row.id for row in appeals.appeal_guide(db, actor, guide,
                                                                        justification=GUIDE_JUSTIFICATION)]
        glosas = list(db.exec(select(Glosa).where(
            Glosa.batch_id.in_(month.batch_ids or [0]), Glosa.batch_id != (month.closed_batch_id or 0),
            Glosa.status == GlosaStatus.APLICADA).order_by(Glosa.id)).all())
        for index, glosa in enumerate(sorted(self.rng.sample(glosas, min(3, len(glosas))), key=lambda g: g.id)):
            contested = glosa.value if index != 2 else max(CENT, to_money(glosa.value / 2))
            month.appeal_ids.append(appeals.open_appeal(db, actor, glosa.id, contested_value=contested,
                                                        justification=JUSTIFICATIONS[index]).id)

    def decide_appeals(self, month: _Month) -> None:
        for index, appeal_id in enumerate(month.appeal_ids):
            decision, note = DECISIONS[index % len(DECISIONS)]
            contested = self.db.exec(select(Appeal.contested_value).where(Appeal.id == appeal_id)).one()
            accepted = to_money(contested / 2)
            if decision == "accept_partly" and not CENT <= accepted < contested:
                decision, note = DECISIONS[0]
            appeals.decide_appeal(self.db, self.staff, appeal_id, decision=decision,
                                  accepted_value=accepted if decision == "accept_partly" else None, note=note)

    def pay(self, provider: _Provider) -> None:
        due = payments.payable(self.db, self.staff, provider.row.id)
        if due.batches or due.appeals:
            payments.register_payment(self.db, self.staff, provider.row.id, batch_ids=[b.id for b in due.batches],
                                      appeal_ids=[a.id for a in due.appeals], paid_on=clock.today())

"""Deterministic, idempotent demo data: an operator, three providers, beneficiaries, guides, catalogs.

Everything comes from a seeded random generator and an anchor date, so two runs on the same day
produce the same rows; a second run on a loaded database changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select
from stdnum.br import cnpj as cnpj_check

from copass_app import clock
from copass_app.db import refresh_planner_statistics
from copass_app.dbtypes import to_money
from copass_app.models import (
    Beneficiary,
    CatalogItem,
    Guide,
    GuideItem,
    GuideStatus,
    GuideStatusHistory,
    GuideType,
    Operator,
    Provider,
    Role,
)
from copass_app.services.tuss_source import TussTerm, current_terms, terms_with_prefix
from copass_app.services.users import add_user
from copass_app.text import fold

DEMO_REGISTRO_ANS = "345678"
DEMO_PASSWORD = "demo1234"
SEED = 20260401

FIRST_NAMES = (
    "Ana", "João", "Maria", "José", "Antônio", "Francisco", "Luís", "Sebastião", "Conceição",
    "Letícia", "Mônica", "Otávio", "Cecília", "Fábio", "Márcia", "Flávia", "Vinícius", "Júlia",
    "Lúcia", "Cláudio", "Valéria", "Patrícia", "Rogério", "Sérgio", "Inês", "Heloísa", "Raí",
    "Bárbara", "Caio", "Gabriela", "Joaquim", "Benedita", "Rafaela", "André", "Débora", "Célia",
    "Leônidas", "Iracema", "Tânia", "Jurema", "Marcos", "Thiago", "Beatriz", "Simão", "Aurélio",
)
SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Conceição", "Araújo", "Gonçalves", "Ribeiro",
    "Rodrigues", "Ferreira", "Pereira", "Lima", "Gomes", "Costa", "Assunção", "Magalhães",
    "Nóbrega", "Simões", "Guimarães", "Figueirêdo", "Brandão", "Falcão", "Cavalcânti", "Estêvão",
    "Aragão", "Damásio", "Queirós", "Teixeira", "Barbosa", "Mendonça", "Lopes", "Sá", "Leão",
    "Romão", "Caldas", "Amaral", "Peixoto", "Monteiro", "Vasconcelos", "Brito",
)


@dataclass(frozen=True)
class DemoProvider:
    login: str
    user_name: str
    code: str
    name: str
    cnpj_base: str
    cnes: str
    kind: str
    guide_types: tuple[GuideType, ...]


DEMO_PROVIDERS = (
    DemoProvider("clinica", "Renata Albuquerque", "100001", "Clínica São Lucas de Especialidades Ltda",
                 "112223330001", "2077485", "Clínica",
                 (GuideType.CONSULTA, GuideType.SP_SADT, GuideType.HONORARIOS, GuideType.ODONTO)),
    DemoProvider("laboratorio", "Paulo Queiroz", "100002", "Laboratório Análises Vitória S.A.",
                 "445556660001", "3014959", "Laboratório", (GuideType.SP_SADT, GuideType.CONSULTA)),
    DemoProvider("hospital", "Irmã Dulce Tavares", "100003", "Hospital Nossa Senhora da Conceição",
                 "778889990001", "2126494", "Hospital",
                 (GuideType.RESUMO_INTERNACAO, GuideType.HONORARIOS, GuideType.SP_SADT, GuideType.CONSULTA)),
)

# Status mix of the demo: most guides authorized, every TISS status present.
STATUS_WEIGHTS = (
    (GuideStatus.AUTORIZADO, 60), (GuideStatus.AUTORIZADO_PARCIALMENTE, 6), (GuideStatus.EM_ANALISE, 10),
    (GuideStatus.AGUARDANDO_JUSTIFICATIVA, 4), (GuideStatus.AGUARDANDO_DOCUMENTACAO, 4),
    (GuideStatus.NEGADO, 10), (GuideStatus.CANCELADA, 6),
)


def full_cnpj(base12: str) -> str:
    return base12 + cnpj_check.calc_check_digits(base12)


class Procedures:
    """Real TUSS procedure codes for each kind of guide, loaded once."""

    def __init__(self) -> None:
        self.consulta = terms_with_prefix("22", ("10101",))[:1]
        self.lab = terms_with_prefix("22", ("40301", "40302", "40304", "40311"))[:120]
        self.imaging = terms_with_prefix("22", ("40801", "40805", "40808", "40901"))[:60]
        self.clinical = terms_with_prefix("22", ("20101", "20103", "20104"))[:40]
        self.surgery = terms_with_prefix("22", ("30101", "30602", "30715", "31003", "31005"))[:80]
        self.odonto = terms_with_prefix("22", ("81", "82", "83", "84", "85"))[:60]


@dataclass
class Catalogs:
    fees: list[CatalogItem]
    materials: list[CatalogItem]
    medications: list[CatalogItem]


def _catalog_rows(terms: list[TussTerm], count: int, low: int, high: int, rng: random.Random) -> list[CatalogItem]:
    picked = sorted(rng.sample(terms, min(count, len(terms))), key=lambda t: t.code)
    return [_catalog_item(t, _price(rng, low, high)) for t in picked]


def _catalog_item(term: TussTerm, price: Decimal, *, unit: str = "UN", also_known_as: str = "") -> CatalogItem:
    # `also_known_as` is searched, not shown: a clinic types "soro fisiológico", the table says "cloreto de sódio".
    return CatalogItem(table_code=term.table_code, code=term.code, name=term.name,
                       name_search=fold(f"{term.name} {also_known_as}".strip()), unit=unit, price=price)


def _price(rng: random.Random, low: float, high: float) -> Decimal:
    return to_money(Decimal(rng.randint(round(low * 100), round(high * 100))) / 100)


# What a clinic bills every day. The `tiss` package's TUSS 19 holds OPME only (implants, stents),
# so these carry the operator's own codes, in a range (99xxxxxx) no TUSS 19 code uses.
EVERYDAY_MATERIALS = (
    ("99000011", "SERINGA DESCARTÁVEL 3 ML SEM AGULHA", "UN", 0.35, 0.60),
    ("99000012", "SERINGA DESCARTÁVEL 5 ML SEM AGULHA", "UN", 0.40, 0.75),
    ("99000013", "SERINGA DESCARTÁVEL 10 ML SEM AGULHA", "UN", 0.55, 1.10),
    ("99000014", "SERINGA DESCARTÁVEL 20 ML SEM AGULHA", "UN", 0.90, 1.60),
    ("99000021", "AGULHA HIPODÉRMICA DESCARTÁVEL 25 X 7", "UN", 0.12, 0.30),
    ("99000022", "AGULHA HIPODÉRMICA DESCARTÁVEL 40 X 12", "UN", 0.12, 0.30),
    ("99000031", "LUVA DE PROCEDIMENTO NÃO ESTÉRIL (PAR)", "PAR", 0.45, 0.90),
    ("99000032", "LUVA CIRÚRGICA ESTÉRIL Nº 7,5 (PAR)", "PAR", 1.80, 3.50),
    ("99000041", "CATETER INTRAVENOSO PERIFÉRICO Nº 20", "UN", 2.50, 6.00),
    ("99000042", "CATETER INTRAVENOSO PERIFÉRICO Nº 22", "UN", 2.50, 6.00),
    ("99000043", "CATETER NASAL PARA OXIGÊNIO TIPO ÓCULOS", "UN", 1.90, 4.50),
    ("99000051", "FIO DE SUTURA NYLON 3-0 COM AGULHA", "UN", 4.50, 11.00),
    ("99000052", "FIO DE SUTURA NYLON 4-0 COM AGULHA", "UN", 4.50, 11.00),
    ("99000053", "FIO DE SUTURA CATGUT SIMPLES 2-0 COM AGULHA", "UN", 6.00, 14.00),
    ("99000061", "CURATIVO TRANSPARENTE ESTÉRIL 6 X 7 CM", "UN", 2.20, 5.50),
    ("99000062", "CURATIVO HIDROCOLOIDE 10 X 10 CM", "UN", 18.00, 42.00),
    ("99000063", "CURATIVO ADESIVO PÓS-PUNÇÃO", "UN", 0.08, 0.25),
    ("99000071", "COMPRESSA DE GAZE ESTÉRIL 7,5 X 7,5 CM (PACOTE COM 10)", "PCT", 0.90, 2.20),
    ("99000072", "ATADURA DE CREPOM 10 CM", "UN", 0.70, 1.80),
    ("99000073", "ESPARADRAPO 10 CM X 4,5 M", "UN", 4.00, 9.00),
    ("99000074", "FITA MICROPOROSA 25 MM X 10 M", "UN", 3.00, 7.50),
    ("99000081", "EQUIPO MACROGOTAS PARA SORO", "UN", 1.80, 4.20),
    ("99000082", "DISPOSITIVO PARA INFUSÃO VENOSA (SCALP) Nº 21", "UN", 0.60, 1.40),
    ("99000091", "SONDA VESICAL DE DEMORA (FOLEY) Nº 14", "UN", 6.50, 15.00),
    ("99000092", "SONDA NASOGÁSTRICA Nº 12", "UN", 1.50, 4.00),
    ("99000093", "ELETRODO DESCARTÁVEL PARA ECG", "UN", 0.25, 0.70),
)
# Medications a clinic gives every day, by how their TUSS 20 names start: (start, price range, searched alias).
EVERYDAY_MEDICATIONS = (
    ("DIPIRONA SÓDICA", 1.20, 4.50, ""),
    ("CLORETO DE SÓDIO 0,9%", 3.50, 9.00, "soro fisiológico"),
    ("SOLUÇÃO FISIOLÓGICA", 3.50, 9.00, "soro fisiológico"),
    ("BROMOPRIDA", 1.50, 5.00, ""),
    ("DEXAMETASONA", 1.80, 7.50, ""),
    ("OMEPRAZOL SÓDICO", 9.00, 28.00, ""),
    ("CEFTRIAXONA", 8.00, 35.00, ""),
)
EVERYDAY_FEES = ("TAXA DE SALA DE OBSERVAÇÃO", "TAXA DE APLICAÇÃO", "DIÁRIA DE ENFERMARIA", "DIÁRIA DE APARTAMENTO")


def _everyday_medications(terms: list[TussTerm], rng: random.Random) -> list[CatalogItem]:
    items = []
    for start, low, high, alias in EVERYDAY_MEDICATIONS:
        for term in [t for t in terms if fold(t.name).startswith(fold(start))][:3]:
            items.append(_catalog_item(term, _price(rng, low, high), also_known_as=alias))
    return items


def build_catalogs(rng: random.Random) -> Catalogs:
    fee_terms = [t for t in current_terms("18") if t.name.upper().startswith(("TAXA", "DIÁRIA", "DIARIA"))]
    everyday_fees = [t for t in fee_terms if t.name.startswith(EVERYDAY_FEES)][:16]
    fees = [_catalog_item(t, _price(rng, 25, 950)) for t in everyday_fees]
    fees += _catalog_rows([t for t in fee_terms if t not in everyday_fees], 80 - len(fees), 25, 950, rng)
    materials = [_catalog_item(TussTerm("19", code, name), _price(rng, low, high), unit=unit)
                 for code, name, unit, low, high in EVERYDAY_MATERIALS]
    # Some implants too (hospitals bill them): fewer, so a search for a common item finds it first.
    materials += _catalog_rows(current_terms("19", max_name_length=60), 214, 15, 4800, rng)
    medication_terms = current_terms("20", max_name_length=60)
    medications = _everyday_medications(medication_terms, rng)
    taken = {item.code for item in medications}
    medications += _catalog_rows([t for t in medication_terms if t.code not in taken], 240 - len(medications), 3, 680,
                                 rng)
    return Catalogs(fees=sorted(fees, key=lambda i: i.code), materials=sorted(materials, key=lambda i: i.code),
                    medications=sorted(medications, key=lambda i: i.code))


def _random_name(rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES)
    middle = rng.choice(SURNAMES)
    last = rng.choice(SURNAMES)
    return f"{first} {middle} {last}" if middle != last else f"{first} {last}"


def build_beneficiaries(operator_id: int, count: int, rng: random.Random, anchor: date) -> list[dict]:
    rows = []
    for index in range(count):
        name = _random_name(rng)
        rows.append(
            dict(
                operator_id=operator_id,
                card_number=f"0{DEMO_REGISTRO_ANS}{index + 1:09d}",
                name=name,
                name_search=fold(name),
                birth_date=anchor - timedelta(days=rng.randint(365, 365 * 90)),
            )
        )
    return rows


def _guide_items(kind: GuideType, procedures: Procedures, catalogs: Catalogs, rng: random.Random) -> list[tuple]:
    """(table, code, name, quantity, unit value) of a guide, by its type."""
    def proc(terms: list[TussTerm], low: int, high: int, qty: int = 1) -> tuple:
        term = rng.choice(terms)
        return ("22", term.code, term.name, Decimal(qty), to_money(Decimal(rng.randint(low, high))))

    def from_catalog(items: list[CatalogItem], max_qty: int) -> tuple:
        item = rng.choice(items)
        return (item.table_code, item.code, item.name, Decimal(rng.randint(1, max_qty)), item.price)

    if kind == GuideType.CONSULTA:
        return [proc(procedures.consulta, 90, 260)]
    if kind == GuideType.SP_SADT:
        pool = procedures.lab if rng.random() < 0.6 else procedures.imaging + procedures.clinical
        return [proc(pool, 8, 420) for _ in range(rng.randint(1, 5))]
    if kind == GuideType.HONORARIOS:
        return [proc(procedures.surgery, 300, 3200) for _ in range(rng.randint(1, 2))]
    if kind == GuideType.ODONTO:
        return [proc(procedures.odonto, 60, 900) for _ in range(rng.randint(1, 3))]
    items = [proc(procedures.surgery, 500, 4000)]
    items.append(from_catalog(catalogs.fees, 1))
    items += [from_catalog(catalogs.materials, 3) for _ in range(rng.randint(0, 2))]
    items += [from_catalog(catalogs.medications, 10) for _ in range(rng.randint(1, 3))]
    return items


def _event_at(day: date, hour: int, minute: int) -> datetime:
    """A history event at that Brasília hour, never later than now (today's 17:00 may not have come yet)."""
    return min(datetime.combine(day, time(hour, minute), tzinfo=clock.BRASILIA), clock.now()).astimezone(UTC)


def _pick_status(rng: random.Random) -> GuideStatus:
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    return rng.choices(statuses, weights)[0]


@dataclass
class GuideBuild:
    guide: dict
    items: list[dict]
    history: list[dict]


def build_guide(
    provider_id: int,
    number: int,
    code: str,
    kind: GuideType,
    beneficiary_id: int,
    anchor: date,
    days_back: int,
    rng: random.Random,
    procedures: Procedures,
    catalogs: Catalogs,
) -> GuideBuild:
    status = _pick_status(rng)
    requested = anchor - timedelta(days=rng.randint(0, days_back))
    authorized = performed = valid_until = None
    if status in (GuideStatus.AUTORIZADO, GuideStatus.AUTORIZADO_PARCIALMENTE):
        authorized = min(anchor, requested + timedelta(days=rng.randint(0, 2)))
        valid_until = authorized + timedelta(days=60)
        # Most authorized guides were performed; some still wait for the attendance.
        if rng.random() < 0.85:
            performed = min(anchor, authorized + timedelta(days=rng.randint(0, 12)))
    items = []
    total = Decimal("0.00")
    for table, tuss_code, name, qty, unit in _guide_items(kind, procedures, catalogs, rng):
        authorized_qty = qty
        if status == GuideStatus.AUTORIZADO_PARCIALMENTE and qty > 1:
            authorized_qty = qty - 1
        performed_qty = authorized_qty if performed else Decimal(0)
        items.append(dict(table_code=table, code=tuss_code, description=name,
                          authorized_qty=authorized_qty, performed_qty=performed_qty, unit_value=unit))
        total += to_money(authorized_qty * unit)
    history = [dict(status=GuideStatus.EM_ANALISE, changed_at=_event_at(requested, 11, rng.randint(0, 59)),
                    note="Solicitação recebida")]
    if status != GuideStatus.EM_ANALISE:
        decided = authorized or min(anchor, requested + timedelta(days=rng.randint(0, 3)))
        history.append(dict(status=status, changed_at=_event_at(decided, 17, rng.randint(0, 59)), note=""))
    guide = dict(
        provider_id=provider_id,
        beneficiary_id=beneficiary_id,
        guide_type=kind,
        provider_guide_number=f"{code}{number:08d}",
        operator_guide_number=f"{DEMO_REGISTRO_ANS}{code[-3:]}{number:07d}",
        authorization_password=f"{rng.randint(10**7, 10**8 - 1)}" if authorized else "",
        status=status,
        requested_on=requested,
        authorized_on=authorized,
        performed_on=performed,
        valid_until=valid_until,
        total_value=total,
    )
    return GuideBuild(guide=guide, items=items, history=history)


def insert_guides(db: Session, builds: list[GuideBuild]) -> None:
    """Bulk insert: ids of guides come back in order so items and history can point at them."""
    guide_ids = db.execute(insert(Guide).returning(Guide.id, sort_by_parameter_order=True),
                           [b.guide for b in builds]).scalars().all()
    items, history = [], []
    for guide_id, build in zip(guide_ids, builds, strict=True):
        items += [dict(item, guide_id=guide_id) for item in build.items]
        history += [dict(entry, guide_id=guide_id) for entry in build.history]
    if items:
        db.execute(insert(GuideItem), items)
    if history:
        db.execute(insert(GuideStatusHistory), history)


def generate_guides(
    db: Session,
    provider: Provider,
    guide_types: tuple[GuideType, ...],
    count: int,
    beneficiary_ids: list[int],
    anchor: date,
    rng: random.Random,
    catalogs: Catalogs,
    *,
    first_number: int = 1,
    days_back: int = 180,
    chunk: int = 2000,
) -> None:
    procedures = Procedures()
    builds: list[GuideBuild] = []
    for offset in range(count):
        kind = guide_types[offset % len(guide_types)] if offset < len(guide_types) * 10 else rng.choice(guide_types)
        builds.append(build_guide(provider.id, first_number + offset, provider.code, kind,
                                  rng.choice(beneficiary_ids), anchor, days_back, rng, procedures, catalogs))
        if len(builds) >= chunk:
            insert_guides(db, builds)
            builds = []
    if builds:
        insert_guides(db, builds)


@dataclass(frozen=True)
class SeedResult:
    created: bool
    message: str


def seed_demo(db: Session, *, anchor: date | None = None, guides_per_provider: int = 1100,
              beneficiary_count: int = 320, history: bool = True) -> SeedResult:
    if db.exec(select(Operator).where(Operator.registro_ans == DEMO_REGISTRO_ANS)).first():
        return SeedResult(False, "Dados de demonstração já carregados; nada foi alterado.")
    anchor = anchor or clock.today()
    rng = random.Random(SEED)
    operator = Operator(registro_ans=DEMO_REGISTRO_ANS, name="Copass Saúde", cnpj=full_cnpj("123456780001"))
    db.add(operator)
    db.flush()
    catalogs = build_catalogs(rng)
    db.add_all(catalogs.fees + catalogs.materials + catalogs.medications)
    db.execute(insert(Beneficiary), build_beneficiaries(operator.id, beneficiary_count, rng, anchor))
    beneficiary_ids = list(db.exec(select(Beneficiary.id).order_by(Beneficiary.id)))
    for spec in DEMO_PROVIDERS:
        provider = Provider(
            operator_id=operator.id, code=spec.code, name=spec.name, document=full_cnpj(spec.cnpj_base),
            cnes=spec.cnes, kind=spec.kind, bank="001 - Banco do Brasil", agency="1234-5",
            account=f"{spec.code[-4:]}9-7", tax_profile="Lucro presumido",
        )
        db.add(provider)
        db.flush()
        add_user(db, spec.login, spec.user_name, DEMO_PASSWORD, Role.PROVIDER, provider_code=spec.code)
        generate_guides(db, provider, spec.guide_types, guides_per_provider, beneficiary_ids, anchor, rng, catalogs)
    add_user(db, "operadora", "Equipe Copass Saúde", DEMO_PASSWORD, Role.STAFF)
    if history:  # six months of batches, analyses, glosas, appeals and payments (services/demo_history.py)
        from copass_app.services.demo_history import seed_history

        seed_history(db, anchor)
    refresh_planner_statistics(db)  # a bulk load: see db.refresh_planner_statistics
    return SeedResult(True, "Dados de demonstração carregados.")


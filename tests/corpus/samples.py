"""Deterministic sample lots with real TUSS codes, for the tests, the corpus and the benchmark.

The item names are the official TUSS terms (tests check them against the `tiss` package's TUSS
data); prices, the clinic, the professional and the operator are made up. Test data only: the
portal's own code writes lots from its database (services.lot_export).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from copass_app.tiss.messages import GuideSpec, ItemSpec, LotSpec, ProfessionalSpec
from copass_app.tiss.model import (
    GUIDE_CONSULTA,
    GUIDE_HONORARIOS,
    GUIDE_ODONTO,
    GUIDE_RESUMO_INTERNACAO,
    GUIDE_SP_SADT,
)


@dataclass(frozen=True)
class SampleItem:
    table: str  # TUSS table: 22 procedimentos, 18 diárias/taxas/gases, 19 materiais/OPME, 20 medicamentos
    code: str
    name: str
    unit_value: Decimal
    expense_type: str | None = None  # codigoDespesa when billed as outras despesas
    quantity: Decimal = Decimal(1)

    def spec(self, performed: date | None = None) -> ItemSpec:
        return ItemSpec(code=self.code, description=self.name, unit_value=self.unit_value,
                        quantity=self.quantity, table=self.table, expense_type=self.expense_type,
                        performed_date=performed)


def _p(code: str, name: str, value: str, quantity: int = 1) -> SampleItem:
    return SampleItem("22", code, name, Decimal(value), quantity=Decimal(quantity))


CONSULTA = _p("10101012", "Consulta em consultório (no horário normal ou preestabelecido)", "150.00")
HEMOGRAMA = _p("40304361", "Hemograma com contagem de plaquetas ou frações (eritrograma, leucograma, plaquetas)",
               "12.50")
CREATININA = _p("40301630", "Creatinina - pesquisa e/ou dosagem", "8.20")
GLICOSE = _p("40302040", "Glicose - pesquisa e/ou dosagem", "6.90")
ACIDO_URICO = _p("40301150", "Ácido úrico - pesquisa e/ou dosagem", "7.40")
T4_LIVRE = _p("40316491", "T4 livre - pesquisa e/ou dosagem", "21.30")
RX_TORAX = _p("40805026", "RX - Tórax - 2 incidências", "48.00")
US_ABDOME = _p("40901122",
               "US - Abdome total (abdome superior, rins, bexiga, aorta, veia cava inferior e adrenais)", "135.00")
APENDICECTOMIA = _p("31003079", "Apendicectomia", "1450.00")
HISTERECTOMIA = _p("31303102", "Histerectomia total - via abdominal", "2380.00")
VISITA = _p("10102019", "Visita hospitalar (paciente internado)", "95.00", 2)
CONSULTA_ODONTO = _p("81000030", "Consulta odontológica", "60.00")
PROFILAXIA = _p("84000198", "Profilaxia: polimento coronário", "45.00")
DIARIA = SampleItem("18", "60000023", "DIÁRIA COMPACTA DE APARTAMENTO LUXO", Decimal("780.00"), "05", Decimal(2))
TAXA_SALA = SampleItem("18", "60023112", "TAXA DE SALA CIRÚRGICA, PORTE ANESTÉSICO 2", Decimal("320.00"), "07")
OXIGENIO = SampleItem(
    "18", "60001399",
    "AR COMPRIMIDO COM OXIGÊNIO NO RESPIRADOR/VENTILADOR, VAZÃO DE 10 LITROS/MIN, INSTALAÇÃO / PRIMEIRA HORA, "
    "NA UTI / SEMI-UTI",
    Decimal("42.00"), "01")
DIPIRONA = SampleItem("20", "90598296", "DIPIRONA", Decimal("3.15"), "02", Decimal(3))
CLORETO = SampleItem("20", "90072294", "CLORETO DE SÓDIO", Decimal("4.80"), "02", Decimal(2))
OPME_CUPULA = SampleItem("19", "71519068", "CÚPULA ACETABULAR PINNACLE GRIPTION - 121730042", Decimal("5200.00"), "08")

CATALOG = (CONSULTA, HEMOGRAMA, CREATININA, GLICOSE, ACIDO_URICO, T4_LIVRE, RX_TORAX, US_ABDOME,
           APENDICECTOMIA, HISTERECTOMIA, VISITA, CONSULTA_ODONTO, PROFILAXIA, DIARIA, TAXA_SALA,
           OXIGENIO, DIPIRONA, CLORETO, OPME_CUPULA)

# What each guide type bills, cycled through guide by guide.
POOLS = {
    GUIDE_CONSULTA: (CONSULTA,),
    GUIDE_SP_SADT: (HEMOGRAMA, CREATININA, GLICOSE, ACIDO_URICO, T4_LIVRE, RX_TORAX, US_ABDOME, DIPIRONA,
                    CLORETO, TAXA_SALA),
    GUIDE_RESUMO_INTERNACAO: (APENDICECTOMIA, VISITA, DIARIA, TAXA_SALA, OXIGENIO, DIPIRONA, CLORETO),
    GUIDE_HONORARIOS: (APENDICECTOMIA, VISITA, HISTERECTOMIA),
    GUIDE_ODONTO: (CONSULTA_ODONTO, PROFILAXIA),
}

REGISTRO_ANS = "345678"
PROVIDER_CODE = "100234"
PROVIDER_NAME = "CLÍNICA SÃO LUCAS DIAGNÓSTICOS LTDA"
CNES = "1234567"
PROFESSIONAL = ProfessionalSpec(name="ANA MARIA SOUZA", number="123456", code="PROF001")
SENT_AT = datetime(2026, 1, 15, 10, 0, 0)
FIRST_DAY = date(2026, 1, 5)


def sample_guides(guide_type: str, count: int, items_per_guide: int = 3, first_number: int = 1,
                  pools: dict[str, tuple[SampleItem, ...]] | None = None) -> list[GuideSpec]:
    pool = (pools or POOLS)[guide_type]
    size = 1 if guide_type == GUIDE_CONSULTA else items_per_guide
    guides = []
    for i in range(count):
        number = first_number + i
        performed = FIRST_DAY + timedelta(days=i % 20)
        items = [pool[(i + k) % len(pool)].spec() for k in range(size)]
        guides.append(GuideSpec(
            provider_guide_number=f"{number:08d}",
            card_number=f"0{number % 1000:03d}{number * 7919 % 10**8:08d}00",
            performed_date=performed,
            items=items,
            professional=PROFESSIONAL,
            operator_guide_number=f"OP{number:08d}",
            authorization_password=f"S{number * 31 % 10**7:07d}",
            authorization_date=performed - timedelta(days=2),
            request_guide_number=f"SI{number:08d}" if guide_type != GUIDE_SP_SADT else None,
            end_date=(performed + timedelta(days=2)
                      if guide_type in (GUIDE_RESUMO_INTERNACAO, GUIDE_HONORARIOS) else None),
        ))
    return guides


def sample_lot(guide_type: str, *, guides: int = 3, items_per_guide: int = 3, lot_number: str = "1",
               encoding: str = "ISO-8859-1", pretty: bool = False,
               pools: dict[str, tuple[SampleItem, ...]] | None = None) -> LotSpec:
    """A valid lot of one guide type; change fields of the result to build faulty files."""
    return LotSpec(
        lot_number=lot_number,
        registro_ans=REGISTRO_ANS,
        guide_type=guide_type,
        guides=sample_guides(guide_type, guides, items_per_guide, pools=pools),
        sender_code=PROVIDER_CODE,
        provider_name=PROVIDER_NAME,
        cnes=CNES,
        transaction_at=SENT_AT,
        encoding=encoding,
        pretty=pretty,
    )

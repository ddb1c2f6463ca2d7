"""The four reports of "Relatórios" as TableReports: their columns, titles and notes, from the rows and
totals the report services computed (services/reports). No queries and no arithmetic here."""

from __future__ import annotations

from datetime import datetime

from copass_app import formatting as fmt
from copass_app.reports.report_table import Kind, TableColumn, TableReport

C = TableColumn
NF_TITLE = "Relatório de valores para emissão de NF"
STATEMENTS_TITLE = "Demonstrativos de pagamento"
EXTRATO_TITLE = "Extrato sintético"
GLOSAS_TITLE = "Relatório de glosas"
GLOSAS_PROCEDURE_TITLE = "Glosas por procedimento"

NF_COLUMNS = (
    C("situation", "Situação", 13), C("paid_on", "Data pgto.", 11, Kind.DATE), C("number", "Demonstrativo", 14),
    C("provider", "Prestador", 22), C("gross", "Bruto", 13, Kind.MONEY), C("glosa", "Glosa", 12, Kind.MONEY),
    C("approved", "Aprovado", 13, Kind.MONEY), C("appeals", "Recursos", 11, Kind.MONEY),
    C("irrf", "IRRF", 10, Kind.MONEY), C("pis", "PIS", 10, Kind.MONEY), C("cofins", "COFINS", 10, Kind.MONEY),
    C("csll", "CSLL", 10, Kind.MONEY), C("iss", "ISS", 10, Kind.MONEY),
    C("withholding_total", "Retenções", 12, Kind.MONEY), C("net", "Líquido", 13, Kind.MONEY),
)
STATEMENT_COLUMNS = (
    C("paid_on", "Data", 11, Kind.DATE), C("number", "Demonstrativo", 14), C("provider", "Prestador", 24),
    C("batch_count", "Lotes", 7, Kind.COUNT), C("presented", "Apresentado", 14, Kind.MONEY),
    C("glosa", "Glosa", 12, Kind.MONEY), C("approved", "Aprovado", 14, Kind.MONEY),
    C("appeals", "Recursos", 12, Kind.MONEY), C("withholdings", "Retenções", 12, Kind.MONEY),
    C("net", "Líquido pago", 14, Kind.MONEY),
)
EXTRATO_COLUMNS = (
    C("beneficiary_name", "Beneficiário", 34), C("card_number", "Carteira", 22), C("guide_number", "Guia", 16),
    C("performed_on", "Realização", 12, Kind.DATE), C("provider", "Favorecido", 30), C("bank", "Banco", 22),
    C("agency", "Agência", 10), C("account", "Conta", 13), C("paid_on", "Pago em", 11, Kind.DATE),
    C("value", "Valor", 14, Kind.MONEY),
)
_GLOSA_FIGURES = (
    C("count", "Qtde.", 7, Kind.COUNT), C("value", "Valor glosado", 14, Kind.MONEY),
    C("share", "% do faturado", 11, Kind.PERCENT), C("appealed", "Recursado", 13, Kind.MONEY),
    C("recovered", "Recuperado", 13, Kind.MONEY),
)
GLOSA_REASON_COLUMNS = (C("reason_code", "Código", 8), C("description", "Motivo (tabela 38)", 52), *_GLOSA_FIGURES)
GLOSA_PROCEDURE_COLUMNS = (C("table_code", "Tabela", 7), C("code", "Código", 11),
                           C("description", "Procedimento", 42), *_GLOSA_FIGURES)
PENDING = "A pagar"
PAID = "Pago"


def _header(scope) -> dict:
    operator = f"Operadora: {scope.operator_name}" + (f" · Registro ANS {scope.operator_ans}"
                                                       if scope.operator_ans else "")
    return {"operator": operator, "provider": scope.provider_label, "period": scope.period_label}


def _provider(row) -> str:
    return f"{row.provider_code} - {row.provider_name}"


def _columns(columns: tuple[TableColumn, ...], scope) -> tuple[TableColumn, ...]:
    """A report of one provider names it in its header: its lines need no provider column."""
    return tuple(c for c in columns if c.key != "provider") if scope.provider_id is not None else columns


def nf_report(rows, totals, scope, generated_at: datetime) -> TableReport:
    lines = [{**vars(r), "situation": PAID if r.paid else PENDING, "provider": _provider(r)} for r in rows]
    return TableReport(
        title=NF_TITLE, file_stem="relatorio-nf", **_header(scope), generated_at=generated_at,
        columns=_columns(NF_COLUMNS, scope), rows=lines, totals=_figures(totals, NF_COLUMNS), landscape=True,
        notes=("Retenções conforme o perfil tributário do prestador; um tributo de até R$ 10,00 não é retido.",
               "Linhas \"A pagar\": lotes liberados e recursos aceitos ainda não pagos, com as retenções calculadas "
               "hoje; podem mudar até o pagamento.",
               f"Líquido pago: {_money(totals.paid_net)} · a pagar: {_money(totals.pending_net)}."))


def statements_report(rows, totals, scope, generated_at: datetime) -> TableReport:
    lines = [{**vars(r), "provider": _provider(r)} for r in rows]
    return TableReport(
        title=STATEMENTS_TITLE, file_stem="demonstrativos-pagamento", **_header(scope), generated_at=generated_at,
        columns=_columns(STATEMENT_COLUMNS, scope), rows=lines, totals=_figures(totals, STATEMENT_COLUMNS),
        landscape=True,
        notes=("Apresentado: valor informado nos lotes pagos. Líquido pago: aprovado + recursos - retenções.",))


def extrato_report(rows, totals, scope, generated_at: datetime) -> TableReport:
    lines = [{**vars(r), "provider": _provider(r)} for r in rows]
    return TableReport(
        title=EXTRATO_TITLE, file_stem="extrato-sintetico", **_header(scope), generated_at=generated_at,
        columns=EXTRATO_COLUMNS, rows=lines, totals={"value": totals.gross},
        totals_label=f"Total bruto ({totals.count} guias, {totals.patients} beneficiários)", landscape=True,
        notes=("Valor: informado na guia. Dados bancários do pagamento; sem data de pagamento: lote liberado, a "
               "pagar na conta cadastrada.",))


def glosas_report(reason_rows, procedure_rows, totals, scope, generated_at: datetime) -> TableReport:
    figures = _figures(totals, _GLOSA_FIGURES)
    header = _header(scope)
    procedures = TableReport(
        title=GLOSAS_PROCEDURE_TITLE, file_stem="glosas-procedimento", **header, generated_at=generated_at,
        columns=GLOSA_PROCEDURE_COLUMNS, rows=[vars(r) for r in procedure_rows], totals=figures)
    return TableReport(
        title=GLOSAS_TITLE, file_stem="glosas", **header, generated_at=generated_at,
        columns=GLOSA_REASON_COLUMNS, rows=[vars(r) for r in reason_rows], totals=figures,
        notes=(f"Valor faturado dos lotes analisados no período: {_money(totals.billed)}. % do faturado: valor "
               "glosado ÷ valor faturado. Recursado: valor contestado em recursos; recuperado: valor aceito.",),
        sections=(procedures,))


def _figures(totals, columns) -> dict:
    return {c.key: getattr(totals, c.key) for c in columns if hasattr(totals, c.key) and c.kind != Kind.TEXT
            and c.kind != Kind.DATE}


def _money(value) -> str:
    return fmt.money(value)

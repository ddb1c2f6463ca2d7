"""Every route of the portal in one registry: its path, page title, who may open it and its menu entry.

The app adds its pages from here, the shell builds its menus from here and the session checks
redirect with it. No reflex here: a route is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote


class Audience(StrEnum):
    PUBLIC = "public"  # no session needed
    PROVIDER = "provider"  # a provider's user
    STAFF = "staff"  # the operator's staff
    SIGNED_IN = "signed_in"  # any logged-in user (provider or staff): in both menus


@dataclass(frozen=True)
class MenuEntry:
    section: str
    label: str


@dataclass(frozen=True)
class Route:
    path: str
    title: str
    audience: Audience
    menu: MenuEntry | None = None


HOME = Route("/", "Portal do Prestador", Audience.PUBLIC)
LOGIN = Route("/login", "Entrar", Audience.PUBLIC)
DASHBOARD = Route("/painel", "Painel", Audience.PROVIDER, MenuEntry("Início", "Painel"))
STAFF_DASHBOARD = Route("/operadora/painel", "Painel da operadora", Audience.STAFF, MenuEntry("Início", "Painel"))
GUIDES = Route("/guias", "Procedimentos solicitados", Audience.PROVIDER,
               MenuEntry("Solicitação", "Procedimentos solicitados"))
BILLING = Route("/faturamento", "Faturamento de atendimentos", Audience.PROVIDER,
                MenuEntry("Solicitação", "Faturamento de atendimentos"))
ATTENDANCES = Route("/atendimentos", "Digitação de atendimentos", Audience.PROVIDER,
                    MenuEntry("Principal › TISS", "Digitação de atendimentos"))
CLOSING = Route("/atendimentos/fechamento", "Fechar atendimentos", Audience.PROVIDER,
                MenuEntry("Principal › TISS", "Fechar atendimentos"))
XML_UPLOAD = Route("/envio-xml", "Envio de arquivo XML", Audience.PROVIDER,
                   MenuEntry("Envio de arquivo XML", "Enviar lote XML"))
API_TOKENS = Route("/integracao", "Integração (API)", Audience.PROVIDER,
                   MenuEntry("Envio de arquivo XML", "Integração (API)"))
BATCHES = Route("/acompanhamento", "Acompanhamento dos faturamentos", Audience.PROVIDER,
                MenuEntry("Acompanhamento", "Faturamentos"))
UPLOAD_HISTORY = Route("/acompanhamento/envios", "Envios de XML", Audience.PROVIDER,
                       MenuEntry("Acompanhamento", "Envios de XML"))
PROVIDER_APPEALS = Route("/recursos", "Recursos de glosa", Audience.PROVIDER,
                         MenuEntry("Acompanhamento", "Recursos de glosa"))
PROVIDER_PAYMENTS = Route("/pagamentos", "Pagamentos", Audience.PROVIDER, MenuEntry("Acompanhamento", "Pagamentos"))
STAFF_HOME = Route("/operadora", "Prestadores credenciados", Audience.STAFF, MenuEntry("Operadora", "Prestadores"))
RECEIVED_BATCHES = Route("/operadora/lotes", "Lotes recebidos", Audience.STAFF,
                         MenuEntry("Operadora", "Lotes recebidos"))
BATCH_ANALYSIS = Route("/operadora/lotes/[lote]", "Análise do lote", Audience.STAFF)  # [lote]: the batch id
APPEALS_QUEUE = Route("/operadora/recursos", "Recursos de glosa", Audience.STAFF,
                      MenuEntry("Operadora", "Recursos de glosa"))
PAYMENTS = Route("/operadora/pagamentos", "Pagamentos", Audience.STAFF, MenuEntry("Operadora", "Pagamentos"))
CRITIQUE = Route("/operadora/critica", "Crítica automática", Audience.STAFF,
                 MenuEntry("Operadora", "Crítica automática"))
AUDIT = Route("/operadora/auditoria", "Auditoria", Audience.STAFF, MenuEntry("Operadora", "Auditoria"))
ACCOUNT = Route("/conta/senha", "Alterar senha", Audience.SIGNED_IN, MenuEntry("Minha conta", "Alterar senha"))
# Relatórios (issue 11): the provider's own, and the staff's of any provider (state/reports.py).
REPORT_NF = Route("/relatorios/nf", "Relatório de valores para emissão de NF", Audience.PROVIDER,
                  MenuEntry("Relatórios", "Valores para emissão de NF"))
REPORT_STATEMENTS = Route("/relatorios/demonstrativos", "Demonstrativos de pagamento", Audience.PROVIDER,
                          MenuEntry("Relatórios", "Demonstrativos de pagamento"))
REPORT_EXTRATO = Route("/relatorios/extrato", "Extrato sintético", Audience.PROVIDER,
                       MenuEntry("Relatórios", "Extrato sintético"))
REPORT_GLOSAS = Route("/relatorios/glosas", "Relatório de glosas", Audience.PROVIDER,
                      MenuEntry("Relatórios", "Glosas"))
STAFF_REPORT_NF = Route("/operadora/relatorios/nf", "Relatório de valores para emissão de NF", Audience.STAFF,
                        MenuEntry("Relatórios", "Valores para emissão de NF"))
STAFF_REPORT_STATEMENTS = Route("/operadora/relatorios/demonstrativos", "Demonstrativos de pagamento",
                                Audience.STAFF, MenuEntry("Relatórios", "Demonstrativos de pagamento"))
STAFF_REPORT_EXTRATO = Route("/operadora/relatorios/extrato", "Extrato sintético", Audience.STAFF,
                             MenuEntry("Relatórios", "Extrato sintético"))
STAFF_REPORT_GLOSAS = Route("/operadora/relatorios/glosas", "Relatório de glosas", Audience.STAFF,
                            MenuEntry("Relatórios", "Glosas"))
PROVIDER_REPORTS = (REPORT_NF, REPORT_STATEMENTS, REPORT_EXTRATO, REPORT_GLOSAS)
STAFF_REPORTS = (STAFF_REPORT_NF, STAFF_REPORT_STATEMENTS, STAFF_REPORT_EXTRATO, STAFF_REPORT_GLOSAS)

# In menu order; later issues add their routes here.
ROUTES: tuple[Route, ...] = (
    HOME, LOGIN, DASHBOARD, STAFF_DASHBOARD,
    GUIDES, BILLING, ATTENDANCES, CLOSING, XML_UPLOAD, API_TOKENS, BATCHES, UPLOAD_HISTORY, PROVIDER_APPEALS,
    PROVIDER_PAYMENTS, STAFF_HOME, RECEIVED_BATCHES,
    BATCH_ANALYSIS, APPEALS_QUEUE, PAYMENTS, CRITIQUE, AUDIT, *PROVIDER_REPORTS, *STAFF_REPORTS, ACCOUNT,
)
PROVIDER_HOME = DASHBOARD
APP_NAME = "Portal do Prestador"


def by_path(path: str) -> Route | None:
    return next((route for route in ROUTES if route.path == path), None)


def home_for(is_staff: bool) -> str:
    """Where a logged-in user lands."""
    return STAFF_HOME.path if is_staff else PROVIDER_HOME.path


def page_title(route: Route) -> str:
    return route.title if route is HOME else f"{route.title} · {APP_NAME}"


def menu(audience: Audience) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(label, path)]) in registry order, for the shell's side menu."""
    sections: dict[str, list[tuple[str, str]]] = {}
    shown = {audience, Audience.SIGNED_IN} if audience in (Audience.PROVIDER, Audience.STAFF) else {audience}
    for route in ROUTES:
        if route.audience in shown and route.menu is not None:
            sections.setdefault(route.menu.section, []).append((route.menu.label, route.path))
    return list(sections.items())


def safe_next(target: str) -> str:
    """A `?next=` target only when it is a local page of the portal (no open redirect, no loop to the login)."""
    path = target.split("?", 1)[0]
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return ""
    return "" if path in (LOGIN.path, HOME.path) else target


def login_path(next_path: str = "") -> str:
    """The login page, coming back to `next_path` after the login."""
    target = safe_next(next_path)
    return f"{LOGIN.path}?next={quote(target, safe='/')}" if target else LOGIN.path

""""Integração (API)": what the provider's IT needs to connect its own software to the portal.

The API tokens (create, copy once, revoke), the REST and SOAP addresses with each WSDL, an example
request of each service filled in with the provider's own identifiers (SOAP envelope and curl), and
the last 50 calls of its tokens (time, token, service, result). Every block fits a 390 px screen: long
code scrolls inside its own box, never the page.
"""

from __future__ import annotations

import reflex as rx

from copass_app import routes
from copass_app.components.feedback import confirm_dialog, empty_state, loaded_or_skeleton
from copass_app.components.forms import labelled_field
from copass_app.components.shell import page_shell
from copass_app.components.tables import actions_cell, data_table
from copass_app.services.integration_guide import WS_SECURITY
from copass_app.state.uploads import ApiTokensState
from copass_app.vocabulary import UPLOAD_RESULT

_ANSWERED, _REFUSED = UPLOAD_RESULT["accepted"].color, UPLOAD_RESULT["refused"].color
HASH_RULE = ("O hash de cada mensagem é o MD5 da concatenação dos valores dos elementos (sem as tags, sem os "
             "espaços entre as tags e sem o próprio hash), com o texto em ISO-8859-1. Quando ele não confere, a "
             "resposta (código 5014) diz qual erro comum de cálculo o sistema cometeu.")


def _code(text: rx.Var | str, **props) -> rx.Component:
    """Code the IT copies: monospace, kept as written, scrolled inside its box on a narrow screen."""
    return rx.box(
        rx.el.pre(rx.el.code(text), margin="0", white_space="pre", font_size="12px"),
        overflow_x="auto", max_width="100%", width="100%", padding="0.75em", border_radius="6px",
        background=rx.color("gray", 3), tab_index=0, **props)


def _section(title: str, *content: rx.Component, section_id: str) -> rx.Component:
    return rx.vstack(rx.heading(title, size="4", as_="h2"), *content, spacing="3", width="100%",
                     id=section_id, max_width="100%")


def integration_page() -> rx.Component:
    guide = ApiTokensState.guide
    return page_shell(
        routes.API_TOKENS,
        rx.text("Sistemas de faturamento do prestador (hospitais, laboratórios) podem falar com o portal sem "
                "ninguém clicar: enviar lotes, acompanhar protocolos, cancelar guias, buscar demonstrativos e "
                "recorrer de glosas, pelos web services SOAP do padrão TISS 4.03.00 ou pela API REST. As regras "
                "são as mesmas das páginas.", size="2"),
        _section("Tokens de acesso", *_tokens(), section_id="tokens"),
        loaded_or_skeleton(ApiTokensState.loaded, rx.vstack(
            _section("Endereços", *_addresses(guide), section_id="enderecos"),
            _section("Exemplos de requisição", *_examples(guide), section_id="exemplos"),
            _section("Últimas chamadas", *_calls(), section_id="chamadas"),
            spacing="6", width="100%", max_width="100%")),
    )


# --- tokens -----------------------------------------------------------------------------------------

def _tokens() -> list[rx.Component]:
    return [
        rx.text("Cada sistema usa um token: no cabeçalho HTTP Authorization: Bearer <token> ou, nos web services, "
                "como senha do WS-Security UsernameToken. O token age em nome do seu prestador.", size="2"),
        rx.form(
            rx.hstack(
                labelled_field("Nome do sistema",
                               rx.input(name="name", placeholder="ex.: ERP da clínica", width="22em",
                                        max_width="100%"),
                               field_id="token-name", max_width="100%"),
                rx.button(rx.icon("key-round", size=14), "Criar token", type="submit", id="create-token"),
                spacing="3",
                align="end",
                wrap="wrap",
            ),
            on_submit=ApiTokensState.create,
            reset_on_submit=True,
        ),
        rx.cond(ApiTokensState.new_token != "", rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text("Copie o token agora: ele não será mostrado de novo.", weight="bold"),
                rx.code(ApiTokensState.new_token, id="new-token", word_break="break-all", color_scheme="gray",
                        high_contrast=True),
                spacing="1",
            ),
            color_scheme="amber",
            high_contrast=True,
            width="100%",
        )),
        loaded_or_skeleton(ApiTokensState.loaded, data_table(
            ["Nome", "Criado em", "Último uso", "Situação", "Ações"],
            rx.foreach(ApiTokensState.tokens, _token_row),
            table_id="tokens-table",
            is_empty=ApiTokensState.tokens.length() == 0,
            empty=empty_state("Nenhum token de integração criado",
                              "Dê um nome ao sistema da clínica (ex.: ERP da clínica) e clique em Criar token.",
                              id="tokens-empty"),
        )),
    ]


def _token_row(t) -> rx.Component:
    return rx.table.row(
        rx.table.cell(t.name),
        rx.table.cell(t.created_at, white_space="nowrap"),
        rx.table.cell(t.last_used_at, white_space="nowrap"),
        rx.table.cell(rx.cond(t.revoked, rx.badge("Revogado em ", t.revoked_at, color_scheme="gray",
                                                         high_contrast=True),
                              rx.badge("Ativo", color_scheme="green", high_contrast=True))),
        actions_cell(rx.cond(~t.revoked, confirm_dialog(
            rx.button("Revogar", size="1", color_scheme="red", variant="soft", class_name="revoke-token"),
            ["Revogar o token ", t.name, "?"],
            "Os sistemas que usam este token deixarão de ser aceitos imediatamente. "
            "Não é possível reativá-lo; será preciso criar outro.",
            "Revogar",
            ApiTokensState.revoke(t.id),
            confirm_class="revoke-confirm",
        ))),
        class_name="token-row",
    )


# --- addresses --------------------------------------------------------------------------------------

def _address(label: str, value: rx.Var, **props) -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="bold"),
                     rx.code(value, word_break="break-all", color_scheme="gray", high_contrast=True, **props),
                     spacing="1", width="100%")


def _addresses(guide) -> list[rx.Component]:
    return [
        rx.text("Seu código de prestador na operadora: ", rx.code(guide.provider_code, id="provider-code"),
                " · registro ANS da operadora: ", rx.code(guide.registro_ans), ". Informe-os no cabeçalho "
                "(cabecalho/origem e cabecalho/destino) de cada mensagem TISS.", size="2"),
        _address("API REST (JSON; envio de lote em XML)", guide.base_url + "/api/tiss/", id="rest-url"),
        _address("Descrição OpenAPI 3 da API REST", guide.openapi_url, id="openapi-url"),
        _address("Web services SOAP 1.1 do padrão TISS", guide.soap_base + "/<serviço>", id="soap-url"),
        data_table(
            ["Serviço", "Mensagem → resposta", "WSDL"],
            rx.foreach(guide.services, lambda s: rx.table.row(
                rx.table.cell(rx.vstack(rx.text(s.name, weight="bold", size="2"), rx.text(s.title, size="1"),
                                        spacing="0")),
                rx.table.cell(rx.text(s.transaction, " → ", s.reply, size="1")),
                rx.table.cell(rx.link(s.wsdl, href=s.wsdl, is_external=True, size="1", word_break="break-all")),
                class_name="wsdl-row",
            )),
            table_id="wsdl-table", actions=False,
        ),
        rx.text(HASH_RULE, size="2"),
    ]


# --- examples ---------------------------------------------------------------------------------------

def _examples(guide) -> list[rx.Component]:
    return [
        rx.text("Nos exemplos, $COPASS_TOKEN é o seu token (export COPASS_TOKEN=cpt_...). Os pedidos de situação, "
                "cancelamento e demonstrativo estão completos, com o seu código e o seu último protocolo, e o hash "
                "já calculado: salve o envelope como pedido.xml e rode o curl.", size="2"),
        rx.heading("API REST", size="3", as_="h3"),
        rx.foreach(guide.rest, lambda r: rx.vstack(
            rx.text(rx.code(r.method + " " + r.path), " — ", r.title, size="2"),
            _code(r.curl),
            spacing="1", width="100%", class_name="rest-example")),
        rx.heading("Web services SOAP", size="3", as_="h3"),
        rx.foreach(guide.services, _service_example),
        rx.text("Se o seu sistema preferir WS-Security, envie o token como senha no cabeçalho do envelope (e "
                "dispense o Authorization):", size="2"),
        _code(WS_SECURITY),
    ]


def _service_example(s) -> rx.Component:
    return rx.el.details(
        rx.el.summary(rx.text(s.name, " — ", s.title, as_="span", weight="bold", size="2"),
                      cursor="pointer"),
        rx.vstack(
            rx.cond(s.complete,
                    rx.text("Pedido completo, pronto para enviar.", size="1", color_scheme="gray"),
                    rx.text("Complete o pedido com o conteúdo do seu arquivo XML onde o comentário indica, e "
                            "calcule o hash.", size="1", color_scheme="gray")),
            rx.text("Envelope (pedido.xml)", size="1", weight="bold"),
            _code(s.envelope),
            rx.text("curl", size="1", weight="bold"),
            _code(s.curl),
            spacing="2", width="100%", padding_top="0.5em"),
        class_name="soap-example",
        style={"width": "100%", "max_width": "100%"},
    )


# --- last calls -------------------------------------------------------------------------------------

def _calls() -> list[rx.Component]:
    return [
        rx.text("As últimas 50 chamadas dos tokens do seu prestador, pela API REST e pelos web services.", size="2"),
        data_table(
            ["Data e hora", "Token", "Serviço", "Resultado"],
            rx.foreach(ApiTokensState.calls, lambda c: rx.table.row(
                rx.table.cell(c.at, white_space="nowrap"),
                rx.table.cell(c.token),
                rx.table.cell(rx.code(c.service, size="1")),
                rx.table.cell(rx.badge(c.result, color_scheme=rx.cond(c.refused, _REFUSED, _ANSWERED),
                                       variant="soft", high_contrast=True, white_space="normal")),
                class_name="api-call-row",
            )),
            table_id="api-calls", actions=False,
            is_empty=ApiTokensState.calls.length() == 0,
            empty=empty_state("Nenhuma chamada ainda",
                              "Quando o sistema do prestador usar um token, cada chamada aparece aqui.",
                              id="api-calls-empty"),
        ),
    ]

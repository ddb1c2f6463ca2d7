"""The OpenAPI 3 description of the REST API (copass_app/api.py), served at GET /api/openapi.json.

Written by hand, next to nothing else: tests/services/test_openapi.py fails when a route of the app is
not described here (or a described one does not exist), and checks the document against the OpenAPI
3.0 rules. Texts in Portuguese: the provider's IT reads them.
"""

from __future__ import annotations

from typing import Any

from copass_app.tiss.schema import TISS_VERSION

MONEY = {"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$", "example": "1234.56"}
NULLABLE_MONEY = {**MONEY, "nullable": True}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
DATE = {"type": "string", "format": "date"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": properties}


_SITUACAO = _object({"codigo": {**TEXT, "description": "dm_statusProtocolo (1 Recebido … 6 Pagamento efetuado, "
                                                       "9 Cancelado)"},
                     "descricao": TEXT})

_PROTOCOL = {
    "protocolo": TEXT, "lote": {**TEXT, "description": "numeroLote do prestador"},
    "tipo_guia": {"type": "string", "enum": ["CONSULTA", "SP_SADT", "RESUMO_INTERNACAO", "HONORARIOS", "ODONTO"]},
    "situacao": _ref("Situacao"), "recebido_em": {"type": "string", "format": "date-time"}, "data_envio": DATE,
    "analisado": {"type": "boolean", "description": "a análise terminou: glosas e valores liberados são finais"},
    "quantidade_guias": {"type": "integer"}, "valor_informado": MONEY, "valor_glosa": MONEY,
    "valor_liberado": MONEY,
}

SCHEMAS: dict[str, Any] = {
    "Erro": _object({"erro": _object({
        "codigo": {**NULLABLE_TEXT, "description": "código TISS (tabela 38), quando há um"},
        "mensagem": {**TEXT, "description": "o que houve, em português"}})}),
    "Situacao": _SITUACAO,
    "ProtocoloResumo": _object(_PROTOCOL),
    "Protocolos": _object({"protocolos": {"type": "array", "items": _ref("ProtocoloResumo")}}),
    "Protocolo": _object({**_PROTOCOL, "guias": {"type": "array", "items": _object({
        "numero_guia_prestador": TEXT, "numero_guia_operadora": NULLABLE_TEXT, "numero_carteira": TEXT,
        "beneficiario": TEXT, "data_realizacao": DATE, "situacao": _ref("Situacao"), "valor_informado": MONEY,
        "valor_glosa": MONEY, "valor_liberado": {**NULLABLE_MONEY, "description": "null até o fim da análise"},
        "codigos_glosa": {"type": "array", "items": TEXT}})}}),
    "DemonstrativoAnaliseConta": _object({
        "protocolo": TEXT, "lote": TEXT, "data_protocolo": DATE, "situacao": TEXT,
        "valor_informado": MONEY, "valor_processado": MONEY, "valor_glosa": MONEY, "valor_liberado": MONEY,
        "guias": {"type": "array", "items": _object({
            "numero_guia_prestador": TEXT, "numero_guia_operadora": NULLABLE_TEXT, "senha": NULLABLE_TEXT,
            "numero_carteira": TEXT, "data_inicio_faturamento": DATE, "situacao": TEXT,
            "valor_informado": MONEY, "valor_processado": MONEY, "valor_glosa": MONEY, "valor_liberado": MONEY,
            "itens": {"type": "array", "items": _object({
                "sequencial": {"type": "integer"}, "data_execucao": DATE, "tabela": TEXT, "codigo": TEXT,
                "descricao": TEXT, "quantidade": {"type": "string", "format": "decimal"},
                "valor_informado": MONEY, "valor_processado": MONEY, "valor_glosa": MONEY, "valor_liberado": MONEY,
                "glosas": {"type": "array", "items": _object({
                    "codigo": {**TEXT, "description": "tabela 38"}, "descricao": TEXT, "valor": MONEY})}})}})}}),
    "Pagamentos": _object({
        "pagina": {"type": "integer"}, "paginas": {"type": "integer"}, "total": {"type": "integer"},
        "pagamentos": {"type": "array", "items": _object({
        "numero": TEXT, "data_pagamento": DATE, "quantidade_lotes": {"type": "integer"}, "valor_bruto": MONEY,
        "valor_glosa": MONEY, "valor_liberado": MONEY, "valor_recursos": MONEY, "valor_retencoes": MONEY,
        "valor_liquido": MONEY})}}),
    "DemonstrativoPagamento": _object({
        "numero": TEXT, "data_pagamento": DATE, "valor_informado": MONEY, "valor_processado": MONEY,
        "valor_glosa": MONEY, "valor_liberado": MONEY, "valor_descontos": MONEY, "valor_liquido": MONEY,
        "banco": NULLABLE_TEXT, "agencia": NULLABLE_TEXT, "conta": NULLABLE_TEXT,
        "descontos": {"type": "array", "items": _object({
            "tipo": {**TEXT, "description": "dm_debitoCreditoTipo (01 IRRF, 02 ISS, 04 PIS, 05 COFINS, 06 CSLL)"},
            "descricao": TEXT, "indicador": {**TEXT, "description": "1 débito, 2 crédito"}, "valor": MONEY})},
        "protocolos": {"type": "array", "items": _object({
            "protocolo": TEXT, "lote": TEXT, "data_protocolo": DATE, "valor_informado": MONEY,
            "valor_processado": MONEY, "valor_glosa": MONEY, "valor_liberado": MONEY,
            "guias": {"type": "array", "items": _object({
                "numero_guia_prestador": TEXT, "numero_guia_operadora": NULLABLE_TEXT, "senha": NULLABLE_TEXT,
                "tipo_pagamento": {**TEXT, "description": "dm_tipoPagamento: 1 cobrança inicial, 2 recurso de glosa"},
                "valor_processado": MONEY, "valor_glosa": MONEY, "valor_liberado": MONEY})}})}}),
}

_XML = "application/xml"
_JSON = "application/json"


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": _ref(schema)}}}


def _refusals(*statuses: int) -> dict[str, Any]:
    texts = {
        401: "Token ausente, inválido ou revogado",
        404: "Não encontrado: não existe, ou é de outro prestador (respondido do mesmo modo)",
        409: "Demonstrativo ainda não disponível (a análise do lote não terminou)",
        429: "Limite de requisições por minuto do token atingido (cabeçalho Retry-After em segundos)",
    }
    return {str(s): _json(texts[s], "Erro") for s in statuses}


_NUMBER = {"name": "numero", "in": "path", "required": True, "schema": TEXT}
_FORMAT = {"name": "formato", "in": "query", "required": False,
           "description": "json (padrão) ou xml: o arquivo TISS do demonstrativo, validado pelo XSD oficial",
           "schema": {"type": "string", "enum": ["json", "xml"], "default": "json"}}


def _read(summary: str, schema: str, *, parameters: list | None = None, statuses=(401, 404, 429),
          xml: str | None = None) -> dict[str, Any]:
    ok = _json("Encontrado", schema)
    if xml:
        ok["content"][_XML] = {"schema": {"type": "string", "description": xml}}
    return {"get": {"summary": summary, "security": [{"token": []}], "parameters": parameters or [],
                    "responses": {"200": ok, **_refusals(*statuses)}}}


PATHS: dict[str, Any] = {
    "/api/tiss/lotes": {"post": {
        "summary": "Envia um lote de guias (mensagem TISS ENVIO_LOTE_GUIAS)",
        "description": "As mesmas verificações do envio pela página. Um lote recusado volta com os códigos TISS e, "
                       "quando o hash do epílogo (5014) ou a codificação não conferem, o diagnóstico do erro de "
                       "cálculo ou de gravação do sistema que gerou o arquivo.",
        "security": [{"token": []}],
        "parameters": [{"name": "arquivo", "in": "query", "required": False, "schema": TEXT,
                        "description": "nome do arquivo, para o histórico de envios"}],
        "requestBody": {"required": True, "content": {_XML: {"schema": {
            "type": "string", "description": f"mensagemTISS {TISS_VERSION} (ISO-8859-1 ou UTF-8)"}}}},
        "responses": {
            "200": {"description": "Lote aceito: PROTOCOLO_RECEBIMENTO com o protocolo (cabeçalho X-Copass-Protocolo)",
                    "content": {_XML: {"schema": TEXT}}},
            "401": {"description": "Token ausente, inválido ou revogado", "content": {"text/plain": {"schema": TEXT}}},
            "413": {"description": "Arquivo acima do limite de tamanho", "content": {"text/plain": {"schema": TEXT}}},
            "422": {"description": "Lote recusado: PROTOCOLO_RECEBIMENTO com mensagemErro (códigos TISS)",
                    "content": {_XML: {"schema": TEXT}}},
            "429": {"description": "Limite de requisições por minuto (Retry-After)",
                    "content": {_XML: {"schema": TEXT}}},
        }}},
    "/api/tiss/protocolos": _read(
        "Últimos protocolos do prestador do token (mais recentes primeiro)", "Protocolos", statuses=(401, 429),
        parameters=[{"name": "limite", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}]),
    "/api/tiss/protocolos/{numero}": _read("Situação de um protocolo e de cada guia", "Protocolo",
                                           parameters=[_NUMBER]),
    "/api/tiss/lotes/{numero}": _read("Situação de um protocolo, pelo número do lote do prestador", "Protocolo",
                                      parameters=[_NUMBER]),
    "/api/tiss/protocolos/{numero}/demonstrativo": _read(
        "Demonstrativo de análise de conta de um protocolo analisado", "DemonstrativoAnaliseConta",
        parameters=[_NUMBER, _FORMAT], statuses=(401, 404, 409, 429), xml="DEMONSTRATIVO_ANALISE_CONTA"),
    "/api/tiss/pagamentos": _read(
        "Pagamentos do prestador do token (mais recentes primeiro)", "Pagamentos", statuses=(401, 429),
        parameters=[{"name": "pagina", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "default": 1}}]),
    "/api/tiss/pagamentos/{numero}/demonstrativo": _read(
        "Demonstrativo de pagamento", "DemonstrativoPagamento", parameters=[_NUMBER, _FORMAT],
        xml="DEMONSTRATIVO_PAGAMENTO"),
    "/api/openapi.json": {"get": {"summary": "Esta descrição (OpenAPI 3)", "security": [],
                                  "responses": {"200": {"description": "O documento OpenAPI",
                                                        "content": {_JSON: {"schema": {"type": "object"}}}}}}},
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Portal do Prestador — API para o sistema do prestador",
            "version": TISS_VERSION,
            "description": "Envio de lotes TISS e consultas em JSON (protocolos, demonstrativos, pagamentos). "
                           "Autenticação: 'Authorization: Bearer <token>' com um token criado em Integração (API). "
                           f"Os web services SOAP do padrão TISS ficam em /tiss/{TISS_VERSION}/<serviço> (WSDL em "
                           "?wsdl). Valores em reais como texto decimal com duas casas ('1234.56').",
        },
        "servers": [{"url": "/"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "token de API do prestador (cpt_...)"}},
        },
    }

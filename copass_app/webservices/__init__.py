"""The TISS 4.03.00 web services ("componente de comunicação") for the providers' own software.

SOAP 1.1 endpoints under /tiss/4.03.00/, one per service, each with its WSDL at `?wsdl` (package
files in wsdl/, importing the official tissWebServicesV4_03_00.xsd served at /tiss/4.03.00/schemas/):

    tissLoteGuias                        ENVIO_LOTE_GUIAS            → PROTOCOLO_RECEBIMENTO
    tissSolicitacaoStatusProtocolo       SOLIC_STATUS_PROTOCOLO      → SITUACAO_PROTOCOLO
    tissCancelaGuia                      CANCELA_GUIA                → CANCELAMENTO_GUIA_RECIBO
    tissSolicitacaoDemonstrativoRetorno  SOLIC_DEMONSTRATIVO_RETORNO → DEMONSTRATIVO_ANALISE_CONTA / _PAGAMENTO
    tissRecursoGlosa                     RECURSO_GLOSA               → RECEBIMENTO_RECURSO_GLOSA
    tissSolicitacaoStatusRecursoGlosa    SOLIC_STATUS_RECURSO_GLOSA  → RESPOSTA_RECURSO_GLOSA

`soap_routes()` is what copass_app/api.py mounts on the backend.
"""

from __future__ import annotations

from starlette.routing import Route

from copass_app.webservices.endpoint import BASE_PATH, SCHEMA_PATH, Service, routes


def services() -> list[Service]:
    from copass_app.webservices import (
        cancela_guia,
        demonstrativo_retorno,
        lote_guias,
        recurso_glosa,
        status_protocolo,
        status_recurso_glosa,
    )

    return [lote_guias.SERVICE, status_protocolo.SERVICE, cancela_guia.SERVICE, demonstrativo_retorno.SERVICE,
            recurso_glosa.SERVICE, status_recurso_glosa.SERVICE]


def soap_routes() -> list[Route]:
    return routes(services())


__all__ = ["BASE_PATH", "SCHEMA_PATH", "Service", "services", "soap_routes"]

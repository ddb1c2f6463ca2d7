"""The schema of the clinical fields a provider types on "Digitação de atendimentos", per guide type.

Stored as typed_attendance.detail (JSON). Every coded field must be a value of its TISS 4.03.00
domain (dm_*, read from the official XSD by tiss.domains), every text fits its st_texto length. The
services check what people type field by field, with a Portuguese message on each; this model is
the last word on what may be stored, so a stored detail always builds a guide the XSD accepts.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from copass_app.tiss import domains


def _domain(name: str):
    def check(value: str) -> str:
        if not domains.allows(name, value):
            raise ValueError(f"{value!r} não é um valor de {name}")
        return value
    return AfterValidator(check)


Council = Annotated[str, _domain("dm_conselhoProfissional")]
Uf = Annotated[str, _domain("dm_UF")]
Cbos = Annotated[str, _domain("dm_CBOS")]
Accident = Annotated[str, _domain("dm_indicadorAcidente")]
ConsultationType = Annotated[str, _domain("dm_tipoConsulta")]
Regime = Annotated[str, _domain("dm_regimeAtendimento")]
Character = Annotated[str, _domain("dm_caraterAtendimento")]
CareType = Annotated[str, _domain("dm_tipoAtendimento")]
Text70 = Annotated[str, StringConstraints(min_length=1, max_length=70)]
Text15 = Annotated[str, StringConstraints(min_length=1, max_length=15)]
Text500 = Annotated[str, StringConstraints(max_length=500)]


class _Detail(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Professional(_Detail):
    """ct_contratadoProfissionalDados."""

    name: Text70
    council: Council
    number: Text15
    uf: Uf
    cbos: Cbos


class ConsultaDetail(_Detail):
    """guiaConsulta: profissionalExecutante, indicacaoAcidente, dadosAtendimento (regime, tipoConsulta)."""

    kind: Literal["CONSULTA"] = "CONSULTA"
    professional: Professional
    accident_indication: Accident
    consultation_type: ConsultationType
    care_regime: Regime
    observation: Text500 = ""


class SadtDetail(_Detail):
    """guiaSP-SADT: profissionalSolicitante, dadosSolicitacao, dadosAtendimento, the executing professional
    (equipeSadt of each procedure)."""

    kind: Literal["SP_SADT"] = "SP_SADT"
    professional: Professional
    requester: Professional
    care_character: Character
    care_type: CareType
    accident_indication: Accident
    care_regime: Regime
    requested_on: date | None = None
    clinical_indication: Text500 = ""
    observation: Text500 = ""


Detail = ConsultaDetail | SadtDetail
_MODELS = {"CONSULTA": ConsultaDetail, "SP_SADT": SadtDetail}


def parse_detail(guide_type: str, stored: dict) -> Detail:
    """The stored JSON as its model (raises pydantic.ValidationError when it is not one)."""
    return _MODELS[str(guide_type)].model_validate(stored)


def dump_detail(detail: Detail) -> dict:
    return detail.model_dump(mode="json")

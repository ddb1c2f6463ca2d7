"""Portuguese wording for libxml2's XSD validation messages.

libxml2 writes e.g. "Element '{ns}registroANS': [facet 'pattern'] The value
'12A' is not accepted by the pattern '[0-9]{6}'." A provider needs to read
"O valor '12A' do campo 'registroANS' não está no formato exigido". The common
messages are translated; anything else gets a generic sentence and the original
text stays available as detail.
"""

from __future__ import annotations

import re

from copass_app.tiss import codes

_ELEMENT = re.compile(r"^Element '(?:\{[^}]*\})?([^']+)'(?:, attribute '([^']+)')?: (.*)$", re.DOTALL)
_NAMESPACE = re.compile(r"\{[^}]*\}")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (.*) \)")

# Value errors on these fields have their own TISS code in table 38.
FIELD_CODES = {
    "registroANS": codes.INVALID_OPERATOR,
    "dataRegistroTransacao": codes.INVALID_TRANSACTION_DATE,
    "horaRegistroTransacao": codes.INVALID_TRANSACTION_TIME,
    "Padrao": codes.INVALID_VERSION,
    "tipoTransacao": codes.INVALID_TRANSACTION,
    "caraterAtendimento": codes.INVALID_CARE_CHARACTER,
    "atendimentoRN": codes.INVALID_NEWBORN_FLAG,
    "motivoEncerramento": codes.INVALID_CLOSING_REASON,
    "codDente": codes.INVALID_TOOTH,
    "codRegiao": codes.INVALID_REGION,
    "denteFace": codes.INVALID_TOOTH_FACE,
}

_TYPE_HINTS = (
    ("st_data", "uma data no formato AAAA-MM-DD"),
    ("st_hora", "uma hora no formato HH:MM:SS"),
    ("st_decimal", "um número com ponto decimal (ex.: 1234.56)"),
    ("st_numerico", "um número inteiro"),
    ("st_logico", "true ou false"),
    ("date", "uma data no formato AAAA-MM-DD"),
    ("time", "uma hora no formato HH:MM:SS"),
    ("decimal", "um número com ponto decimal (ex.: 1234.56)"),
    ("integer", "um número inteiro"),
    ("base64Binary", "um conteúdo em Base64"),
)


def _facet(name: str, english: str) -> re.Pattern[str]:
    """libxml2's sentence for one facet; (.*) captures the value and the limit."""
    return re.compile(rf"\[facet '{name}'\] " + english, re.S)


_FACETS = [
    (_facet("pattern", r"The value '(.*)' is not accepted by the pattern '(.*)'\."),
     "O valor '{0}' do campo '{field}' não está no formato exigido ({1})."),
    (_facet("enumeration", r"The value '(.*)' is not an element of the set \{(.*)\}\."),
     "O valor '{0}' do campo '{field}' não é um dos valores permitidos ({allowed})."),
    (_facet("maxLength", r"The value(?: '.*')? has a length of '(\d+)'; "
                         r"this exceeds the allowed maximum length of '(\d+)'\."),
     "O campo '{field}' tem {0} caracteres; o máximo permitido é {1}."),
    (_facet("minLength", r"The value(?: '.*')? has a length of '(\d+)'; "
                         r"this underruns the allowed minimum length of '(\d+)'\."),
     "O campo '{field}' está vazio ou curto demais (mínimo de {1} caractere(s))."),
    (_facet("length", r"The value(?: '.*')? has a length of '(\d+)'; "
                      r"this differs from the allowed length of '(\d+)'\."),
     "O campo '{field}' deve ter exatamente {1} caracteres (tem {0})."),
    (_facet("totalDigits", r"The value '(.*)' has more digits than are allowed \('(\d+)'\)\."),
     "O valor '{0}' do campo '{field}' tem mais de {1} dígitos."),
    (_facet("fractionDigits", r"The value '(.*)' has more fractional digits than are allowed \('(\d+)'\)\."),
     "O valor '{0}' do campo '{field}' tem mais de {1} casas decimais."),
    (_facet("minInclusive", r"The value '(.*)' is less than the minimum value allowed \('(.*)'\)\."),
     "O valor '{0}' do campo '{field}' é menor que o mínimo permitido ({1})."),
    (_facet("maxInclusive", r"The value '(.*)' is greater than the maximum value allowed \('(.*)'\)\."),
     "O valor '{0}' do campo '{field}' é maior que o máximo permitido ({1})."),
]
_ATOMIC = re.compile(r"'(.*)' is not a valid value of the (?:local )?(?:atomic|list|union) type(?: '([^']*)')?", re.S)


def translate(message: str) -> tuple[str, str | None, bool]:
    """(Portuguese message, element local name, is a value error) for one libxml2 message."""
    match = _ELEMENT.match(message.strip())
    if not match:
        return "O arquivo não está de acordo com o esquema TISS 4.03.00.", None, False
    field, attribute, rest = match.groups()
    if attribute:
        return f"O atributo '{attribute}' do elemento '{field}' não é válido.", field, True
    return _structure(field, rest) or _value(field, rest) or (
        f"O elemento '{field}' não está de acordo com o esquema TISS 4.03.00.", field, False)


def code_for(field: str | None, is_value_error: bool) -> str:
    if is_value_error and field in FIELD_CODES:
        return FIELD_CODES[field]
    return codes.CANNOT_VALIDATE


def _expected(rest: str) -> str:
    match = _EXPECTED.search(rest)
    if not match:
        return ""
    names = [_NAMESPACE.sub("", name).strip() for name in match.group(1).split(",")]
    return " Esperado: " + ", ".join(n for n in names if n) + "."


def _structure(field: str, rest: str) -> tuple[str, str, bool] | None:
    if rest.startswith("This element is not expected"):
        return f"O elemento '{field}' não era esperado nesta posição.{_expected(rest)}", field, False
    if rest.startswith("Missing child element"):
        return f"Falta elemento obrigatório dentro de '{field}'.{_expected(rest)}", field, False
    if rest.startswith("Character content other than whitespace is not allowed"):
        return f"O elemento '{field}' não pode conter texto, apenas outros elementos.", field, False
    if rest.startswith("Element content is not allowed"):
        return f"O campo '{field}' deve conter só um valor, não outros elementos.", field, False
    if rest.startswith("No matching global declaration"):
        return f"'{field}' não é um elemento raiz de mensagem TISS.", field, False
    if "The attribute" in rest and "is not allowed" in rest:
        return f"O elemento '{field}' tem um atributo não permitido.", field, False
    return None


def _value(field: str, rest: str) -> tuple[str, str, bool] | None:
    for pattern, template in _FACETS:
        match = pattern.search(rest)
        if match:
            groups = [_shorten(g) for g in match.groups()]
            allowed = _allowed(match.group(2)) if "enumeration" in pattern.pattern else ""
            return template.format(*groups, field=field, allowed=allowed), field, True
    match = _ATOMIC.search(rest)
    if match:
        value, type_name = match.group(1), match.group(2) or ""
        hint = next((text for key, text in _TYPE_HINTS if key in type_name), None)
        expectation = f"; deve ser {hint}" if hint else ""
        return f"O valor '{_shorten(value)}' do campo '{field}' não é válido{expectation}.", field, True
    return None


def _allowed(raw: str, limit: int = 12) -> str:
    values = [v.strip().strip("'") for v in raw.split(",")]
    shown = ", ".join(v for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _shorten(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "..."

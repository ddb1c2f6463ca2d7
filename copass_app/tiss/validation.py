"""Checks 1–5 on an uploaded TISS lot, collecting every error a provider must fix.

1. safe parse (size, no DTD/entities, well-formed)   2. encoding
3. mensagemTISS in the TISS namespace, then the official XSD
4. epilogo hash (5014)
5. transaction ENVIO_LOTE_GUIAS (3148), Padrao 4.03.00 (5028), at most 100
   guides (5015), each guide's total equal to the sum of its items (5042)

Only a file that cannot be parsed, or is not a mensagemTISS at all, stops the
checks early; otherwise every check runs and all errors are reported.
Check 6 (rules that need the database) works on `result.guides`.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from lxml import etree

from copass_app.tiss import codes, xsd_messages
from copass_app.tiss.diagnostics import latin1_declared_issue
from copass_app.tiss.guides import LAYOUTS, guide_elements, to_date
from copass_app.tiss.hash import NO_SLIP, HashEncodingError, compact_hash, declared_hash, diagnose_mismatch
from copass_app.tiss.model import GUIDE_LABELS, GUIDE_TYPES, MAX_GUIDES_PER_LOT, LotIssue, LotValidation
from copass_app.tiss.parsing import ParseFailure, TissParseError, parse_xml, read_limited
from copass_app.tiss.schema import TISS_NS, TISS_VERSION, validate_tree
from copass_app.tiss.totals import ZERO, Mismatch, mismatches, read_totals
from copass_app.tiss.xmlpath import NS_MAP, NS_PREFIX, element_path, indexed, local_name, qualified

EXPECTED_TRANSACTION = "ENVIO_LOTE_GUIAS"
MAX_SCHEMA_ERRORS = 200
GUIDES_PATH = "/mensagemTISS/prestadorParaOperadora/loteGuias/guiasTISS"

_HEADER = {
    "transaction": "cabecalho/identificacaoTransacao/tipoTransacao",
    "sequence": "cabecalho/identificacaoTransacao/sequencialTransacao",
    "date": "cabecalho/identificacaoTransacao/dataRegistroTransacao",
    "sender_code": "cabecalho/origem/identificacaoPrestador/codigoPrestadorNaOperadora",
    "sender_cnpj": "cabecalho/origem/identificacaoPrestador/CNPJ",
    "sender_cpf": "cabecalho/origem/identificacaoPrestador/CPF",
    "destination": "cabecalho/destino/registroANS",
    "version": "cabecalho/Padrao",
    "lot": "prestadorParaOperadora/loteGuias/numeroLote",
}
_HEADER_Q = {key: qualified(path) for key, path in _HEADER.items()}
_LOT = qualified("prestadorParaOperadora/loteGuias")
_PROVIDER_NUMBER = {
    name: etree.XPath(f"string(ans:{layout.provider.replace('/', '/ans:')})", namespaces=NS_MAP)
    for name, layout in LAYOUTS.items()
}


def validate_lot(data: bytes, *, filename: str | None = None, max_bytes: int | None = None,
                 transaction: str = EXPECTED_TRANSACTION) -> LotValidation:
    """Run checks 1–5 on the bytes of one file.

    `transaction` is the tipoTransacao the file must be: another message checked like a lot
    (an uploaded RECURSO_GLOSA) passes its own; it has no guides, so checks 1–4 and its header
    are what apply to it.
    """
    result = LotValidation(filename=filename, size=len(data), source=data)
    try:
        tree = parse_xml(data, max_bytes=max_bytes)
    except TissParseError as exc:
        result.errors.append(_from_failure(exc.failure))
        return result
    root = tree.getroot()
    result.encoding = tree.docinfo.encoding
    root_issue = _root_issue(root)
    if root_issue:
        result.errors.append(root_issue)
        return result
    result.readable = True
    encoding_issue = latin1_declared_issue(data, result.encoding)  # check 2: bytes that are not the declared encoding
    if encoding_issue:
        result.errors.append(encoding_issue)
    _read_header(root, result)
    lot = _Lot(tree)
    result.guide_type = lot.guide_types[0] if lot.guide_types else None
    result.guide_count = len(lot.elements)
    result.total = sum((t.declared for t in lot.totals if t.declared is not None), ZERO)
    result.errors.extend(_schema_issues(lot))
    result.errors.extend(_hash_issues(root, result))
    result.errors.extend(_header_issues(root, result, transaction))
    result.errors.extend(_guide_issues(lot))
    return result


def validate_stream(stream: BinaryIO, *, filename: str | None = None,
                    max_bytes: int | None = None) -> LotValidation:
    """Read an upload in chunks (refusing it as soon as it is too large), then validate it."""
    try:
        data = read_limited(stream, max_bytes)
    except TissParseError as exc:
        return LotValidation(filename=filename, errors=[_from_failure(exc.failure)])
    return validate_lot(data, filename=filename, max_bytes=max_bytes)


def validate_file(path: str | Path, *, max_bytes: int | None = None) -> LotValidation:
    with open(path, "rb") as stream:
        return validate_stream(stream, filename=str(path), max_bytes=max_bytes)


def _from_failure(failure: ParseFailure) -> LotIssue:
    return LotIssue(failure.message, code=failure.code, line=failure.line, detail=failure.detail)


class _Lot:
    """The parsed lot's guides: their elements, totals, and how to name them in messages."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree
        self.elements = guide_elements(tree.getroot())
        self.guide_types = [local_name(element.tag) for element in self.elements]
        self.totals = [read_totals(e, t) for e, t in zip(self.elements, self.guide_types, strict=True)]
        # lxml hands back the same proxy while a reference lives, so elements key a dict.
        self.position = {element: index for index, element in enumerate(self.elements)}
        self.namespaces = {p: ns for p, ns in tree.getroot().nsmap.items() if p}

    def find(self, xpath: str | None) -> etree._Element | None:
        """The element an XSD error points at (libxml2 gives an XPath with the file's prefixes)."""
        if not xpath:
            return None
        try:
            found = self.tree.xpath(xpath, namespaces=self.namespaces)
        except (etree.XPathError, TypeError):
            return None
        return found[0] if isinstance(found, list) and found and isinstance(found[0], etree._Element) else None

    def guide_of(self, element: etree._Element | None) -> int | None:
        while element is not None:
            if element in self.position:
                return self.position[element]
            element = element.getparent()
        return None

    def number(self, index: int) -> str | None:
        number = _PROVIDER_NUMBER[self.guide_types[index]](self.elements[index]).strip()
        return number or None

    def label(self, index: int) -> str:
        return f"Guia {self.number(index) or f'(sem número, posição {index + 1})'}"

    def path(self, index: int) -> str:
        name = self.guide_types[index]
        same = [i for i, t in enumerate(self.guide_types) if t == name]
        return f"{GUIDES_PATH}/{indexed(name, same.index(index) + 1, len(same))}"


# --- check 3: root and XSD ---------------------------------------------------

def _root_issue(root: etree._Element) -> LotIssue | None:
    name = local_name(root.tag)
    namespace = etree.QName(root).namespace
    if name == "mensagemTISS" and namespace == TISS_NS:
        return None
    if name == "mensagemTISS":
        message = (f"O elemento mensagemTISS está no namespace '{namespace or '(nenhum)'}'; "
                   f"mensagens TISS usam o namespace {TISS_NS}.")
    else:
        message = f"O arquivo não é uma mensagem TISS: o elemento raiz é <{name}>, e deveria ser <mensagemTISS>."
    return LotIssue(message, code=codes.NOT_TISS_MESSAGE, line=root.sourceline, path=f"/{name}")


def _schema_issues(lot: _Lot) -> list[LotIssue]:
    entries = validate_tree(lot.tree)
    issues, explained = _guide_type_issues(lot, entries) if entries else ([], set())
    seen: set[tuple[int, str]] = set()
    for entry in entries:
        key = (entry.line, entry.path)
        if key in seen or key in explained:  # libxml2 reports one bad value once per facet and again per type
            continue
        seen.add(key)
        issue = _schema_issue(entry, lot)
        if issue:
            issues.append(issue)
        if len(issues) == MAX_SCHEMA_ERRORS:
            issues.append(LotIssue(f"Há mais erros de esquema; só os primeiros {MAX_SCHEMA_ERRORS} foram listados.",
                                   code=codes.CANNOT_VALIDATE))
            break
    return issues


def _schema_issue(entry: etree._LogEntry, lot: _Lot) -> LotIssue | None:
    message, field, is_value_error = xsd_messages.translate(entry.message)
    # Padrao and tipoTransacao get a clearer message (and their own code) from check 5.
    if is_value_error and field in ("Padrao", "tipoTransacao"):
        return None
    element = lot.find(entry.path)
    index = lot.guide_of(element)
    if index is not None and index >= MAX_GUIDES_PER_LOT and element in lot.position:
        return None  # guides past the 100th: reported once, as 5015
    return LotIssue(
        message=f"{lot.label(index)}: {message}" if index is not None else message,
        code=xsd_messages.code_for(field, is_value_error),
        line=entry.line or None,
        path=element_path(element) if element is not None else _plain_path(entry.path),
        guide_number=lot.number(index) if index is not None else None,
        detail=entry.message,
    )


# A lot of one guide type written as another: the XSD only says an element "was not expected".

def _guide_type_issues(lot: _Lot, entries: list[etree._LogEntry]) -> tuple[list[LotIssue], set[tuple[int, str]]]:
    """1301 for a lot mixing guide types, or for guides whose content is another type's; and the XSD
    errors these explain (left out of the list: the diagnosis says it better)."""
    types = list(dict.fromkeys(lot.guide_types))
    if len(types) > 1:
        return [_mixed_types_issue(lot, types)], {
            (e.line, e.path) for e in entries
            if (element := lot.find(e.path)) in lot.position and lot.guide_types[lot.position[element]] != types[0]}
    if not types:
        return [], set()
    declared = types[0]
    wrong = _structural(lot, entries)
    if not wrong:
        return [], set()
    issues, explained = [], set()
    for candidate in GUIDE_TYPES:
        if candidate == declared or not wrong:
            continue
        for element in lot.elements:  # renamed in place, validated, renamed back: no copy of the tree
            element.tag = NS_PREFIX + candidate
        try:
            fits = set(wrong) - set(_structural(lot, validate_tree(lot.tree)))
        finally:
            for element in lot.elements:
                element.tag = NS_PREFIX + declared
        if fits:
            issues.append(_mislabelled_issue(lot, sorted(fits), declared, candidate))
            explained |= {key for index in fits for key in wrong[index]}
            wrong = {index: keys for index, keys in wrong.items() if index not in fits}
    return issues, explained


def _structural(lot: _Lot, entries: list[etree._LogEntry]) -> dict[int, set[tuple[int, str]]]:
    """Guides (by position) whose own content model fails: an error on the guide or on one of its children."""
    found: dict[int, set[tuple[int, str]]] = {}
    for entry in entries:
        element = lot.find(entry.path)
        if element is None:
            continue
        guide = element if element in lot.position else element.getparent()
        if guide in lot.position:
            found.setdefault(lot.position[guide], set()).add((entry.line, entry.path))
    return found


def _kind(guide_type: str) -> str:
    return f"{GUIDE_LABELS.get(guide_type, guide_type)} (<{guide_type}>)"


def _mixed_types_issue(lot: _Lot, types: list[str]) -> LotIssue:
    parts = [f"{lot.guide_types.count(t)} {'guia' if lot.guide_types.count(t) == 1 else 'guias'} de {_kind(t)}"
             for t in types]
    counts = ", ".join(parts[:-1]) + " e " + parts[-1]
    first_other = next(i for i, t in enumerate(lot.guide_types) if t != types[0])
    return LotIssue(
        f"O lote mistura tipos de guia: {counts}. Cada lote (loteGuias) leva guias de um só tipo; "
        "envie um lote para cada tipo de guia.",
        code=codes.WRONG_GUIDE_TYPE, line=lot.elements[first_other].sourceline, path=lot.path(first_other))


def _mislabelled_issue(lot: _Lot, positions: list[int], declared: str, actual: str) -> LotIssue:
    shown = ", ".join(str(p + 1) for p in positions[:10]) + ("…" if len(positions) > 10 else "")
    if len(positions) == 1:
        which = ("a guia do lote está declarada" if len(lot.elements) == 1
                 else f"a guia na posição {shown} está declarada")
    else:
        which = ("todas as guias do lote estão declaradas" if len(positions) == len(lot.elements)
                 else f"as guias nas posições {shown} estão declaradas")
    return LotIssue(
        f"Tipo de guia trocado: {which} como {_kind(declared)}, mas o conteúdo é de guia de "
        f"{_kind(actual)}. Corrija no sistema que gera o lote o elemento de cada guia (ou o conteúdo gerado).",
        code=codes.WRONG_GUIDE_TYPE, line=lot.elements[positions[0]].sourceline, path=lot.path(positions[0]))


def _plain_path(xpath: str | None) -> str | None:
    if not xpath:
        return None
    return "/".join(step.rpartition(":")[2] for step in xpath.split("/"))


# --- header (read for the result, checked in 5) ------------------------------

def _text(root: etree._Element, key: str) -> str | None:
    element = root.find(_HEADER_Q[key])
    text = (element.text or "").strip() if element is not None else ""
    return text or None


def _read_header(root: etree._Element, result: LotValidation) -> None:
    result.transaction = _text(root, "transaction")
    result.transaction_sequence = _text(root, "sequence")
    result.transaction_date = to_date(_text(root, "date"))
    result.sender_code = _text(root, "sender_code")
    result.sender_cnpj = _text(root, "sender_cnpj")
    result.sender_cpf = _text(root, "sender_cpf")
    result.destination_ans = _text(root, "destination")
    result.version = _text(root, "version")
    result.lot_number = _text(root, "lot")


# --- check 4: hash -----------------------------------------------------------

def _hash_issues(root: etree._Element, result: LotValidation) -> list[LotIssue]:
    result.declared_hash = declared_hash(root)
    hash_element = root.find(qualified("epilogo/hash"))
    where = {"code": codes.INVALID_HASH, "path": "/mensagemTISS/epilogo/hash",
             "line": hash_element.sourceline if hash_element is not None else None}
    try:
        result.computed_hash = compact_hash(root)  # parse_xml dropped the whitespace between tags
    except HashEncodingError as exc:
        slip = diagnose_mismatch(result.source, result.declared_hash, result.encoding)
        return [LotIssue(f"{exc} {slip.message}" if slip else str(exc), **where)]
    if not result.declared_hash:
        return [LotIssue("O hash do epílogo (epilogo/hash) não foi informado.", **where)]
    if result.declared_hash.lower() != result.computed_hash:
        # Only a failed hash pays for the diagnosis (a second parse and a few dozen MD5s).
        slip = diagnose_mismatch(result.source, result.declared_hash, result.encoding)
        return [LotIssue(
            f"O hash do epílogo ({result.declared_hash}) não confere com o conteúdo do arquivo "
            f"(calculado: {result.computed_hash}). {slip.message if slip else NO_SLIP}",
            **where)]
    return []


# --- check 5: transaction, version, guide count and totals ---------------------

_SENT_AS = {EXPECTED_TRANSACTION: "um lote de guias", "RECURSO_GLOSA": "um recurso de glosa"}


def _header_issues(root: etree._Element, result: LotValidation,
                   expected: str = EXPECTED_TRANSACTION) -> list[LotIssue]:
    issues = []
    if result.transaction and result.transaction != expected:
        issues.append(_header_issue(
            root, "transaction", codes.INVALID_TRANSACTION,
            f"O tipo de transação é '{result.transaction}'; {_SENT_AS.get(expected, 'a mensagem')} deve ser "
            f"enviado como {expected}."))
    if result.version and result.version != TISS_VERSION:
        issues.append(_header_issue(
            root, "version", codes.INVALID_VERSION,
            f"A versão do padrão TISS informada é '{result.version}'; o portal aceita somente {TISS_VERSION}."))
    if result.transaction == EXPECTED_TRANSACTION and root.find(_LOT) is None:
        issues.append(LotIssue(
            "A mensagem é um ENVIO_LOTE_GUIAS, mas não contém lote de guias (prestadorParaOperadora/loteGuias).",
            code=codes.INCOMPLETE_MESSAGE, line=root.sourceline, path="/mensagemTISS"))
    return issues


def _header_issue(root: etree._Element, key: str, code: str, message: str) -> LotIssue:
    element = root.find(_HEADER_Q[key])
    return LotIssue(message, code=code, line=element.sourceline, path=f"/mensagemTISS/{_HEADER[key]}")


def _guide_issues(lot: _Lot) -> list[LotIssue]:
    issues = []
    if len(lot.elements) > MAX_GUIDES_PER_LOT:
        issues.append(LotIssue(
            f"O lote tem {len(lot.elements)} guias; o máximo por lote é {MAX_GUIDES_PER_LOT}. "
            "Divida as guias em mais de um lote.",
            code=codes.TOO_MANY_GUIDES, line=lot.elements[MAX_GUIDES_PER_LOT].sourceline, path=GUIDES_PATH))
    for index, totals in enumerate(lot.totals):
        for mismatch in mismatches(totals):
            issues.append(_total_issue(lot, index, mismatch))
    return issues


def _total_issue(lot: _Lot, index: int, mismatch: Mismatch) -> LotIssue:
    from copass_app.formatting import money  # babel: loaded only when a total is wrong (see tiss.cli)

    relative = mismatch.relative_path
    target = lot.elements[index].find("/".join(NS_PREFIX + step for step in relative.split("/")))
    declared, computed = money(mismatch.declared), money(mismatch.computed)
    if declared == computed:  # 27.601 against 27.60: rounding to cents would hide the difference
        declared, computed = (f"R$ {str(value).replace('.', ',')}" for value in (mismatch.declared, mismatch.computed))
    return LotIssue(
        f"{lot.label(index)}: {mismatch.what} ({declared}) é diferente {mismatch.versus} ({computed}).",
        code=codes.GUIDE_TOTAL_MISMATCH,
        line=target.sourceline if target is not None else lot.elements[index].sourceline,
        path=f"{lot.path(index)}/{relative}",
        guide_number=lot.number(index),
    )

"""The official XSDs are pinned by SHA-256 and compiled once, without network."""

from __future__ import annotations

import shutil
import socket
import threading

import pytest
from lxml import etree

from copass_app.tiss import schema
from copass_app.tiss.schema import SchemaPinError, get_schema, read_pins, verify_schema_pins, xsd_dir


def test_pins_list_every_official_file():
    pins = read_pins()
    assert set(pins) == {p.name for p in xsd_dir().glob("*.xsd")}
    assert "tissV4_03_00.xsd" in pins and all(len(d) == 64 for d in pins.values())


def test_installed_schemas_match_the_pins():
    verify_schema_pins()  # raises if anything differs


def test_changed_schema_stops_startup_with_portuguese_message(tmp_path):
    copy = tmp_path / "xsd"
    shutil.copytree(xsd_dir(), copy)
    (copy / "tissGuiasV4_03_00.xsd").write_bytes(b"<!-- alterado -->" + (copy / "tissGuiasV4_03_00.xsd").read_bytes())
    with pytest.raises(SchemaPinError) as error:
        verify_schema_pins(copy)
    message = str(error.value)
    assert "arquivo alterado: tissGuiasV4_03_00.xsd" in message
    assert "não pode iniciar" in message


def test_missing_schema_is_named(tmp_path):
    copy = tmp_path / "xsd"
    shutil.copytree(xsd_dir(), copy)
    (copy / "xmldsig-core-schema.xsd").unlink()
    with pytest.raises(SchemaPinError, match="arquivo ausente: xmldsig-core-schema.xsd"):
        verify_schema_pins(copy)


def test_missing_pin_file_is_an_error(tmp_path):
    with pytest.raises(SchemaPinError, match="não encontrado"):
        verify_schema_pins(pin_file=tmp_path / "nada.sha256")


def test_schema_is_loaded_once_per_process():
    first = get_schema()
    results = []
    threads = [threading.Thread(target=lambda: results.append(get_schema())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result is first for result in results)


def test_schema_loads_without_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("o esquema tentou acessar a rede")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(schema, "_schema", None)
    loaded = get_schema()
    assert isinstance(loaded, etree.XMLSchema)

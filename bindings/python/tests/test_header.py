"""The declaration table in wxface._native matches include/wxface.h, function by function."""

from __future__ import annotations

import ctypes
import re
from typing import Any, Dict, List, Tuple

import pytest

from wxface import _native

from conftest import HEADER

# C type spelling (as in the header, pointer stars attached) -> the ctypes type we declare.
C_TYPES: Dict[str, Any] = {
    "void": None,
    "wxface_status": _native.status_t,
    "uint32_t": ctypes.c_uint32,
    "int": ctypes.c_int,
    "uint16_t": ctypes.c_uint16,
    "size_t": ctypes.c_size_t,
    "const char *": ctypes.c_char_p,
    "const uint8_t *": _native.bytes_p,
    "wxface_client_builder *": _native.builder_p,
    "wxface_client *": _native.client_p,
    "const wxface_client *": _native.client_p,
    "wxface_client **": _native.client_pp,
    "wxface_error *": _native.error_p,
    "const wxface_error *": _native.error_p,
    "wxface_error **": _native.error_pp,
}


def _normalize(c_type: str) -> str:
    c_type = re.sub(r"\s+", " ", c_type).strip()
    c_type = re.sub(r"\s*\*", " *", c_type)  # "char*" / "char *" -> "char *"
    return c_type.replace("* *", "**")


def _parameter_type(parameter: str) -> str:
    """The type of one parameter declaration ("const char *mchid" -> "const char *")."""
    parameter = re.sub(r"\s+", " ", parameter).strip()
    match = re.match(r"^(.*?[\s\*])([A-Za-z_]\w*)$", parameter)
    assert match, f"cannot read the parameter {parameter!r}"
    return _normalize(match.group(1))


def header_functions() -> Dict[str, Tuple[str, List[str]]]:
    """Every ``wxface_*`` function declared in the header: name -> (return type, parameter types)."""
    text = HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    text = re.sub(r'extern\s+"C"\s*\{|\}', " ", text)
    functions: Dict[str, Tuple[str, List[str]]] = {}
    for statement in text.split(";"):
        statement = re.sub(r"\s+", " ", statement).strip()
        if statement.startswith("typedef") or "(" not in statement:
            continue
        match = re.match(r"^(.*?)\b(wxface_\w+)\s*\((.*)\)$", statement)
        assert match, f"cannot read the declaration {statement!r}"
        return_type, name, parameters = match.groups()
        if parameters.strip() in ("", "void"):
            types: List[str] = []
        else:
            types = [_parameter_type(p) for p in parameters.split(",")]
        functions[name] = (_normalize(return_type), types)
    return functions


def test_header_is_present() -> None:
    assert HEADER.is_file(), f"{HEADER} is missing (set WXFACE_HEADER to the header's path)"


def test_header_parser_finds_the_functions() -> None:
    functions = header_functions()
    # Guards against a parser that silently reads nothing.
    assert "wxface_terminate_contract" in functions
    assert functions["wxface_terminate_contract"][1] == [
        "const wxface_client *",
        "const char *",
        "const char *",
        "wxface_error **",
    ]
    assert len(functions) >= 26


def test_every_header_function_is_declared_with_its_arity() -> None:
    functions = header_functions()
    missing = sorted(set(functions) - set(_native.FUNCTIONS))
    assert not missing, f"wxface._native.FUNCTIONS lacks {missing}"
    wrong_arity = {
        name: (len(params), len(_native.FUNCTIONS[name][1]))
        for name, (_, params) in functions.items()
        if len(params) != len(_native.FUNCTIONS[name][1])
    }
    assert not wrong_arity, f"argument counts differ (header, table): {wrong_arity}"


def test_table_declares_no_function_the_header_lacks() -> None:
    extra = sorted(set(_native.FUNCTIONS) - set(header_functions()))
    assert not extra, f"wxface._native.FUNCTIONS declares functions the header lacks: {extra}"


@pytest.mark.parametrize("name", sorted(_native.FUNCTIONS))
def test_declared_types_match_the_header(name: str) -> None:
    functions = header_functions()
    if name not in functions:
        pytest.fail(f"{name} is not in the header")
    return_type, params = functions[name]
    restype, argtypes = _native.FUNCTIONS[name]
    for c_type in [return_type, *params]:
        assert c_type in C_TYPES, f"{name}: no ctypes mapping for the C type {c_type!r}; extend C_TYPES"
    assert restype is C_TYPES[return_type], f"{name}: restype {restype} but header returns {return_type}"
    expected = [C_TYPES[t] for t in params]
    assert list(argtypes) == expected, f"{name}: argtypes {list(argtypes)} but header has {params}"

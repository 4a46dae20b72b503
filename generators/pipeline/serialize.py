"""Documents to deterministic bytes: the only module that serializes (YAML, JSON, text), and pure.

Rendering produces {relative path: document}; this module turns each into bytes, and the writer
(pipeline/writer.py) puts the bytes on disk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
import yaml

from generators.model import conventions

MANIFEST = ".generated-files"


# A string is written plain (no quotes) only when YAML reads it back as the same string: no indicator
# first, no ': ' or ' #', and PyYAML's own implicit resolvers say str (not a bool, number, null,
# timestamp). Anything else is JSON-quoted, which is a valid YAML double-quoted scalar.
# tests/pipeline/test_writer.py round-trips every rendered document through yaml.safe_load.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_RESOLVER = yaml.resolver.Resolver()
_UNSAFE = re.compile(r": |:$| #|[\x00-\x1f\x7f\u2028\u2029\ufeff]")


def _plain(value: str) -> bool:
    if not value or value[0] in _INDICATORS or value[0].isspace() or value[-1].isspace() or _UNSAFE.search(value):
        return False
    return bool(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str")  # type: ignore[no-untyped-call]


def _quoted(value: str) -> str:
    return value if _plain(value) else json.dumps(value, ensure_ascii=False)


# label values, durations, names: the same strings over and over (a dict, not lru_cache: this is the hottest
# call of a render, and a dict lookup inlined in _emit costs a third of a cached call). Bounded; strings of
# more than 256 characters (dashboard JSON in ConfigMaps: megabytes, seen once) are not kept.
_STRINGS: dict[str, str] = {}
_KEEP = 200_000


def _string(value: str) -> str:
    found = _STRINGS.get(value)
    if found is None:
        found = _quoted(value)
        if len(value) <= 256 and len(_STRINGS) < _KEEP:
            _STRINGS[value] = found
    return found


def _scalar(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):  # bool cannot be subclassed: handled above
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, str):
        return _string(str(value))
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _emit(value: Any, indent: str, out: list[str]) -> None:
    """Block-style YAML in the layout PyYAML uses (lists not indented under their key)."""
    append, known = out.append, _STRINGS.get
    if type(value) is dict:
        for key, item in value.items():
            key_text = (known(key) or _string(key)) if type(key) is str else _scalar(str(key))
            kind = type(item)
            if kind is str:  # most values: skip the container checks
                append(f"{indent}{key_text}: {known(item) or _string(item)}\n")
            elif item and (kind is dict or kind is list or isinstance(item, (dict, list))):
                append(f"{indent}{key_text}:\n")
                _emit(item, indent + ("  " if isinstance(item, dict) else ""), out)
            else:
                append(f"{indent}{key_text}: {_flow_empty(item)}\n")
        return
    if isinstance(value, dict):  # a dict subclass: the same, through the general path
        _emit(dict(value), indent, out)
        return
    dash = f"{indent}- "
    inner = indent + "  "
    for item in value:
        kind = type(item)
        if kind is str:
            append(dash + (known(item) or _string(item)) + "\n")
        elif item and (kind is dict or kind is list or isinstance(item, (dict, list))):
            first = len(out)  # the item's first line starts with its indent: replace that with the dash
            _emit(item, inner, out)
            out[first] = dash + out[first][len(inner) :]
        else:
            append(f"{dash}{_flow_empty(item)}\n")


def _flow_empty(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump_yaml(doc: Any) -> str:
    out: list[str] = []
    _emit(doc, "", out)
    return "".join(out)


def serialize(path: str, doc: Any) -> bytes:
    """Deterministic bytes for one output file, with a 'generated' marker where the format allows."""
    if isinstance(doc, bytes):
        return doc
    if path.endswith((".yml", ".yaml")):
        return (f"# {conventions.GENERATED_HEADER}\n" + dump_yaml(doc)).encode()
    if path.endswith(".json"):
        # Same bytes as json.dumps(indent=2, sort_keys=True, ensure_ascii=False) but for float exponents
        # (1e-7, not 1e-07), about 30x faster (a 1,000-service dashboard is 9 MB); tests/pipeline/test_writer.py.
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    if isinstance(doc, str):
        return doc.encode()
    raise TypeError(f"cannot serialize {path}")


def to_bytes(files: Mapping[str, Any]) -> dict[str, bytes]:
    return with_manifest({path: serialize(path, doc) for path, doc in files.items()})


def with_manifest(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files sorted by path, then MANIFEST: the list of them (itself excluded)."""
    out = dict(sorted(files.items()))
    out[MANIFEST] = "".join(f"{p}\n" for p in out).encode()
    return out

"""Attribute values as text (what the JSON and XES writers write) and which are absent
(NaN numbers, empty strings: the attribute is left out for that event or object)."""

from __future__ import annotations

import json
import re

import numpy as np

_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f\x7f]')
_XML_SPECIAL = re.compile(r'[<>&"\'\x00-\x1f\x7f]')


def rounded(x: np.ndarray, digits: int) -> np.ndarray:
    """Money to the cent, kilograms to the gram, metres to the decimetre: float32
    columns would otherwise print digits they do not hold (4283.568359375)."""
    return np.round(np.asarray(x, dtype=float), digits)


def present(values: np.ndarray, kind: str) -> np.ndarray:
    """Which values are there (a mask)."""
    if kind == "float":
        return ~np.isnan(np.asarray(values, dtype=float))
    if kind == "string":
        return np.array([v is not None and v != "" for v in values.tolist()], dtype=bool)
    return np.ones(len(values), dtype=bool)


def as_text(values: np.ndarray, kind: str) -> list:
    """Each value as OCEL 2.0 writes it in text (floats in shortest round-trip form,
    booleans ``true``/``false``); absent values as None."""
    mask = present(values, kind).tolist()
    if kind == "integer":
        vals = [str(int(v)) for v in np.asarray(values).tolist()]
    elif kind == "float":
        vals = [repr(float(v)) for v in np.asarray(values, dtype=float).tolist()]
    elif kind == "boolean":
        vals = ["true" if v else "false" for v in np.asarray(values).tolist()]
    else:
        vals = [str(v) if v is not None else "" for v in values.tolist()]
    return [v if m else None for v, m in zip(vals, mask, strict=True)]


def json_text(s: str) -> str:
    """``s`` escaped for the inside of a JSON string (unchanged if it needs nothing)."""
    return json.dumps(s, ensure_ascii=False)[1:-1] if _JSON_SPECIAL.search(s) else s


def xml_text(s: str) -> str:
    """``s`` escaped for an XML attribute value (unchanged if it needs nothing; control
    characters XML 1.0 cannot hold are dropped, tab and line breaks kept as references)."""
    if not _XML_SPECIAL.search(s):
        return s
    s = (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
         .replace('"', "&quot;").replace("'", "&apos;"))
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: f"&#{ord(m.group())};" if m.group() in "\t\n\r" else "", s)


def plain_names(names) -> bool:
    """Whether none of ``names`` (the sites and carrier services, which object ids
    contain) needs escaping in JSON or XML: then ids are written as they are."""
    return not any(_JSON_SPECIAL.search(n) or _XML_SPECIAL.search(n) for n in names)

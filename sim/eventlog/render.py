"""Rendering many rows of text with one ``%`` template per row shape: the fast path of
the JSON and XES writers (one string operation per event, not one per field).

A row is a sequence of :class:`Piece` s: literal text with ``%`` placeholders and the
values for them. A piece may be absent in some rows (``present``); pieces in a
:class:`Group` are joined by commas, so an absent one leaves no stray separator. Rows
that share which pieces are present share a template.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def literal(text: str) -> str:
    """``text`` safe inside a ``%`` template (a ``%`` in it is doubled)."""
    return text.replace("%", "%%")


@dataclass
class Piece:
    """``text`` (with as many ``%`` placeholders as ``values`` has columns), absent in
    the rows where ``present`` is False (None: present in every row)."""

    text: str
    values: list = field(default_factory=list)  # columns, each a list or array per row
    present: np.ndarray | None = None


@dataclass
class Group:
    """Pieces joined by ``,`` (those present in the row)."""

    pieces: list[Piece]


def render(n: int, parts: list[Piece | Group]) -> list[str]:
    """The ``n`` rows of ``parts``, each as one string."""
    optional = [p for part in parts for p in (part.pieces if isinstance(part, Group) else [part])
                if p.present is not None]
    bit_of = {id(p): bit for bit, p in enumerate(optional)}
    key = np.zeros(n, dtype=np.int64)
    for bit, p in enumerate(optional):
        key |= np.asarray(p.present, dtype=np.int64) << bit
    shapes = np.unique(key)
    out: list[str] = [""] * n if len(shapes) > 1 else []
    for shape in shapes.tolist():
        rows = None if len(shapes) == 1 else np.flatnonzero(key == shape)
        text, cols = [], []
        for part in parts:
            pieces = part.pieces if isinstance(part, Group) else [part]
            chosen = [p for p in pieces if p.present is None or (shape >> bit_of[id(p)]) & 1]
            text.append(",".join(p.text for p in chosen))
            for p in chosen:
                for col in p.values:
                    if rows is None:
                        cols.append(col.tolist() if isinstance(col, np.ndarray) else col)
                    else:
                        cols.append(np.asarray(col, dtype=object)[rows].tolist())
        template = "".join(text)
        if not cols:
            lines = [template % ()] * (n if rows is None else len(rows))
        elif len(cols) == 1:
            lines = [template % v for v in cols[0]]
        else:
            lines = [template % v for v in zip(*cols, strict=True)]
        if rows is None:
            return lines
        for i, line in zip(rows.tolist(), lines, strict=True):
            out[i] = line
    return out

"""A dict as JSON text, a piece at a time: what `json.dumps(d, ensure_ascii=False, indent=…)` gives, without
the whole text (or the whole dict) in memory.

Why: a million-row deals file's report has 368,214 issues and 1.6 million duplicate-member lines. Built as
one dict (`Report.to_dict`) and dumped as one str, its `--report r.json` took 5.3 GB at its peak for a
550 MB file. Here a value may be an iterator — a list made as it is read (issues read back from disk, the
member lines a batch of clusters at a time) — and each of its items is dumped on its own.

What a caller may rely on: `"".join(json_pieces(d, indent))` equals `json.dumps(d', ensure_ascii=False,
indent=indent)`, where d' is d with each iterator value made a list (an iterator of tuples is then a
list of lists, as json makes of tuples). `indent` is an int (a non-negative number of spaces). Each
iterator is read once, in order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from json.encoder import encode_basestring
from typing import Any

__all__ = ["json_pieces"]


def json_pieces(data: Mapping[str, Any], indent: int = 2) -> Iterator[str]:
    """The JSON text of `data` in pieces (see the module docstring)."""
    if not data:
        yield "{}"
        return
    inner = "\n" + " " * indent
    yield "{"
    for n, (key, value) in enumerate(data.items()):
        yield ("," if n else "") + inner + _dumps(key, indent) + ": "
        if isinstance(value, Iterator):
            yield from _list_pieces(value, indent, inner)
        else:
            yield _dumps(value, indent).replace("\n", inner)
    yield "\n}"


def _list_pieces(items: Iterator[Any], indent: int, outer: str) -> Iterator[str]:
    """A list at one level of indentation below the top dict: `[` + each item on its own lines + `]`."""
    inner = outer + " " * indent
    first = True
    for item in items:
        yield ("[" if first else ",") + inner + _dumps(item, indent).replace("\n", inner)
        first = False
    yield "[]" if first else outer + "]"


def _dumps(value: Any, indent: int) -> str:
    # a JSON string never holds a raw line feed (json escapes it), so re-indenting by replacing "\n" is exact
    if type(value) is dict and value:
        try:
            return _flat(value, indent)
        except KeyError:  # a key that is not a str, or a value that is not a scalar
            pass
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (math.inf, -math.inf):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


#: a scalar's JSON by its exact type, as json writes it (`json.dumps` with an indent runs json's pure-Python
#: encoder, a call per value; these are the functions it ends in)
_SCALAR = {str: encode_basestring, int: int.__repr__, float: _float, bool: lambda b: "true" if b else "false",
           type(None): lambda _: "null"}  # fmt: skip
_KEY = {str: encode_basestring}


def _flat(value: dict[str, Any], indent: int) -> str:
    """`json.dumps(value, ensure_ascii=False, indent=indent)` of a dict of str keys and scalar values (an
    issue, a duplicate member), laid out as json lays out a dict. KeyError for any other dict."""
    inner = "\n" + " " * indent
    return "{" + ",".join([inner + _KEY[type(k)](k) + ": " + _SCALAR[type(v)](v) for k, v in value.items()]) + "\n}"

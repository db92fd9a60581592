"""A dict as JSON text, a piece at a time: what `json.dumps(d, ensure_ascii=False, indent=…)` gives, without
the whole text (or the whole dict) in memory.

Why: a million-row deals file's report has 368,214 issues and 1.6 million duplicate-member lines. Built as
one dict (`Report.to_dict`) and dumped as one str, its `--report r.json` took 5.3 GB at its peak for a
550 MB file. Here a value may be an iterator, at any depth (a whole base's report holds each file's) — a
list made as it is read (issues read back from disk, the member lines a batch of clusters at a time) —
and each of its items is dumped on its own; a flat item (str keys, scalar values) through json's C
functions, since `json.dumps` with an indent runs json's pure-Python encoder.

What a caller may rely on: `"".join(json_pieces(d, indent))` equals `json.dumps(d', ensure_ascii=False,
indent=indent)`, where d' is d with each iterator made a list. `indent` is an int (a non-negative number
of spaces). Each iterator is read once, in order; one under a dict whose keys are not all str is made a
list first (json writes such keys as strs of its own making).
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
    yield from _pieces(data, indent, "\n")


def _pieces(value: Any, indent: int, outer: str) -> Iterator[str]:
    """`value` at the indentation `outer` (a line feed and the spaces before its closing bracket): an
    iterator as a list of its items, a dict holding one (at any depth) key by key, anything else whole."""
    if isinstance(value, Iterator):
        inner, first = outer + " " * indent, True
        for item in value:
            head = ("[" if first else ",") + inner
            first = False
            flat = _flat_or_none(item, indent)  # the usual item (an issue, a member line): one piece
            if flat is not None:
                yield head + flat.replace("\n", inner)
            else:
                yield head
                yield from _pieces(item, indent, inner)
        yield "[]" if first else outer + "]"
    elif type(value) is dict and _streams(value):
        inner = outer + " " * indent
        for n, (key, item) in enumerate(value.items()):
            yield ("{" if not n else ",") + inner + _dumps(key, indent) + ": "
            yield from _pieces(item, indent, inner)
        yield outer + "}"
    else:
        try:
            text = _dumps(value, indent)
        except TypeError:  # an iterator under a key json makes a str of: the dict is written whole
            text = _dumps(_listed(value), indent)
        yield text.replace("\n", outer)


def _streams(value: dict[Any, Any]) -> bool:
    """A dict of str keys that holds an iterator somewhere: written key by key (json writes any other key
    as a str of its own making, so such a dict is written whole, its iterators made lists)."""
    return all(type(k) is str for k in value) and any(
        isinstance(v, Iterator) or (type(v) is dict and _streams(v)) for v in value.values())  # fmt: skip


def _listed(value: Any) -> Any:
    """`value` with every iterator in it made a list (dicts and lists walked; only they can hold one)."""
    if isinstance(value, Iterator):
        return [_listed(v) for v in value]
    if type(value) is dict:
        return {k: _listed(v) for k, v in value.items()}
    if type(value) is list:
        return [_listed(v) for v in value]
    return value


def _dumps(value: Any, indent: int) -> str:
    # a JSON string never holds a raw line feed (json escapes it), so re-indenting by replacing "\n" is exact
    flat = _flat_or_none(value, indent)
    return flat if flat is not None else json.dumps(value, ensure_ascii=False, indent=indent)


def _flat_or_none(value: Any, indent: int) -> str | None:
    """`_flat(value)` for a non-empty dict of str keys and scalar values, else None."""
    if type(value) is not dict or not value:
        return None
    try:
        return _flat(value, indent)
    except KeyError:  # a key that is not a str, or a value that is not a scalar
        return None


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

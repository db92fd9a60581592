"""core.json_stream and the report written with it: the same text as `json.dumps`, made a piece at a time."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import migrate
from migrate.core.json_stream import json_pieces
from migrate.quality.cluster_lines import cluster_records, clusters_frame
from migrate.quality.duplicates import Cluster

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                     st.text(alphabet=st.sampled_from(list('aЖ "\\\n\r\t\u2028\x00:,{}[]')), max_size=8))  # fmt: skip
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.dictionaries(st.one_of(st.text(max_size=4), st.integers(0, 9)), inner, max_size=4)), max_leaves=12)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(st.text(max_size=5), st.tuples(st.booleans(), _VALUES, st.lists(_VALUES, max_size=4)),
                              max_size=5),
       indent=st.integers(0, 4))  # fmt: skip
def test_pieces_join_to_what_json_dumps_gives_with_iterators_as_lists(fields, indent) -> None:  # noqa: ANN001
    data = {k: iter(items) if lazy else value for k, (lazy, value, items) in fields.items()}
    listed = {k: list(items) if lazy else value for k, (lazy, value, items) in fields.items()}
    assert "".join(json_pieces(data, indent)) == json.dumps(listed, ensure_ascii=False, indent=indent)


def _lazy(value, draw):  # noqa: ANN001, ANN202 - every list made an iterator where the draw says so
    if isinstance(value, list):
        items = [_lazy(v, draw) for v in value]
        return iter(items) if draw(st.booleans()) else items
    if isinstance(value, dict):
        return {k: _lazy(v, draw) for k, v in value.items()}
    return value


@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(st.text(max_size=4), _VALUES, max_size=4), indent=st.integers(0, 3), data=st.data())
def test_iterators_at_any_depth_are_written_as_the_lists_they_stand_for(value, indent, data) -> None:  # noqa: ANN001
    """A whole base's report holds each file's report, whose issues are an iterator: lists made iterators at
    any depth (in a dict, in a list, under an int key, which json writes as a str) give json's text."""
    lazy = _lazy(value, data.draw)
    expected = json.dumps(value, ensure_ascii=False, indent=indent)
    assert "".join(json_pieces(lazy, indent)) == expected


def test_an_empty_dict_and_empty_iterators_are_written_as_json_writes_them() -> None:
    assert "".join(json_pieces({})) == "{}"
    data = {"issues": iter([]), "notes": [], "n": math.inf}
    assert "".join(json_pieces(data)) == json.dumps({"issues": [], "notes": [], "n": math.inf}, indent=2)


def test_a_report_file_is_the_reports_json_and_its_members_come_in_batches(tmp_path: Path) -> None:
    report = migrate.validate(SAMPLES / "customers.xlsx", "customers", SAMPLES / "account.json")
    assert report.issues and report.duplicates
    written = migrate.write_report(report, tmp_path / "r.json")
    assert written.read_text(encoding="utf-8") == report.to_json() + "\n"
    assert json.loads(written.read_text(encoding="utf-8"))["duplicates"] == \
        clusters_frame(report.duplicates).to_dict("records")  # fmt: skip
    clusters = report.duplicates
    assert len(clusters) >= 3 and clusters[0]._columns is not None
    listed = [Cluster(c.id, c.entity, c.linked, c.members) for c in clusters]  # Members held, no columns
    # the search's slices, Members held, both mixed, and slices that do not follow each other
    for group in (clusters, listed, listed[:1] + clusters[1:] + listed[1:2], clusters[::2], clusters[::-1]):
        whole = clusters_frame(group).to_dict("records")
        for at_once in (1, 2, 5, 10**6):
            got = list(cluster_records(group, at_once=at_once))
            assert got == whole
            assert [tuple(map(type, r.values())) for r in got] == [tuple(map(type, r.values())) for r in whole]

"""Duplicate clusters as member lines (cluster, entity, key_kind, key, row, score): a frame for people and
notebooks (`Report.duplicates_frame`), records for the report's JSON.

Why a module of its own: the JSON report of a big file writes its member lines a batch at a time, reading
the search's member columns as arrays (`cluster_records`); the duplicate search itself never needs this.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .duplicates import Cluster

__all__ = ["DUPLICATE_COLUMNS", "cluster_records", "clusters_frame"]

DUPLICATE_COLUMNS = ["cluster", "entity", "key_kind", "key", "row", "score"]


def clusters_frame(clusters: list[Cluster]) -> pd.DataFrame:
    """One line per member row, with the fixed columns `DUPLICATE_COLUMNS`."""
    rows = [[c.id, c.entity, m.key_kind, m.key, m.row, m.score] for c in clusters for m in c.members]
    frame = pd.DataFrame(rows, columns=DUPLICATE_COLUMNS)
    return frame.astype({"cluster": "int64", "row": "int64", "score": "float64"})


def cluster_records(clusters: list[Cluster], *, at_once: int = 20_000) -> Iterator[dict[str, Any]]:
    """`clusters_frame(clusters).to_dict("records")`, made a batch of clusters (about `at_once` members) at
    a time: a million-row deals file's 1.6 million member lines were a frame and as many dicts at once.
    Consecutive clusters of one search are read from its member columns as arrays, not a Member each."""
    batch: list[Cluster] = []
    size = 0
    for cluster in clusters:
        if batch and (size >= at_once or not _goes_on(batch[-1], cluster)):
            yield from _records(batch)
            batch, size = [], 0
        batch.append(cluster)
        size += len(cluster)
    if batch:
        yield from _records(batch)


def _goes_on(before: Cluster, cluster: Cluster) -> bool:
    """Whether `cluster` is the next slice of `before`'s member columns (or, like it, holds its Members)."""
    if before._columns is None or cluster._columns is None:
        return before._columns is cluster._columns
    return cluster._columns is before._columns and cluster._span[0] == before._span[1]


def _records(batch: list[Cluster]) -> Iterator[dict[str, Any]]:
    columns = batch[0]._columns
    if columns is None:
        yield from clusters_frame(batch).to_dict("records")
        return
    start, stop = batch[0]._span[0], batch[-1]._span[1]
    sizes = [len(c) for c in batch]
    ids = np.repeat(np.array([c.id for c in batch], dtype=np.int64), sizes).tolist()
    entities = np.repeat(np.array([c.entity for c in batch], dtype=object), sizes).tolist()
    kinds = np.asarray(columns.kind[start:stop], dtype=object).tolist()
    parts = (columns.key[start:stop].tolist(), columns.row[start:stop].tolist(),
             columns.score[start:stop].astype("float64").tolist())  # fmt: skip
    for cluster, entity, kind, key, row, score in zip(ids, entities, kinds, *parts, strict=True):
        yield {"cluster": cluster, "entity": entity, "key_kind": kind, "key": key, "row": row, "score": score}

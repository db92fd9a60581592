"""Where a run may write, and how: never over a file the run reads, never half a file.

Two rules every writer follows (DESIGN.md, "Inputs are never outputs"):

- `guard_outputs` refuses, before anything is written, an output path that is — by name, symlink or hard
  link — an input of the run (source, profile, schema, journal) or another output of the same run. The
  user's source is often the only copy of their data; `init x.xlsx -o x.xlsx` must not replace it by YAML.
- `atomic_path` / `write_text_atomic` write into a temporary file beside the target and `os.replace` it
  into place only when the file is complete, so a crash, a full disk or Ctrl-C never leaves half a
  workbook where a good one (or the user's own file) was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .issues import MigrateError

Named = Iterable[tuple[str, "str | Path | None"]]


class OutputClash(MigrateError):
    """An output path is an input of the run, or two outputs of the run are one file (exit 2)."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MODE = 0o666 & ~_umask()  # what a plain open() would have given the file (mkstemp makes it 0600)


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when `a` and `b` are one file: equal once resolved (symlinks, `..`), or hard links to one inode."""
    pa, pb = Path(a).expanduser(), Path(b).expanduser()
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return os.path.normcase(pa.resolve()) == os.path.normcase(pb.resolve())


def guard_outputs(inputs: Named, outputs: Named) -> None:
    """Refuse (OutputClash, nothing written) an output that is an input or another output of this run.

    `inputs` and `outputs` are (what, path) pairs; None paths (an option not given, a built-in profile)
    are skipped. Example: `guard_outputs([("source", "x.xlsx")], [("import file", "x.xlsx")])` raises.
    """
    ins = [(what, Path(p)) for what, p in inputs if p is not None]
    outs = [(what, Path(p)) for what, p in outputs if p is not None]
    for i, (what, out) in enumerate(outs):
        for source_what, source in ins:
            if same_file(out, source):
                raise OutputClash(
                    f"Refusing to write the {what} to '{out}': that file is an input of this run (the {source_what}), "
                    f"and writing it would destroy it. Nothing was written; choose another output file name."
                )
        for other_what, other in outs[:i]:
            if same_file(out, other):
                raise OutputClash(
                    f"Refusing to write the {what} to '{out}': the {other_what} of this run goes to the same file. "
                    "Nothing was written; give each output its own file name."
                )


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on a clean exit it replaces `path` in one step.

    On an exception the temporary file is removed and `path` is untouched (an older file stays whole).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write `text` to `path` atomically (see `atomic_path`); returns `path`."""
    return write_pieces_atomic(path, [text], encoding)


def write_pieces_atomic(path: str | Path, pieces: Iterable[str], encoding: str = "utf-8") -> Path:
    """`write_text_atomic` of a text made a piece at a time (a big report's JSON), never whole in memory."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding=encoding) as fh:
        fh.writelines(pieces)
    return Path(path)


def dry_run_folder(dry_run: bool | str | Path | None, source: Path, suffix: str = ".dry-run") -> Path | None:
    """Where a dry run writes its requests: None (no dry run, for False/None), DIR as given, or for
    `True` a folder beside the source named after it (`customers.xlsx.dry-run/`)."""
    if dry_run is None or dry_run is False:
        return None
    if dry_run is True:
        return source.with_name(source.name + suffix)
    return Path(dry_run)

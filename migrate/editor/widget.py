"""MappingEditor: the ipywidgets face of an EditSession, for JupyterLab, Notebook and Voilà.

One line per source column (header, fill rate, samples, target, transform, owner flag, its errors and
warnings); under a stage/pipeline/owner/list column, its distinct values with what each resolves to and a
dropdown to map it; on top, the reconciliation line and the issues by code (and the cell ledger when the
report has one). Every control's change re-validates at once (no button, no file re-read) and updates
the counts in place.

Tests and scripts drive it through the widgets' public state: `editor.columns[h].target.value = ...`,
`editor.values[h][value].value = ...`; `editor.profile` and `editor.report` are always current.
ipywidgets is imported when an editor is made, so `import migrate` works without the notebook extra.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.issues import MigrateError
from ..core.profile import Profile, transform_names
from ..core.report import Report
from ..core.table import SourceTable
from .opening import ProfileLike, SchemaLike, SourceLike, open_session
from .session import AS_IS, EditSession, ValueLine, rows_text
from .yamltext import profile_text, save_text

_STATE = {"exact": "✓ {resolved}", "mapped": "→ {resolved}", "unchecked": "? {resolved} (no users to check)",
          "fuzzy": "✗ unknown — did you mean «{suggestion}»?", "unknown": "✗ unknown",
          "inactive": "✗ a deactivated user: map to an active one"}  # fmt: skip
_COLOR = {"exact": "#2e7d32", "mapped": "#1565c0", "unchecked": "#8d6e00", "fuzzy": "#c62828", "unknown": "#c62828",
          "inactive": "#c62828"}


def _ipywidgets() -> Any:
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - the notebook extra is part of the test extra
        raise MigrateError("The mapping editor needs ipywidgets: pip install 'amomigrate[notebook]'.") from None
    return ipywidgets


@dataclass
class ColumnControls:
    """The widgets of one source column's line; `values` holds its value lines (stage/owner/list columns)."""

    header: Any
    fill: Any
    samples: Any
    target: Any
    transform: Any
    owner: Any
    feedback: Any
    values: Any
    line: Any


class MappingEditor:
    """An interactive, account-aware mapping editor with live validation.

    >>> editor = MappingEditor("samples/customers.xlsx", schema="samples/account.json")  # doctest: +SKIP
    >>> editor                      # in a notebook cell: the editor            # doctest: +SKIP
    >>> editor.profile, editor.report                                            # doctest: +SKIP
    >>> editor.save("my-profile.yaml")                                           # doctest: +SKIP

    `profile=None` starts from the `init` draft; `schema=None` is the bundled default account.
    """

    def __init__(self, source: SourceLike, profile: ProfileLike = None, schema: SchemaLike = None, *,
                 sheet: str | None = None, entity: str | None = None) -> None:  # fmt: skip
        self._w = _ipywidgets()
        self.session: EditSession = open_session(source, profile, schema, sheet=sheet, entity=entity)
        self._inputs = [Path(p) for p in (source, profile, schema) if isinstance(p, str | Path) and Path(p).exists()]
        if isinstance(source, SourceTable):
            self._inputs.append(Path(source.path))
        self._quiet = False
        #: seconds the last change took from the control's new value to the refreshed counts
        self.last_update_seconds = 0.0
        self.summary = self._w.HTML()
        self.by_code = self._w.HTML()
        self.ledger = self._w.HTML()
        self.columns: dict[str, ColumnControls] = {c: self._column(c) for c in self.session.table.columns}
        self.values: dict[str, dict[str, Any]] = {}
        self.save_path = self._w.Text(value=self._default_path(), description="Save as", layout={"width": "460px"})
        self.save_button = self._w.Button(description="Save", icon="save", button_style="primary")
        self.save_button.on_click(lambda _: self._save_clicked())
        self.saved = self._w.HTML()
        for column in self.columns:
            self._build_values(column)
        self.widget = self._w.VBox([
            self.summary,
            self._heading(),
            *[c.line for c in self.columns.values()],
            self._w.HBox([self.save_path, self.save_button, self.saved]),
            self.by_code,
            self.ledger,
        ], layout={"width": "100%"})  # fmt: skip
        self.widget.add_class("amomigrate-editor")
        self.refresh()

    # --- what code reads ---------------------------------------------------------------------------------
    @property
    def profile(self) -> Profile:
        """The profile as edited so far (the same object across edits)."""
        return self.session.profile

    @property
    def report(self) -> Report | None:
        """The report of the current profile (the last good one while `problem` is set)."""
        return self.session.report

    @property
    def problem(self) -> str | None:
        """Why the current profile cannot be applied (two columns on one target), else None."""
        return self.session.problem

    def save(self, path: str | Path) -> Path:
        """Write the profile as commented YAML (never over the source, profile or schema it was opened with)."""
        return save_text(profile_text(self.session), path, self._inputs)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)  # a front-end without widgets shows the counts, not a VBox dump
        return bundle

    def __repr__(self) -> str:
        report = self.report
        return f"<MappingEditor {self.session.table.where()}: {report.reconciliation() if report else 'no report'}>"

    # --- building ------------------------------------------------------------------------------------------
    def _heading(self) -> Any:
        cells = [("source column", 170), ("filled", 60), ("samples", 230), ("target", 280), ("transform", 150),
                 ("owner", 60), ("errors / warnings", 260)]  # fmt: skip
        return self._w.HBox([self._w.HTML(f"<b>{t}</b>", layout={"width": f"{w}px"}) for t, w in cells])

    def _column(self, column: str) -> ColumnControls:
        w, s = self._w, self.session
        stats = s.stats[column]
        samples = ", ".join(v if len(v) <= 24 else v[:23] + "…" for v in stats.samples)
        target = w.Dropdown(options=s.target_choices(column), value=s.target_of(column), layout={"width": "280px"})
        transform = w.Dropdown(options=[("default", "")] + [(t, t) for t in transform_names()],
                               layout={"width": "150px"})  # fmt: skip
        owner = w.Checkbox(indent=False, layout={"width": "60px"})
        controls = ColumnControls(
            header=w.HTML(f"<b>{html.escape(column)}</b>", layout={"width": "170px"}),
            fill=w.Label(f"{stats.fill:.0%}", layout={"width": "60px"}),
            samples=w.Label(samples, layout={"width": "230px"}),
            target=target, transform=transform, owner=owner,
            feedback=w.HTML(layout={"width": "260px"}),
            values=w.VBox(layout={"margin": "0 0 0 40px"}),
            line=None,
        )  # fmt: skip
        row = w.HBox([controls.header, controls.fill, controls.samples, target, transform, owner, controls.feedback])
        controls.line = w.VBox([row, controls.values])
        target.observe(lambda ch, c=column: self._changed(lambda: self._target_changed(c, ch["new"])), names="value")
        transform.observe(lambda ch, c=column: self._changed(lambda: s.set_transform(c, ch["new"])), names="value")
        owner.observe(lambda ch, c=column: self._changed(lambda: self._owner_changed(c, ch["new"])), names="value")
        self._sync_column(column, controls)
        return controls

    def _build_values(self, column: str) -> None:
        w, s = self._w, self.session
        lines = s.values(column)
        choices = s.value_choices(column)
        boxes, dropdowns = [], {}
        for line in lines:
            options = [AS_IS, *choices] + ([line.mapped_to] if line.mapped_to and line.mapped_to not in choices else [])
            dd = w.Dropdown(options=options, value=line.mapped_to or AS_IS, layout={"width": "260px"})
            dd.observe(lambda ch, c=column, v=line.value: self._changed(lambda: s.map_value(c, v, ch["new"])),
                       names="value")  # fmt: skip
            state = w.HTML(layout={"width": "420px"})
            boxes.append(w.HBox([w.Label(line.value, layout={"width": "230px"}),
                                 w.Label(rows_text(line.rows), layout={"width": "80px"}), dd, state]))  # fmt: skip
            dropdowns[line.value] = dd
        self.columns[column].values.children = tuple(boxes)
        self.values[column] = dropdowns
        if not lines:
            self.values.pop(column, None)

    # --- reacting ------------------------------------------------------------------------------------------
    def _changed(self, edit: Any) -> None:
        if self._quiet:
            return
        start = time.perf_counter()
        edit()
        self.refresh()
        self.last_update_seconds = time.perf_counter() - start

    def _target_changed(self, column: str, target: str) -> None:
        kind = self.session.value_kind(column)
        self.session.set_target(column, target)
        self._sync_column(column, self.columns[column])
        if self.session.value_kind(column) != kind:
            self._build_values(column)

    def _owner_changed(self, column: str, owner: bool) -> None:
        kind = self.session.value_kind(column)
        self.session.set_owner(column, owner)
        if self.session.value_kind(column) != kind:
            self._build_values(column)

    def _sync_column(self, column: str, c: ColumnControls) -> None:
        """Set a line's transform and owner controls from the profile, without triggering edits."""
        spec = self.session.spec_of(column)
        self._quiet = True
        try:
            c.transform.disabled = c.owner.disabled = spec is None
            target = self.session.targets.get(spec.field) if spec else None
            default = target.default_transform if target else "text"
            c.transform.options = [(f"default ({default})", "")] + [(t, t) for t in transform_names()]
            c.transform.value = (spec.transform or "") if spec else ""
            c.owner.value = bool(spec and spec.owner)
        finally:
            self._quiet = False

    def refresh(self) -> None:
        """Redraw every count from the session's current report (no re-validation here)."""
        s = self.session
        report = s.report
        for column, c in self.columns.items():
            fb = s.feedback(column)
            parts = [f"<span style='color:{colour}'>{_count(n, noun)}</span>"
                     for n, noun, colour in ((fb.errors, "error", "#c62828"), (fb.warnings, "warning", "#8d6e00")) if n]
            codes = ", ".join(f"{k} {n}" for k, n in list(fb.codes.items())[:3])
            cells = ", ".join(f"{n} {bucket}" for bucket, n in s.ledger_of(column).items())
            c.feedback.value = ((" · ".join(parts) + (f" <small>({codes})</small>" if codes else ""))
                                or "<span style='color:#2e7d32'>ok</span>") + (
                                f"<br><small>cells: {cells}</small>" if cells else "")  # fmt: skip
        for column, dropdowns in self.values.items():
            lines = {line.value: line for line in s.values(column)}
            for box in self.columns[column].values.children:
                value = box.children[0].value
                if value in lines:
                    box.children[3].value = _state_html(lines[value])
            for value, dd in dropdowns.items():
                if value in lines and (lines[value].mapped_to or AS_IS) != dd.value:
                    self._quiet = True
                    dd.value = lines[value].mapped_to or AS_IS
                    self._quiet = False
        self.summary.value = self._summary_html()
        self.by_code.value = report._repr_html_() if report else ""
        ledger = s.ledger()
        self.ledger.value = ("<b>Cell ledger</b> (non-empty cells of each source column)" + ledger.to_html(index=False)
                             if ledger is not None else "")  # fmt: skip

    def _summary_html(self) -> str:
        s, report = self.session, self.session.report
        head = f"<b>{html.escape(s.table.where())}</b> → {s.profile.entity}"
        if report is None:
            return head + f"<br><span style='color:#c62828'>{html.escape(s.problem or '')}</span>"
        line = (f"<br><b class='amomigrate-reconciliation'>{html.escape(report.reconciliation())}</b>; "
                f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}")  # fmt: skip
        general = s.feedback(None)
        if general.codes:
            line += " · file-level: " + ", ".join(f"{k} {n}" for k, n in general.codes.items())
        if s.problem:
            line += f"<br><span style='color:#c62828'>Not applied: {html.escape(s.problem)}</span>"
        return head + line

    def _save_clicked(self) -> None:
        try:
            path = self.save(self.save_path.value)
            self.saved.value = f"saved {html.escape(str(path))}"
        except (MigrateError, OSError) as e:
            self.saved.value = f"<span style='color:#c62828'>{html.escape(str(e))}</span>"

    def _default_path(self) -> str:
        path = Path(self.session.table.path)
        return str(path.with_name(path.stem + ".profile.yaml"))


def _state_html(line: ValueLine) -> str:
    text = _STATE[line.state].format(resolved=line.resolved or "", suggestion=line.suggestion or "")
    if line.problem:
        return f"<span style='color:#c62828'>{html.escape(text)} ✗ but: {html.escape(line.problem)}</span>"
    return f"<span style='color:{_COLOR[line.state]}'>{html.escape(text)}</span>"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

"""Import tab: drop or pick exports, see what each file is before anything is stored, import, undo.

Every file is previewed in its own job (`pipeline.preview`: format, counts, date span, warnings,
first rows as they will be stored). Importing runs one job over the queued files, one
transaction per file; a file with row problems imports nothing and lists them (file, line,
column, value, why), with "Import the good rows" as the explicit way forward.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.importers import pipeline
from merchant_ai.money import to_float
from merchant_ai.wording import counted
from ui import import_tasks
from ui.import_tasks import MONEY_COLUMNS, FileEntry
from ui.local_time import local_time
from ui.parsed_files import PARSED
from ui.tabs.base import BaseTab
from ui.widgets.drop_zone import DropZone, local_files
from ui.widgets.mapping_editor import MappingEditor
from ui.widgets.records_model import RecordsModel, plain

FILE_FILTER = "Exports (" + " ".join(f"*{x}" for x in sorted(pipeline.EXPORT_SUFFIXES)) + ");;All files (*)"
STATUS_ICONS = {"new": "…", "previewing": "…", "ready": "●", "unreadable": "✕", "rejected": "!",
                "imported": "✓", "failed": "✕"}
HISTORY_COLUMNS = [("id", "#"), ("file_name", "File"), ("format", "Format"), ("channel", "Channel"),
                   ("finished_at", "Imported at"), ("orders", "Orders"), ("lines", "Lines"),
                   ("changed", "What it changed"), ("status", "Status")]
# The previews show rows as they will be stored; their headers in words rather than column names.
PREVIEW_HEADERS = {
    "external_id": "Order", "created_at": "Ordered at", "created_utc": "Ordered at (UTC)",
    "order_date": "Order day", "currency": "Currency", "customer_ref": "Customer", "subtotal": "Subtotal",
    "shipping": "Shipping", "tax": "Tax", "discount": "Discount", "total": "Total", "refunded": "Refunded",
    "status": "Status", "order_external_id": "Order", "line_key": "Line", "channel_sku": "SKU",
    "title": "Title", "quantity": "Quantity", "unit_price": "Unit price", "line_total": "Line total",
    "refunded_qty": "Refunded qty"}
ANONYMOUS_CUSTOMER = "Customer (kept as a key)"
ANONYMOUS_TIP = ("The shop keeps a keyed hash of this e-mail or id, not the text itself (Keep customers "
                 "anonymous); names, addresses and phones are dropped")
PREVIEW_MAX_WIDTH = 200     # a long title or e-mail elides (whole on hover); the other columns stay in view
PROBLEM_COLUMNS = [("file", "File"), ("line", "Line"), ("column", "Column"), ("value", "Value"),
                   ("reason", "Why")]


def money_text(value) -> str:
    """Preview rows carry money in store units (1/10,000); show currency units."""
    try:
        amount = to_float(value)
    except (TypeError, ValueError):
        return plain(value)
    return "" if amount is None else f"{amount:,.2f}"


def _table(model: RecordsModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(24)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class ImportTab(BaseTab):
    title = "Import"

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.entries: list[FileEntry] = []
        self.setAcceptDrops(True)

        page = QWidget()
        root = QVBoxLayout(page)
        root.setContentsMargins(16, 14, 16, 12)
        root.setSpacing(10)
        self.drop_zone = DropZone()
        self.drop_zone.files_dropped.connect(self.add_files)
        self.drop_zone.pick_requested.connect(self.pick_files)
        root.addWidget(self.drop_zone)

        # --- queue | details -----------------------------------------------------------------
        queue_box = QWidget()
        ql = QVBoxLayout(queue_box)
        ql.setContentsMargins(0, 0, 0, 0)
        ql.addWidget(_heading("Files to import"))
        self.file_list = QListWidget()
        self.file_list.setWordWrap(True)
        self.file_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.file_list.currentRowChanged.connect(self._show_entry)
        ql.addWidget(self.file_list, 1)
        qbuttons = QHBoxLayout()
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.import_button = QPushButton("Import")
        self.import_button.setObjectName("primaryButton")
        self.import_button.clicked.connect(lambda: self.start_import(allow_partial=False))
        self.partial_button = QPushButton("Import the good rows")
        self.partial_button.setToolTip("Import every row that could be read; the rows listed under "
                                       "Problems are left out.")
        self.partial_button.clicked.connect(lambda: self.start_import(allow_partial=True))
        self.partial_button.hide()
        # Issue 3's privacy option: on for new shops; the choice applies to the imports that follow.
        self.pseudonymize = QCheckBox("Keep customers anonymous")
        self.pseudonymize.setToolTip("Store only a keyed hash of each buyer's e-mail or username, and no names, "
                                     "addresses or phones. Applies to the imports that follow.")
        self.pseudonymize.setEnabled(False)
        self.pseudonymize.toggled.connect(self._privacy_toggled)
        ql.addWidget(self.pseudonymize)
        qbuttons.addWidget(self.remove_button)
        qbuttons.addStretch(1)
        qbuttons.addWidget(self.partial_button)
        qbuttons.addWidget(self.import_button)
        ql.addLayout(qbuttons)

        details = QWidget()
        dl = QVBoxLayout(details)
        dl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        self.detail_title = _heading("")
        self.format_combo = QComboBox()
        self.format_combo.setToolTip("Read the file as another format")
        self.format_combo.activated.connect(self._format_chosen)
        self.format_combo.setEnabled(False)  # until a file is selected (an empty enabled box looked broken)
        # Wide enough for the longest format name ("amazon-settlement-v2"): it was cut to "shopify-o".
        self.format_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.format_combo.setMinimumContentsLength(16)
        head.addWidget(self.detail_title, 1)
        head.addWidget(QLabel("Read as"))
        head.addWidget(self.format_combo)
        dl.addLayout(head)
        self.detail_summary = QLabel()
        self.detail_summary.setWordWrap(True)
        self.detail_summary.setTextFormat(Qt.TextFormat.RichText)
        dl.addWidget(self.detail_summary)
        self.detail_tabs = QTabWidget()
        self.orders_model = RecordsModel()
        self.lines_model = RecordsModel()
        self.problems_model = RecordsModel(PROBLEM_COLUMNS)
        for model in (self.orders_model, self.lines_model):
            for col in MONEY_COLUMNS:
                model.formatters[col] = money_text
        self.warnings_list = QListWidget()
        self.mapping_editor = MappingEditor()
        self.mapping_editor.apply_requested.connect(self._mapping_applied)
        self.mapping_editor.save_requested.connect(self._save_profile)
        self.problems_view = _table(self.problems_model)
        self.orders_view, self.lines_view = _table(self.orders_model), _table(self.lines_model)
        self.detail_tabs.addTab(self.orders_view, "Orders preview")
        self.detail_tabs.addTab(self.lines_view, "Lines preview")
        self.detail_tabs.addTab(self.mapping_editor, "Column mapping")
        self.detail_tabs.addTab(self.problems_view, "Problems")
        self.detail_tabs.addTab(self.warnings_list, "Warnings")
        dl.addWidget(self.detail_tabs, 1)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(queue_box)
        top.addWidget(details)
        top.setStretchFactor(0, 2)
        top.setStretchFactor(1, 5)
        top.setSizes([320, 800])

        # --- history ----------------------------------------------------------------------------
        history = QGroupBox("Import history")
        hl = QVBoxLayout(history)
        self.history_model = RecordsModel(HISTORY_COLUMNS)
        for col in ("orders", "lines"):   # 529,759 reads at a glance; 529759 does not
            self.history_model.formatters[col] = lambda v: "" if v is None else f"{int(v):,}"
        self.history_view = _table(self.history_model)
        self.history_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history_view.setMinimumHeight(130)
        self.history_view.selectionModel().selectionChanged.connect(self._history_selected)
        hl.addWidget(self.history_view)
        hb = QHBoxLayout()
        self.history_note = QLabel("Undo removes what an import added and puts back what it changed. "
                                   "Undo the newest first.")
        self.history_note.setObjectName("hintText")
        self.undo_button = QPushButton("Undo import")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_selected)
        self.matches_button = QPushButton("Product matches…")
        self.matches_button.setToolTip("The same product under different SKUs on different channels: "
                                       "confirm or reject suggested matches")
        self.matches_button.clicked.connect(self.open_matches)
        hb.addWidget(self.history_note, 1)
        hb.addWidget(self.matches_button)
        hb.addWidget(self.undo_button)
        hl.addLayout(hb)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(history)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([480, 260])
        root.addWidget(split, 1)
        self.set_content(page)
        self._show_entry(-1)
        self._update_buttons()

    # --- tab life cycle -------------------------------------------------------------------------
    def reload(self) -> None:
        if self.ctx.store is None:
            self.show_empty("No shop open", "Open or create a shop to import its exports.")
            return
        self.show_content()
        self.run_job("history", import_tasks.history, on_done=self._show_history, overlay=False)
        self.run_job("profiles", import_tasks.profiles, on_done=self.mapping_editor.set_profiles, overlay=False)
        self.run_job("privacy", import_tasks.privacy_mode, on_done=self._show_privacy, overlay=False)

    def _show_privacy(self, on: bool) -> None:
        self.pseudonymize.blockSignals(True)
        self.pseudonymize.setChecked(bool(on))
        self.pseudonymize.blockSignals(False)
        self.pseudonymize.setEnabled(True)
        self._show_entry(self.file_list.currentRow())     # the preview's customer header follows it

    def _privacy_toggled(self, on: bool) -> None:
        self.pseudonymize.setEnabled(False)
        self.run_job("set_privacy", import_tasks.set_privacy_mode, on, on_done=self._show_privacy, overlay=False)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if local_files(event):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        files = local_files(event)
        if files:
            event.acceptProposedAction()
            self.add_files(files)

    # --- queue ----------------------------------------------------------------------------------
    def pick_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose export files", "", FILE_FILTER)
        if paths:
            self.add_files(paths)

    def add_files(self, paths: list[str]) -> None:
        known = {e.path for e in self.entries}
        for path in (str(f) for f in pipeline.expand_folders(paths)):
            if path in known:
                continue
            entry = FileEntry(path)
            self.entries.append(entry)
            self.file_list.addItem(QListWidgetItem())
            self._preview(entry)
        self._refresh_list()
        if self.file_list.currentRow() < 0 and self.entries:
            self.file_list.setCurrentRow(0)

    def _preview(self, entry: FileEntry) -> None:
        entry.status = "previewing"
        self.run_job(f"preview:{entry.path}", import_tasks.read_preview, entry.path, entry.format, entry.mapping,
                     on_done=lambda result, e=entry: self._previewed(e, result),
                     on_error=lambda message, _t, e=entry: self._preview_failed(e, message), overlay=False)
        self._refresh_list()

    def _previewed(self, entry: FileEntry, result: dict) -> None:
        if entry not in self.entries:
            return
        entry.preview = result
        entry.problems = []
        if not result.get("ok", False) and "format" not in result:
            entry.status = "unreadable"
        else:
            entry.status = "ready"
            if entry.is_generic and entry.mapping is None:
                entry.mapping = result.get("mapping") or {}
        self._refresh_list()

    def _preview_failed(self, entry: FileEntry, message: str) -> None:
        entry.status = "unreadable"
        entry.message = message
        self._refresh_list()

    def remove_selected(self) -> None:
        row = self.file_list.currentRow()
        if 0 <= row < len(self.entries):
            entry = self.entries.pop(row)
            self.ctx.runner.cancel(f"{type(self).__name__}.preview:{entry.path}")
            PARSED.forget(entry.path)
            self.file_list.takeItem(row)
            self._refresh_list()

    def _refresh_list(self) -> None:
        for i, entry in enumerate(self.entries):
            item = self.file_list.item(i)
            item.setText(f"{STATUS_ICONS.get(entry.status, '')}  {entry.name}\n     {entry.summary()}")
            item.setToolTip(entry.path)
        self._show_entry(self.file_list.currentRow())
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.ctx.runner.is_busy(f"{type(self).__name__}.import")
        ready = [e for e in self.entries if e.status in ("ready", "failed")]
        rejected = [e for e in self.entries if e.status == "rejected" and e.partial_possible]
        self.import_button.setEnabled(bool(ready) and not busy)
        self.import_button.setText(f"Import {counted(len(ready), 'file')}" if ready else "Import")
        self.partial_button.setVisible(bool(rejected))
        self.partial_button.setEnabled(not busy)
        self.remove_button.setEnabled(self.file_list.currentRow() >= 0 and not busy)

    # --- details --------------------------------------------------------------------------------
    def current_entry(self) -> FileEntry | None:
        row = self.file_list.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _show_entry(self, _row: int) -> None:
        entry = self.current_entry()
        self.remove_button.setEnabled(entry is not None)
        if entry is None:
            self.detail_title.setText("No file selected")
            self.detail_summary.setText("Add files with the button above, or drop them anywhere on this tab.")
            for model in (self.orders_model, self.lines_model, self.problems_model):
                model.set_records([])
            self.warnings_list.clear()
            self.format_combo.clear()
            self.format_combo.setEnabled(False)
            self.detail_tabs.setTabEnabled(2, False)
            return
        p = entry.preview
        self.detail_title.setText(entry.name)
        self.detail_summary.setText(self._summary_html(entry))
        headers = dict(PREVIEW_HEADERS)
        anonymous = self.pseudonymize.isChecked()     # the e-mail or id shown is not what the shop keeps
        if anonymous:
            headers["customer_ref"] = ANONYMOUS_CUSTOMER
        for model, view, key in ((self.orders_model, self.orders_view, "orders_preview"),
                                 (self.lines_model, self.lines_view, "lines_preview")):
            rows = p.get(key) or []
            model.set_records(rows, [(c, headers.get(c, c)) for c in (rows or [{}])[0]])
            model.header_tips = {"customer_ref": ANONYMOUS_TIP} if anonymous else {}
            view.resizeColumnsToContents()
            for col in range(model.columnCount()):
                view.setColumnWidth(col, min(view.columnWidth(col), PREVIEW_MAX_WIDTH))
        problems = entry.problems or [{"file": entry.name, "line": None, "column": None, "value": None,
                                       "reason": text} for text in p.get("problems", [])]
        self.problems_model.set_records(problems)
        self.detail_tabs.setTabText(3, f"Problems ({len(problems):,})" if problems else "Problems")
        self.warnings_list.clear()
        self.warnings_list.addItems(list(p.get("warnings") or []) + list(p.get("mapping_problems") or []))
        self.detail_tabs.setTabText(4, f"Warnings ({self.warnings_list.count()})" if self.warnings_list.count()
                                    else "Warnings")
        self.format_combo.clear()
        candidates = [c["format"] for c in p.get("candidates") or []]
        if p.get("format") and p["format"] not in candidates:
            candidates.insert(0, p["format"])
        if "generic" not in candidates:
            candidates.append("generic")
        self.format_combo.addItems(candidates)
        self.format_combo.setCurrentText(entry.format or p.get("format") or "")
        self.format_combo.setEnabled(entry.status not in ("previewing", "imported"))
        self.detail_tabs.setTabEnabled(2, entry.is_generic and p.get("columns") is not None)
        if entry.is_generic and p.get("columns") is not None:
            self.mapping_editor.set_columns(p["columns"], entry.mapping or p.get("mapping"))
        if problems and entry.status == "rejected":
            self.detail_tabs.setCurrentIndex(3)

    def _summary_html(self, entry: FileEntry) -> str:
        p = entry.preview
        if entry.status == "previewing":
            return "Reading the file…"
        if entry.status == "unreadable":
            return "<span style='color:#b91c1c'>This file cannot be imported.</span> See Problems."
        if entry.status == "imported":
            r = entry.result
            changed = pipeline.change_summary(r.get("written") or {})
            return (f"<b>Imported</b> as {r.get('format')} ({r.get('channel')}): {r.get('orders', 0):,} orders, "
                    f"{r.get('order_lines', 0):,} lines, {r.get('products', 0):,} products."
                    + (f"<br>In the shop: {changed}." if changed else ""))
        rows = [f"<b>{p.get('format', '?')}</b> · channel {p.get('channel', '?')} · "
                f"{p.get('encoding', '')} · delimiter {repr(p.get('delimiter', ''))}",
                " · ".join(counted(p.get(key, 0), noun) for key, noun in (
                    ("orders", "order"), ("order_lines", "line"), ("units", "unit"), ("products", "product"),
                    ("customers", "customer")))]
        span = p.get("date_span") or [None, None]
        if span[0]:
            rows.append(f"Orders from {span[0]} to {span[1]}")
        # Orders without a currency and without money (pending Amazon items) add no "0.00 gross".
        money = ", ".join(" ".join(filter(None, (f"{r['gross']:,.2f}", r["currency"]))) + " gross"
                          + (f" ({r['refunded']:,.2f} refunded)" if r.get("refunded") else "")
                          for r in p.get("revenue") or [] if r["currency"] or r["gross"] or r.get("refunded"))
        if money:
            rows.append(money)
        if p.get("skipped_total"):
            rows.append(f"{counted(p['skipped_total'], 'row')} left out on purpose (see Warnings)")
        if entry.status == "rejected":
            n = len(entry.problems)
            advice = "Fix the file, or import the good rows." if entry.partial_possible else (
                "None of its rows can be imported as it is: fix the file"
                + (", or map its columns in Mapping." if entry.is_generic else "."))
            rows.append(f"<span style='color:#b91c1c'>{counted(n, 'problem')}: nothing was "
                        f"imported. {advice}</span>")
        elif p.get("problems"):
            n = len(p["problems"])
            rows.append(f"<span style='color:#b45309'>{counted(n, 'row problem')} found.</span>")
        return "<br>".join(rows)

    def _format_chosen(self, index: int) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        entry.format = self.format_combo.itemText(index) or None
        entry.mapping = None if entry.format != "generic" else entry.mapping
        self._preview(entry)

    def _mapping_applied(self, mapping: dict) -> None:
        entry = self.current_entry()
        if entry is None:
            return
        entry.mapping = mapping
        entry.format = "generic"
        self._preview(entry)

    def _save_profile(self, name: str, mapping: dict) -> None:
        self.run_job("save_profile", import_tasks.save_profile, name, mapping,
                     on_done=self.mapping_editor.set_profiles, overlay=False)

    # --- import ---------------------------------------------------------------------------------
    def open_matches(self) -> None:
        """Cross-channel product matches to confirm (issue 3: one master SKU list)."""
        from ui.dialogs.matches import MatchesDialog

        if self.ctx.store is None:
            return
        self.matches_dialog = MatchesDialog(self.ctx, parent=self)
        self.matches_dialog.open()

    def start_import(self, allow_partial: bool = False) -> None:
        if allow_partial:
            chosen = [e for e in self.entries if e.status == "rejected" and e.partial_possible]
        else:
            chosen = [e for e in self.entries if e.status in ("ready", "failed")]
        if not chosen or self.ctx.store is None:
            return
        jobs = [(e.path, e.format if e.format != e.preview.get("format") or e.format == "generic" else None,
                 e.mapping if e.is_generic else None) for e in chosen]
        job = self.run_job("import", import_tasks.import_entries, jobs, allow_partial,
                           on_done=self._imported, on_cancelled=self._import_cancelled,
                           message=f"Importing {counted(len(jobs), 'file')}…")
        # The buttons come back once the runner no longer counts the job as busy: its on_done and
        # on_cancelled run before that, so updating them there left them disabled.
        job.finished.connect(self._update_buttons)
        self._update_buttons()

    def _imported(self, outcomes: list[dict]) -> None:
        by_path = {e.path: e for e in self.entries}
        for outcome in outcomes:
            entry = by_path.get(outcome["path"])
            if entry is None:
                continue
            entry.status = outcome["status"]
            entry.result = outcome.get("result", {})
            entry.problems = outcome.get("problems", entry.problems)   # a partial import keeps its list
            entry.message = outcome.get("message", "")
            entry.partial_possible = bool(outcome.get("partial_possible"))
        self._refresh_list()
        if any(o["status"] == "imported" for o in outcomes):
            self.ctx.notify_data_changed()
        rejected = [e for e in self.entries if e.status == "rejected"]
        if rejected:
            self.file_list.setCurrentRow(self.entries.index(rejected[0]))

    def _import_cancelled(self) -> None:
        self.ctx.notify_data_changed()   # files finished before the cancel stay imported

    # --- history --------------------------------------------------------------------------------
    def _show_history(self, rows: list[dict]) -> None:
        flat = []
        for r in rows:
            counts = r.get("counts") or {}
            orders = counts.get("orders", (counts.get("orders_new") or 0) + (counts.get("orders_updated") or 0))
            flat.append({**r, "orders": orders,
                         "lines": counts.get("order_lines", counts.get("lines")),
                         "changed": pipeline.change_summary(counts),
                         "finished_at": local_time(r.get("finished_at") or r.get("started_at"))})
        self.history_model.set_records(flat)
        self.history_view.resizeColumnsToContents()
        # Long file names and change lists elide (whole on hover) so every column stays in view.
        for key, widest in (("file_name", 260), ("changed", 340)):
            col = [k for k, _ in HISTORY_COLUMNS].index(key)
            self.history_view.setColumnWidth(col, min(self.history_view.columnWidth(col), widest))
        self._history_selected()

    def selected_import(self) -> dict | None:
        rows = self.history_view.selectionModel().selectedRows()
        return self.history_model.record(rows[0].row()) if rows else None

    def _history_selected(self, *_args) -> None:
        record = self.selected_import()
        self.undo_button.setEnabled(record is not None and record.get("status") == "done")

    def undo_selected(self, confirm: bool = True) -> None:
        record = self.selected_import()
        if record is None:
            return
        if confirm and QMessageBox.question(
                self, "Undo import?",
                f"Undo the import of {record['file_name']}? Its orders, lines and products are removed, "
                "and what it changed is put back. A backup is made first.") != QMessageBox.StandardButton.Yes:
            return
        self.run_job("undo", import_tasks.undo, int(record["id"]),
                     on_done=lambda _r: self.ctx.notify_data_changed(), message="Undoing the import…",
                     cancellable=False)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionHeading")
    return label

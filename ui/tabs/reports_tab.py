"""Reports tab: the weekly summary for a chosen week, shown in the tab, previewed, printed or saved.

Building the content (`build_weekly_report`: KPIs, forecast, reorder list, segments, pairs,
margins) runs as a background job with progress and Cancel; only the Qt document layout and
painting (`ui.report_pdf`) happen on the GUI thread, because QTextDocument layout needs it and
takes well under a second. The tab shows the report's key numbers, its actions and a picture of
page 1 so it is useful without opening a dialog. The last save folder is remembered in QSettings
(a folder path only, never anything from inside the shop).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPageSize, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from merchant_ai.wording import counted
from ui.report_tasks import WeekChoice, build_report, load_week_choices
from ui.tabs.base import NO_DATA_TEXT, BaseTab
from ui.widgets.action_list import ActionList

PAGE_SIZES = [("auto", "Automatic"), ("a4", "A4"), ("letter", "Letter")]
SETTINGS_FOLDER_KEY = "reports/last_save_folder"
PICTURE_WIDTH = 900      # px the page-1 picture is rendered at (shown scaled to the panel's width)


def _settings() -> QSettings:
    return QSettings("MerchantAI", "MerchantAI")


def _money(value: float | None, currency: str | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.2f}" + (f" {currency}" if currency else "")


def format_value(unit: str, value: float | None, currency: str | None = None) -> str:
    """A KPI value as the report prints it: money with 2 decimals, counts whole, rates in percent."""
    if value is None:
        return "–"
    if unit == "money":
        return _money(value, currency)
    if unit == "pct":
        return f"{value:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def format_change(change: float | None, in_points: bool = False) -> str:
    if change is None:
        return "–"
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return f"{arrow} {abs(change):.1f}{' pts' if in_points else '%'}"


class PagePicture(QWidget):
    """A page image drawn at the widget's width (aspect kept), on a grey desk with a thin shadow."""

    MARGIN = 12

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        sp = self.sizePolicy()
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)
        self.setMinimumWidth(200)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.updateGeometry()
        self.update()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        if self.image is None or self.image.width() == 0:
            return 0
        inner = max(1, width - 2 * self.MARGIN)
        return int(inner * self.image.height() / self.image.width()) + 2 * self.MARGIN

    def sizeHint(self):  # noqa: N802 - Qt API
        from PySide6.QtCore import QSize

        return QSize(420, self.heightForWidth(420))

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#e5e7eb"))
        if self.image is not None:
            inner = self.width() - 2 * self.MARGIN
            target = QRectF(self.MARGIN, self.MARGIN, inner, inner * self.image.height() / self.image.width())
            painter.fillRect(target.translated(2, 2), QColor("#9ca3af"))
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self.image)
        painter.end()


class ReportsTab(BaseTab):
    title = "Reports"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.report: Any = None          # the WeeklyReport shown, once built
        self.document = None             # its QTextDocument (screen resolution), for the page picture
        self.weeks: list[WeekChoice] = []
        self.last_saved: Path | None = None
        self._build_seq = 0              # numbers the builds, so a superseded one stays quiet

        bar = QHBoxLayout()
        self.week_combo = QComboBox()
        self.week_combo.setMinimumWidth(260)
        self.week_combo.setToolTip("Weeks start on the shop's week-start day (Settings)")
        self.page_combo = QComboBox()
        for key, text in PAGE_SIZES:
            self.page_combo.addItem(text, key)
        self.page_combo.setToolTip("Automatic: the shop's paper setting, else your computer's (Letter in the US "
                                   "and Canada, A4 elsewhere)")
        self.rebuild_button = QPushButton("Build again")
        self.rebuild_button.setToolTip("Rebuild the report from the shop's current data")
        self.preview_button = QPushButton("Preview…")
        self.print_button = QPushButton("Print…")
        self.save_button = QPushButton("Save as PDF…")
        self.save_button.setObjectName("primaryButton")
        bar.addWidget(QLabel("Week"))
        bar.addWidget(self.week_combo)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Paper"))
        bar.addWidget(self.page_combo)
        bar.addWidget(self.rebuild_button)
        bar.addStretch(1)
        for button in (self.preview_button, self.print_button, self.save_button):
            bar.addWidget(button)

        # Left: what the report says.
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.kpi_table = QTableWidget(0, 4)
        self.kpi_table.setHorizontalHeaderLabels(["This week", "Value", "vs previous week", "vs last year"])
        self.kpi_table.verticalHeader().setVisible(False)
        self.kpi_table.verticalHeader().setDefaultSectionSize(24)
        self.kpi_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.kpi_table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.kpi_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.sections = QLabel()
        self.sections.setWordWrap(True)
        self.sections.setTextFormat(Qt.TextFormat.RichText)
        self.actions = ActionList()
        self.actions.setMinimumHeight(260)
        self.actions.activated.connect(self.ctx.navigate)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.heading)
        left_layout.addWidget(self.kpi_table)
        left_layout.addWidget(self.sections)
        left_layout.addWidget(self.actions)
        left_layout.addWidget(self.status)
        left_layout.addStretch(1)
        left_scroll = QScrollArea()
        left_scroll.setWidgetResizable(True)
        left_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left_scroll.setWidget(left)

        # Right: a picture of page 1.
        self.page_caption = QLabel()
        self.page_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.page_picture = PagePicture()
        picture_scroll = QScrollArea()
        picture_scroll.setWidgetResizable(True)
        picture_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        picture_scroll.setWidget(self.page_picture)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.page_caption)
        right_layout.addWidget(picture_scroll, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left_scroll)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([700, 480])
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self.set_content(content)

        self.week_combo.activated.connect(lambda _i: self.build())
        self.page_combo.currentIndexChanged.connect(lambda _i: self._lay_out())
        self.rebuild_button.clicked.connect(self.build)
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_report)
        self.save_button.clicked.connect(self.save_pdf)
        self._set_buttons()

    # --- loading -----------------------------------------------------------------------------------
    def reload(self) -> None:
        if self.ctx.store is None:
            self.show_empty("No shop open", "Open or create a shop to see its weekly report.")
            return
        self.run_job("weeks", load_week_choices, on_done=self._weeks_loaded, message="Looking for weeks…")

    def _weeks_loaded(self, weeks: list[WeekChoice]) -> None:
        self.weeks = weeks
        if not weeks:
            self.report = self.document = None
            self._set_buttons()
            self.show_empty("No orders yet", NO_DATA_TEXT)
            return
        self.show_content()
        keep = self.week_combo.currentData()
        self.week_combo.clear()
        for w in weeks:
            self.week_combo.addItem(w.text, w.label)
        index = self.week_combo.findData(keep) if keep else -1
        self.week_combo.setCurrentIndex(max(0, index))
        self.build()

    def selected_week(self) -> str | None:
        return self.week_combo.currentData()

    def page_size(self) -> str:
        return self.page_combo.currentData() or "auto"

    def build(self) -> None:
        """Build the selected week's report in the background (a newer build supersedes an older)."""
        if self.ctx.store is None:
            return
        week = self.selected_week()
        self._build_seq += 1
        self.status.setText(f"Building the report for {week or 'the last complete week'}…")
        self.run_job("build", build_report, week, on_done=self._built,
                     on_cancelled=lambda seq=self._build_seq: self._build_cancelled(seq),
                     message="Building the weekly report…")

    def _build_cancelled(self, seq: int) -> None:
        """The owner pressed Cancel (a build superseded by a newer one says nothing)."""
        if seq == self._build_seq:
            self.status.setText("Building was cancelled. Choose a week or press Build again.")

    def _built(self, report) -> None:
        self.report = report
        self.status.setText("")
        self._lay_out()

    # --- showing -----------------------------------------------------------------------------------
    def _lay_out(self) -> None:
        """Qt layout of the built report (GUI thread): the summary and the page-1 picture."""
        self._set_buttons()
        if self.report is None:
            return
        from ui.report_pdf import build_document

        self.document = build_document(self.report, self.page_size())
        self._show_summary(self.report)
        self._show_page_picture()

    def _show_summary(self, r) -> None:
        self.heading.setText(f"<h2 style='margin:0'>{_html(r.shop_name)} — weekly summary {r.week}</h2>"
                             f"<span style='color:#4b5563'>{r.start:%a %d %b %Y} – {r.end:%a %d %b %Y} · "
                             f"built {r.generated_at:%d %b %Y %H:%M}</span>")
        rows = r.kpis.rows
        self.kpi_table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            cells = [row.label, format_value(row.unit, row.value, r.kpis.currency),
                     format_change(row.vs_previous_pct, row.change_in_points),
                     format_change(row.vs_last_year_pct, row.change_in_points)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col >= 2:
                    change = row.vs_previous_pct if col == 2 else row.vs_last_year_pct
                    if change:
                        good = (change > 0) == row.higher_is_better
                        item.setForeground(QColor("#15803d" if good else "#b91c1c"))
                self.kpi_table.setItem(i, col, item)
        self.kpi_table.setFixedHeight(self.kpi_table.horizontalHeader().height() + 4 +
                                      sum(self.kpi_table.rowHeight(i) for i in range(len(rows))))
        self.sections.setText(section_summary(r))
        actions = [dataclasses.asdict(a) for a in r.actions()]
        self.actions.set_actions(actions, empty_text=f"Nothing to act on for {r.week}.")

    def _show_page_picture(self) -> None:
        doc = self.document
        page = doc.pageSize()
        pages = doc.pageCount()
        scale = PICTURE_WIDTH / page.width()
        image = QImage(int(page.width() * scale), int(page.height() * scale), QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.scale(scale, scale)
        doc.drawContents(painter, QRectF(0, 0, page.width(), page.height()))
        painter.end()
        self.page_picture.set_image(image)
        paper = self._paper_name()
        self.page_caption.setText(f"Page 1 of {pages} · {paper} · Preview… shows every page")

    def _paper_name(self) -> str:
        from ui.report_pdf import resolve_page_size

        return "Letter" if resolve_page_size(self.report, self.page_size()) == "letter" else "A4"

    def _set_buttons(self) -> None:
        ready = self.report is not None
        for button in (self.preview_button, self.print_button, self.save_button):
            button.setEnabled(ready)

    # --- output ------------------------------------------------------------------------------------
    def _printer(self):
        from PySide6.QtPrintSupport import QPrinter

        from ui.report_pdf import resolve_page_size

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        size = resolve_page_size(self.report, self.page_size())
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter if size == "letter" else QPageSize.PageSizeId.A4))
        printer.setDocName(f"{self.report.shop_name} weekly summary {self.report.week}")
        return printer

    def preview(self) -> None:
        """Every page as it will print, in Qt's print preview (which can print from there too)."""
        if self.report is None:
            return
        from PySide6.QtPrintSupport import QPrintPreviewDialog

        from ui.report_pdf import print_document

        report = self.report
        dialog = QPrintPreviewDialog(self._printer(), self)
        dialog.setWindowTitle(f"Weekly summary {report.week}")
        dialog.resize(900, 1000)
        dialog.paintRequested.connect(lambda printer: print_document(report, printer))
        dialog.exec()

    def print_report(self) -> None:
        if self.report is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog

        from ui.report_pdf import print_document

        printer = self._printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the weekly summary")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            print_document(self.report, printer)
            self.status.setText(f"Sent {self.report.week} to {printer.printerName() or 'the printer'}.")

    def save_pdf(self) -> Path | None:
        """Ask where, then write the PDF; the folder is remembered for next time."""
        if self.report is None:
            return None
        from ui.report_pdf import render_pdf

        settings = _settings()
        folder = settings.value(SETTINGS_FOLDER_KEY, "", type=str) or str(Path.home())
        suggested = str(Path(folder) / f"weekly-summary-{self.report.week}.pdf")
        path, _ = QFileDialog.getSaveFileName(self, "Save the weekly summary as PDF", suggested,
                                              "PDF files (*.pdf)")
        if not path:
            return None
        out = Path(path)
        if out.suffix.lower() != ".pdf":
            out = out.with_name(out.name + ".pdf")
        try:
            pages = render_pdf(self.report, out, self.page_size())
        except OSError as exc:
            self.show_error(f"Could not write {out}: {exc.strerror or exc}")
            return None
        settings.setValue(SETTINGS_FOLDER_KEY, str(out.parent))
        self.last_saved = out
        self.status.setText(f"Saved {counted(pages, 'page')} to {out}")
        return out


def _html(text: Any) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def section_summary(r) -> str:
    """One line per report section: what it holds (or its note when the data for it is missing)."""
    lines = []
    rev = r.revenue
    if rev.forecast_next_week is not None:
        lines.append(("Revenue", f"next week's forecast {_money(rev.forecast_next_week, rev.currency)}"
                                 + (f" ({_html(rev.forecast_model)})" if rev.forecast_model else "")))
    elif rev.note:
        lines.append(("Revenue", _html(rev.note)))
    items = sum(len(o.lines) for o in r.stock.suppliers)
    lines.append(("Reorder", f"{counted(items, 'item')} from {counted(len(r.stock.suppliers), 'supplier')}"
                  if items else
                  _html(r.stock.note or "nothing to reorder")))
    cust = r.customers
    lines.append(("Customers", f"{cust.slipping} slipped to At risk this week, {len(cust.contacts)} to contact"
                  if not cust.note else _html(cust.note)))
    lines.append(("Product pairs", f"{len(r.pairs.pairs)} pairs bought together" if r.pairs.pairs
                  else _html(r.pairs.note or "none this year")))
    lines.append(("Margins", f"{counted(len(r.margins.warnings), 'warning')} "
                             f"(target {r.margins.target_margin_pct:.0f}%)" if not r.margins.note
                  else _html(r.margins.note)))
    stale = [c["channel"] for c in r.freshness.channels if c.get("stale")]
    lines.append(("Data", f"stale: {_html(', '.join(stale))}" if stale else
                  f"{counted(len(r.freshness.channels), 'channel')} up to date"))
    rows = "".join(f"<tr><td style='padding-right:12px'><b>{name}</b></td><td>{text}</td></tr>"
                   for name, text in lines)
    return f"<table cellspacing='0' cellpadding='2'>{rows}</table>"


__all__ = ["ReportsTab", "format_change", "format_value", "section_summary"]

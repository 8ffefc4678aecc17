"""Render a `WeeklyReport` to PDF or a printer with Qt (works offscreen, no display needed).

The report is HTML in a paginated QTextDocument laid out at the device's resolution; each page is
painted by hand so every page gets a header (shop, week) and a footer ("Page n of N"). Tables split
between rows and repeat their header row. Fonts are the bundled Noto Sans with Droid Sans Fallback
for Chinese/Japanese/Korean names, embedded in the PDF so it prints the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLocale, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QGuiApplication,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtPrintSupport import QPrinter

from merchant_ai.reports.weekly import WeeklyReport
from ui.report_chart import revenue_chart, triangle
from ui.report_html import CHART_URL, DOWN_URL, UP_URL, build_html
from ui.resources import resource

FONT_FILES = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "DroidSansFallbackFull.ttf")
FALLBACK_FAMILIES = ["Noto Sans", "Droid Sans Fallback"]
MARGINS_MM = QMarginsF(16, 14, 16, 14)
RESOLUTION = 300
MAX_HEADING_MOVES = 12
HEADING_KEEP = 0.1          # a heading in the last tenth of a page moves to the next one
LETTER_TERRITORIES = {QLocale.Country.UnitedStates, QLocale.Country.Canada}   # Canada is metric but prints on Letter

_families: list[str] | None = None


def ensure_app() -> QGuiApplication:
    """The running Qt application, or a new one (set QT_QPA_PLATFORM=offscreen headless).

    A QApplication, not a bare QGuiApplication: the same process may show widgets later (self-test,
    the app itself), and Qt cannot host widgets under a QGuiApplication."""
    app = QGuiApplication.instance()
    if app is None:
        from PySide6.QtWidgets import QApplication

        app = QApplication([])
    return app


def report_families() -> list[str]:
    """Register the bundled fonts once; the family list to use (bundled first, then fallback)."""
    global _families
    if _families is None:
        ensure_app()
        found: list[str] = []
        for name in FONT_FILES:
            fid = QFontDatabase.addApplicationFont(str(resource("fonts", name)))
            for fam in QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []:
                if fam not in found:
                    found.append(fam)
        _families = found + [f for f in FALLBACK_FAMILIES if f not in found]
    return _families


def report_font(point_size: float = 9.0, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(report_families())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def resolve_page_size(report: WeeklyReport, page_size: str = "auto") -> str:
    """"a4" or "letter": the explicit choice, else the shop's setting, else the locale's paper."""
    choice = (page_size or "auto").lower()
    if choice in ("a4", "letter"):
        return choice
    if report.page_size in ("a4", "letter"):
        return report.page_size
    locale = QLocale()
    if locale.territory() in LETTER_TERRITORIES or \
            locale.measurementSystem() == QLocale.MeasurementSystem.ImperialUSSystem:
        return "letter"
    return "a4"


def _page_layout(size: str) -> QPageLayout:
    sid = QPageSize.PageSizeId.Letter if size == "letter" else QPageSize.PageSizeId.A4
    return QPageLayout(QPageSize(sid), QPageLayout.Orientation.Portrait, MARGINS_MM, QPageLayout.Unit.Millimeter)


class _Pages:
    """Geometry of one device: header band, body and footer band inside the printable rect (device px)."""

    def __init__(self, device: QPagedPaintDevice) -> None:
        self.width = float(device.width())
        self.height = float(device.height())
        dpi = device.logicalDpiY()
        self.band = dpi * 0.32                    # header/footer height (~8 mm)
        self.body = QRectF(0, self.band, self.width, self.height - 2 * self.band)


def _document(report: WeeklyReport, device: QPagedPaintDevice) -> QTextDocument:
    doc, pages, _html = _first_layout(report, device)
    breaks: set[int] = set()
    for _ in range(MAX_HEADING_MOVES):
        late = first_late_heading(doc, pages.body.height() * HEADING_KEEP, breaks)
        if late is None:
            break
        breaks.add(late)
        break_before_heading(doc, late)
    return doc


def _first_layout(report: WeeklyReport, device: QPagedPaintDevice) -> tuple[QTextDocument, _Pages, str]:
    """The report laid out once on the device's body rect, before any heading is moved: the
    document, the page geometry and the HTML it was set from."""
    pages = _Pages(device)
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(device)
    doc.setDefaultFont(report_font(9.0))
    doc.setDocumentMargin(0)
    doc.setPageSize(QSizeF(pages.body.width(), pages.body.height()))
    chart_w, chart_h = int(pages.body.width()), int(pages.body.width() * 0.36)
    chart = revenue_chart(report.revenue, chart_w, chart_h, report_font(9.0))
    doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(CHART_URL), chart)
    for url, up in ((UP_URL, True), (DOWN_URL, False)):
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), triangle(up))
    # <img> sizes are CSS pixels (1/96 inch); the layout scales them to the device's resolution.
    css_px = 96.0 / device.logicalDpiX()
    html = build_html(report, chart_size=(chart_w * css_px, chart_h * css_px))
    doc.setHtml(html)
    return doc, pages, html


def first_late_heading(doc: QTextDocument, keep: float, done: set[int]) -> int | None:
    """Ordinal of the first section heading left alone at a page's foot (Qt's layout has no
    keep-with-next): in the last `keep` px of a page, or on another page than what follows it
    (the chart, which cannot split). None when every heading sits with its content.

    Where a heading's text starts counts, not its block: when a table ends right at a page's foot,
    Qt moves the heading's line to the next page but leaves the block starting on this one, and a
    page break forced there would leave a blank page."""
    page = doc.pageSize().height()
    layout = doc.documentLayout()
    block, n = doc.begin(), -1
    while block.isValid():
        if block.blockFormat().headingLevel() in (2, 3):
            n += 1
            top = layout.blockBoundingRect(block).top()
            if block.layout().lineCount():
                top += block.layout().lineAt(0).y()
            nxt = block.next()
            after = layout.blockBoundingRect(nxt).bottom() - 1 if nxt.isValid() else top
            alone = int(after // page) != int(top // page)
            if n not in done and top > page * 0.5 and (top % page > page - keep or alone):
                return n
        block = block.next()
    return None


def break_before_heading(doc: QTextDocument, ordinal: int) -> None:
    """Start section heading number `ordinal` (h2 and h3, in order) on the next page.

    Set on the laid-out document (what `page-break-before: always` in its HTML gives, without
    parsing and laying out the whole document again). Where the content before the heading ends
    right at the page's foot, Qt's forced break would start yet another page and leave this one
    blank: the heading is pushed down to the next page by its top margin instead."""
    block, n = doc.begin(), -1
    while block.isValid():
        if block.blockFormat().headingLevel() in (2, 3):
            n += 1
            if n == ordinal:
                break
        block = block.next()
    if not block.isValid():
        return
    layout, page = doc.documentLayout(), doc.pageSize().height()
    was = layout.blockBoundingRect(block).top()
    plain = block.blockFormat()
    fmt = block.blockFormat()
    fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
    _set_block_format(doc, block, fmt)
    if layout.blockBoundingRect(block).top() // page > was // page + 1:
        plain.setTopMargin(plain.topMargin() + (was // page + 1) * page - was)
        _set_block_format(doc, block, plain)


def _set_block_format(doc: QTextDocument, block, fmt) -> None:
    QTextCursor(block).setBlockFormat(fmt)
    # Qt re-lays out only the changed block; tables below it would keep their old page splits.
    # Everything from the heading on is laid out again, nothing above it.
    doc.markContentsDirty(block.position(), doc.characterCount() - block.position())


def build_document(report: WeeklyReport, page_size: str = "auto") -> QTextDocument:
    """The report as a paginated document (for an in-app preview), laid out for A4 or Letter at
    screen resolution."""
    ensure_app()
    writer = QPdfWriter(_NullPath.path())
    writer.setResolution(96)
    writer.setPageLayout(_page_layout(resolve_page_size(report, page_size)))
    doc = _document(report, writer)
    doc.documentLayout().setPaintDevice(None)
    return doc


class _NullPath:
    """QPdfWriter needs a file name even if nothing is painted; it only creates the file on paint."""

    @staticmethod
    def path() -> str:
        import os

        return os.devnull


def printed_pages(doc: QTextDocument) -> int:
    """Pages up to the last one any text or picture is on. Qt counts one more when the content ends
    right at a page's foot (a table's bottom border spills over): that page would print blank."""
    height, layout = doc.pageSize().height(), doc.documentLayout()
    last, block = 0, doc.begin()
    while block.isValid():
        lines = block.layout()
        if lines.lineCount():
            line = lines.lineAt(lines.lineCount() - 1)
            last = max(last, int((layout.blockBoundingRect(block).top() + line.y() + 1) // height))
        block = block.next()
    return min(doc.pageCount(), last + 1)


def _paint(report: WeeklyReport, device: QPagedPaintDevice, progress: Callable[[float, str], None] | None) -> int:
    doc = _document(report, device)
    pages = _Pages(device)
    count = printed_pages(doc)
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot start painting the report (is the output writable?)")
    try:
        small = report_font(7.5)
        for i in range(count):
            if i:
                device.newPage()
            _header_footer(painter, pages, report, small, i + 1, count)
            painter.save()
            painter.translate(pages.body.left(), pages.body.top() - i * pages.body.height())
            clip = QRectF(0, i * pages.body.height(), pages.body.width(), pages.body.height())
            painter.setClipRect(clip)
            doc.drawContents(painter, clip)
            painter.restore()
            if progress is not None:
                progress((i + 1) / count, f"Page {i + 1} of {count}")
    finally:
        painter.end()
    return count


def _header_footer(painter: QPainter, pages: _Pages, report: WeeklyReport, font: QFont, page: int, count: int) -> None:
    painter.save()
    painter.setFont(font)
    painter.setPen(Qt.GlobalColor.black)
    top = QRectF(0, 0, pages.width, pages.band * 0.6)
    painter.drawText(top, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, report.shop_name)
    painter.drawText(top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom,
                     f"Weekly summary · {report.week}")
    pen = painter.pen()
    pen.setWidthF(max(1.0, pages.band * 0.01))
    pen.setColor(Qt.GlobalColor.darkGray)
    painter.setPen(pen)
    painter.drawLine(0, int(pages.band * 0.7), int(pages.width), int(pages.band * 0.7))
    foot_y = pages.height - pages.band * 0.7
    painter.drawLine(0, int(foot_y), int(pages.width), int(foot_y))
    painter.setPen(Qt.GlobalColor.black)
    bottom = QRectF(0, pages.height - pages.band * 0.6, pages.width, pages.band * 0.6)
    painter.drawText(bottom, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     f"Merchant AI · generated {report.generated_at:%Y-%m-%d %H:%M}")
    painter.drawText(bottom, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"Page {page} of {count}")
    painter.restore()


def render_pdf(report: WeeklyReport, out: Path, page_size: str = "auto",
               progress: Callable[[float, str], None] | None = None) -> int:
    """Write the report to `out` as PDF; returns the page count."""
    ensure_app()
    out = Path(out)
    writer = QPdfWriter(str(out))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(_page_layout(resolve_page_size(report, page_size)))
    writer.setTitle(f"{report.shop_name} — weekly summary {report.week}")
    writer.setCreator("Merchant AI")
    return _paint(report, writer, progress)


def print_document(report: WeeklyReport, printer: QPrinter) -> None:
    """Print on `printer` (as set up by QPrintDialog / QPrintPreviewDialog), with the same pages."""
    ensure_app()
    _paint(report, printer, None)

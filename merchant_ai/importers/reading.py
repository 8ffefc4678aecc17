"""Bytes of any export -> a `Table` of text cells, whatever the platform did to the file.

Real exports are rarely clean CSV: eBay puts a blank line or 11 preamble lines before the header
and record counts after the data; WooCommerce themes print whitespace before the BOM and write
ragged rows; Excel re-saves a `.csv` as tab-separated cp1252; Chinese marketplaces write GB18030.
This module undoes all of that once, so platform parsers only ever see a header and rows.

Regular files (one record per physical line, one width) take pyarrow's CSV reader, which reads
the 541,909-line UCI file in a fraction of a second; anything irregular (quoted newlines,
preambles, ragged rows) goes through Python's csv module, which also gives physical line numbers.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zipfile

import numpy as np
import pandas as pd

from merchant_ai.importers.table import Table
from merchant_ai.wording import counted

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_RECORDS = 60
# Footer lines that platforms append after the data (eBay Seller Hub, some Chinese exporters).
_FOOTER = re.compile(r"^\s*(\d[\d,]*\s+record\(s\)\s+downloaded|seller\s+id\s*:|total\s+records?\s*:|"
                     r"report\s+generated|共\s*\d+\s*条)", re.IGNORECASE)
_EMPTY_CELL = {"", "--"}
# Single-byte and CJK code pages we accept after strict UTF-8 fails (charset-normalizer chooses).
_FALLBACK_CODEPAGES = ["cp1252", "gb18030", "cp1251", "big5", "shift_jis", "cp1250"]
# Shopify's `Body (HTML)` cells can pass csv's default 128 KiB field limit.
csv.field_size_limit(64 * 1024 * 1024)


class UnreadableFile(ValueError):
    """The bytes are not a table we can read (binary garbage, empty, a non-workbook zip...)."""

    exit_code = 5


# --- decoding --------------------------------------------------------------------------------
def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding name; BOMs (even after leading whitespace) are removed."""
    head = data[:16]
    for bom, name in _BOMS:
        pos = head.find(bom)
        if pos >= 0 and not head[:pos].strip():
            # The whitespace before the BOM stays: its newlines count in the line numbers.
            lead = head[:pos].decode("ascii")
            if name == "utf-8":
                return lead + _strict(data[pos + len(bom):], "utf-8"), "utf-8-sig"
            return lead + _strict(data[pos + len(bom):], name), name
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    encoding = _guess_codepage(data)
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1252", errors="replace"), "cp1252"


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"the file says it is {encoding} but byte {exc.start} is not valid {encoding}") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 files saved without a BOM show NUL in every other byte of ASCII text."""
    sample = data[:4000]
    if len(sample) < 8 or sample.count(0) < len(sample) // 3:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.8 * (len(sample) // 2) and even < 0.1 * (len(sample) // 2):
        return "utf-16-le"
    if even > 0.8 * (len(sample) // 2) and odd < 0.1 * (len(sample) // 2):
        return "utf-16-be"
    return None


def _guess_codepage(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:300_000], cp_isolation=_FALLBACK_CODEPAGES).best()
    name = best.encoding if best is not None else "cp1252"
    # Latin text scores cp1250 and cp1252 alike; the Western page is the common case for shops.
    return "cp1252" if name in ("cp1250", "latin_1", "iso8859_1", "iso8859_15") else name


# --- splitting -------------------------------------------------------------------------------
def sniff_delimiter(text: str) -> str:
    """The delimiter giving the most consistent, widest records over the first lines.

    csv.Sniffer guesses from character frequencies and is fooled by commas inside quoted text
    and by preambles; we parse a sample with each candidate and score width consistency.
    """
    sample = text[:64_000]
    best, best_score = ",", -1.0
    for delim in _DELIMITERS:
        if delim not in sample:
            continue
        records = _sample_records(sample, delim)
        widths = [len(r) for r in records if any(c.strip() for c in r)]
        if not widths:
            continue
        values, counts = np.unique(widths, return_counts=True)
        mode, freq = values[np.argmax(counts)], counts.max()
        if mode < 2:
            continue
        score = freq / len(widths) * np.log2(mode + 1)
        if score > best_score:
            best, best_score = delim, score
    return best


def _sample_records(text: str, delim: str, limit: int = _SAMPLE_RECORDS) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    # A sample cut mid-record leaves a partial last record: drop it.
    return out[:-1] if len(out) > 1 and len(text) >= 64_000 else out


def _filled(record: list[str]) -> int:
    return sum(1 for c in record if c.strip().strip('"') not in _EMPTY_CELL)


def _header_index(records: list[list[str]]) -> int:
    """Index of the header among the first records.

    The header names (nearly) every one of its columns, and no table of wider records follows it
    (ragged exports drop cells, and a single over-long row is a ragged row). Preambles fail one test or the other: eBay's
    `--,--,...` line holds only placeholders, its disclaimers and `"Seller","id"` lines are
    followed by wider records.
    """
    widths = [len(r) for r in records]
    filled = [_filled(r) for r in records]
    for i in range(len(records)):
        if filled[i] == 0 or filled[i] < 0.5 * widths[i]:
            continue
        wider = [w for w, f in zip(widths[i + 1:], filled[i + 1:], strict=True) if f > 0 and w > widths[i]]
        # One over-long row is a ragged row; two or more records of one wider width are a table.
        if not wider or max(np.unique(wider, return_counts=True)[1]) < 2:
            return i
    return 0


def clean_header(cells: list[str]) -> list[str]:
    """Strip BOMs, spaces and stray quotes; name blank columns; make duplicates unique."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = cell.replace("\ufeff", "").strip().strip('"').strip()
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


# --- reading ---------------------------------------------------------------------------------
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"    # legacy .xls (and .doc) files begin with it


def read_table(data: bytes, file_name: str) -> Table:
    """Decode and split an export (CSV/TSV/TXT, gzip-compressed or not, or .xlsx) into a Table."""
    if not data:
        raise UnreadableFile(f"{file_name} is empty")
    if data[:2] == b"\x1f\x8b":
        fast = _read_gzip_fast(data, file_name)
        if fast is not None:
            return fast
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise UnreadableFile(f"{file_name} is a damaged gzip file ({exc})") from None
        if not data:
            raise UnreadableFile(f"{file_name} is empty")
    if data[:4] == b"PK\x03\x04":
        return read_workbook(data, file_name)
    if data[:8] == _OLE2:
        raise UnreadableFile(f"{file_name} is an old-style Excel workbook (.xls): open it in Excel or LibreOffice, "
                             "save it as .xlsx or CSV, and import that")
    if b"\x00" in data[:4000] and not _utf16_without_bom(data) and not any(
            data.lstrip()[:4].startswith(b) for b, _ in _BOMS[1:]):
        raise UnreadableFile(f"{file_name} is not a text table (it holds binary data)")
    text, encoding = decode(data)
    text = text.lstrip("\ufeff")
    if not text or text.isspace():   # not text.strip(): that copies the whole file
        raise UnreadableFile(f"{file_name} holds no rows")
    delim = sniff_delimiter(text)
    raw = data if encoding == "utf-8" else None
    table = _read_text(text, file_name, delim, raw)
    table.encoding = encoding
    return table


def _locate_header(text: str, delim: str) -> tuple[list[str], int, list[str]] | None:
    """(header, the line it starts on, preamble lines before it) from the start of `text`, or
    None when the start holds no record."""
    head_records = _records_with_lines(text[:200_000], delim, limit=_SAMPLE_RECORDS)
    if not head_records:
        return None
    h = _header_index([r for r, _ in head_records])
    return clean_header(head_records[h][0]), head_records[h][1], [delim.join(r) for r, _ in head_records[:h]]


def _read_text(text: str, file_name: str, delim: str, raw: bytes | None = None) -> Table:
    located = _locate_header(text, delim)
    if located is None:
        raise UnreadableFile(f"{file_name} holds no rows")
    header, header_line, preamble = located
    fast = _read_fast(text, header_line, header, delim, raw)
    if fast is not None:
        rows, lines = fast
        footer: list[str] = []
        warnings: list[str] = []
    else:
        rows, lines, footer, warnings = _read_slow(text, header_line, header, delim)
    rows, header = _drop_blank_trailing_columns(rows, header)
    table = Table(file_name=file_name, header=header, rows=rows, line_numbers=lines,
                  delimiter=delim, preamble=preamble, footer=footer, warnings=warnings)
    if preamble:
        table.warnings.insert(0, f"{counted(len(preamble), 'line')} before the header skipped")
    return table


def _records_with_lines(text: str, delim: str, limit: int | None = None,
                        strict: bool = False) -> list[tuple[list[str], int]]:
    """Records with the physical (1-based) line each starts on.

    A csv error ends a sample quietly (`strict=False`); when reading the whole file it rejects
    the file, since the rows after it would otherwise be lost without a word.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    out: list[tuple[list[str], int]] = []
    start = 1
    try:
        for rec in reader:
            if rec:
                out.append((rec, start))
            start = reader.line_num + 1
            if limit is not None and len(out) >= limit:
                break
    except csv.Error as exc:
        if strict:
            raise UnreadableFile(f"line {reader.line_num}: the file cannot be split into fields ({exc})") from None
    return out


def _read_fast(text: str, header_line: int, header: list[str], delim: str, raw: bytes | None = None):
    """pyarrow for regular files: returns (frame, line numbers) or None when the file is irregular.

    `raw` is the file's UTF-8 bytes when it was UTF-8 already (saves re-encoding 40 MB of text).
    """
    import pyarrow as pa

    if header_line != 1 or len(text) < 200_000:
        return None  # small or preambled files: the csv module is fast enough and keeps line numbers
    data = raw if raw is not None else text.encode("utf-8")
    end = len(data)
    while end and data[end - 1] in b"\r\n":   # the body without trailing newlines, not copied
        end -= 1
    # Blank lines and quoted newlines both leave fewer records than newlines (pyarrow skips blank
    # lines): the count check in _arrow_frame sends such files to the slow path, which keeps line numbers.
    return _arrow_frame(pa.py_buffer(memoryview(data)[:end]), header, delim, 1 << 24,
                        lambda: data.count(b"\n", 0, end))


def _arrow_frame(source, header: list[str], delim: str, block_size: int, newlines):
    """Every record after the header as text cells, or None when the file is not one record per
    line (`newlines()`, asked after the read, counts the line ends before any trailing ones), is
    not valid UTF-8 (pyarrow checks each cell) or ends in a platform footer."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=block_size),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    n = table.num_rows
    if newlines() != n:
        return None  # blank lines or quoted newlines: line numbers need the slow path
    frame = table.to_pandas()
    last = frame.iloc[-1].tolist() if n else []
    if n and _FOOTER.match(str(last[0])):
        return None
    return frame, np.arange(2, n + 2)


_GZIP_HEAD = 1 << 19   # decompressed bytes looked at before streaming the rest (> the 200,000-char sample)


class _GunzipStream:
    """A gzip member decompressed as pyarrow reads it, counting line ends on the way.

    pyarrow reads a Python file object on its own I/O thread (zlib releases the GIL) while its
    parser threads split the blocks already read, so decompression and parsing overlap, as in
    `pandas.read_csv(path_to_gz, engine="pyarrow")`. Decompressing first and parsing after left
    one of the two cores idle for the decompression (~0.1 s on UCI).
    """

    closed = False

    def __init__(self, data: bytes) -> None:
        import zlib

        self._z = zlib.decompressobj(31)     # gzip header and trailer checked, as gzip.decompress does
        self._src = memoryview(data)
        self._pos = 0
        self.newlines = 0                    # b"\n" seen so far
        self.trailing = 0                    # of which in the current trailing run of b"\r\n" bytes
        self.irregular = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        """Up to `size` decompressed bytes; b"" at the end, or from the first irregularity on
        (`self.irregular` then says so: an exception would have to cross pyarrow's threads)."""
        import zlib

        parts, got = [], 0
        try:
            while not self.irregular and (size < 0 or got < size):
                want = 0 if size < 0 else size - got
                if self._z.eof:   # one member, nothing after it: what gzip.decompress reads alike
                    self.irregular = bool(self._z.unused_data or self._z.unconsumed_tail
                                          or self._pos < len(self._src))
                    break
                if self._z.unconsumed_tail:
                    chunk = self._z.decompress(self._z.unconsumed_tail, want)
                elif self._pos < len(self._src):
                    chunk = self._z.decompress(self._src[self._pos:self._pos + (1 << 20)], want)
                    self._pos += 1 << 20
                else:
                    chunk = self._z.flush()   # output zlib still holds for input already given
                    if not chunk and not self._z.eof:
                        self.irregular = True   # the stream ends before its end mark
                        break
                if chunk:
                    parts.append(chunk)
                    got += len(chunk)
        except zlib.error:
            self.irregular = True
        if self.irregular:
            return b""
        out = b"".join(parts)
        self.newlines += out.count(b"\n")
        body = out.rstrip(b"\r\n")
        self.trailing = self.trailing + out.count(b"\n") if not body else out.count(b"\n", len(body))
        return out

    def close(self) -> None:
        self.closed = True


def _read_gzip_fast(data: bytes, file_name: str) -> Table | None:
    """A big, regular, UTF-8 gzip-compressed CSV read while it is decompressed (`_GunzipStream`),
    or None: anything else (small, preambled, BOM, other encodings, blank lines, quoted newlines,
    damaged or multi-member gzip) takes the general path, which decompresses the whole file first
    and gives the same table."""
    import zlib

    try:
        head = zlib.decompressobj(31).decompress(data, _GZIP_HEAD)
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except (zlib.error, UnicodeDecodeError):
        return None
    if len(text) < 200_000 or head[:4] == b"PK\x03\x04" or b"\x00" in head[:4000] \
            or any(bom in head[:16] for bom, _ in _BOMS) or text.isspace():
        return None
    delim = sniff_delimiter(text)
    located = _locate_header(text, delim)
    if located is None or located[1] != 1:   # a preamble: the general path warns about it
        return None
    header = located[0]
    stream = _GunzipStream(data)
    fast = _arrow_frame(stream, header, delim, 1 << 20, lambda: stream.newlines - stream.trailing)
    if fast is None or stream.irregular:
        return None
    rows, header = _drop_blank_trailing_columns(fast[0], header)
    return Table(file_name=file_name, header=header, rows=rows, line_numbers=fast[1], encoding="utf-8",
                 delimiter=delim)


def _read_slow(text: str, header_line: int, header: list[str], delim: str):
    records = _records_with_lines(text, delim, strict=True)
    # Everything after the header record; the csv module reports line numbers we keep.
    start = next((i for i, (_, ln) in enumerate(records) if ln == header_line), 0) + 1
    body = records[start:]
    footer: list[str] = []
    while body and (_filled(body[-1][0]) == 0 or _FOOTER.match(body[-1][0][0] if body[-1][0] else "")):
        rec = body.pop()[0]
        if _filled(rec):
            footer.insert(0, delim.join(rec))
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    short = long = 0
    for rec, ln in body:
        if _filled(rec) == 0:
            continue  # eBay's empty row after the header, blank separators
        if len(rec) < width:
            short += 1
            rec = rec + [""] * (width - len(rec))
        elif len(rec) > width:
            if any(c.strip() for c in rec[width:]):
                long += 1
            rec = rec[:width]
        rows.append(rec)
        lines.append(ln)
    warnings = []
    if short:
        warnings.append(f"{counted(short, 'row')} with fewer fields than the header, padded with empty cells")
    if long:
        warnings.append(f"{counted(long, 'row')} with more fields than the header: the extra cells were ignored")
    if footer:
        warnings.append(f"{counted(len(footer), 'footer line')} after the data skipped")
    frame = (pd.DataFrame(rows, columns=header, dtype=object) if rows
             else pd.DataFrame({h: pd.Series(dtype=object) for h in header}))
    return frame, np.asarray(lines, dtype=np.int64), footer, warnings


def _drop_blank_trailing_columns(rows: pd.DataFrame, header: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """eBay's listings report ends its header with an unnamed, always-empty column."""
    while header and header[-1].startswith("column_") and (
            rows.empty or not rows[header[-1]].astype(str).str.strip().ne("").any()):
        rows = rows.drop(columns=header[-1])
        header = header[:-1]
    return rows, header


# --- workbooks -------------------------------------------------------------------------------
def read_workbook(data: bytes, file_name: str, sheet: str | None = None) -> Table:
    """The first (or named) sheet of an .xlsx workbook, as text cells like a CSV would give."""
    import datetime as dt

    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"{file_name} is not a readable .xlsx workbook ({exc})") from None
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        records = []
        for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else _cell_text(v, dt) for v in row]
            if any(c.strip() for c in cells):
                records.append((cells, i))
    finally:
        wb.close()
    if not records:
        raise UnreadableFile(f"{file_name} holds no rows")
    h = _header_index([r for r, _ in records[:_SAMPLE_RECORDS]])
    header = clean_header(records[h][0])
    width = len(header)
    body = [(r[:width] + [""] * (width - len(r)), ln) for r, ln in records[h + 1:]]
    frame = (pd.DataFrame([r for r, _ in body], columns=header, dtype=object) if body
             else pd.DataFrame({c: pd.Series(dtype=object) for c in header}))
    frame, header = _drop_blank_trailing_columns(frame, header)
    return Table(file_name=file_name, header=header, rows=frame,
                 line_numbers=np.asarray([ln for _, ln in body], dtype=np.int64), encoding="xlsx",
                 delimiter="", preamble=[" ".join(r) for r, _ in records[:h]])


def _cell_text(value: object, dt) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour or value.minute or value.second) \
            else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

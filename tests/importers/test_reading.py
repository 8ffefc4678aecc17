"""read_table on the shapes real exports take (see FORMATS.md), built here from made-up rows."""

from __future__ import annotations

import gzip
import io

import pytest

from merchant_ai.importers.reading import UnreadableFile, decode, read_table, sniff_delimiter


def test_plain_csv_keeps_line_numbers_and_text_cells() -> None:
    t = read_table(b"a,b,c\n1,2,3\n4,5,6\n", "x.csv")
    assert t.header == ["a", "b", "c"]
    assert t.rows.to_numpy().tolist() == [["1", "2", "3"], ["4", "5", "6"]]
    assert t.line_numbers.tolist() == [2, 3]


def test_bom_after_leading_whitespace_is_removed() -> None:
    data = b"\n\t" + b"\xef\xbb\xbf" + "ID,Name\n1,Caf\u00e9\n".encode()
    t = read_table(data, "wc-product-export.csv")
    assert t.header == ["ID", "Name"]
    assert t.rows["Name"].tolist() == ["Café"]


@pytest.mark.parametrize("lead", [b"", b"  ", b"\n", b"\r\n\t", b"\n\n "])
def test_line_numbers_count_the_lines_before_a_bom(lead: bytes) -> None:
    data = lead + b"\xef\xbb\xbf" + b"ID,Name\n1,a\n2,b\n"
    t = read_table(data, "wc-product-export.csv")
    header_line = 1 + lead.count(b"\n")
    assert t.header == ["ID", "Name"]
    assert t.line_numbers.tolist() == [header_line + 1, header_line + 2]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom(encoding: str) -> None:
    text = "Order,City\n1,Zürich\n2,Montréal\n"
    t = read_table(text.encode(encoding), "x.csv")
    assert t.rows["City"].tolist() == ["Zürich", "Montréal"]


def test_cp1252_and_gb18030_fallbacks() -> None:
    t = read_table("Name,City\nAlice,Montréal\nBob,Zürich café\n".encode("cp1252"), "x.csv")
    assert t.encoding == "cp1252"
    assert t.rows["City"].tolist() == ["Montréal", "Zürich café"]
    text = "订单编号,订单创建时间,宝贝标题\n1001,2021-01-01 10:00:00,红色连衣裙 夏季\n1002,2021-01-02 11:00:00,蓝色衬衫\n"
    t = read_table(text.encode("gb18030"), "taobao.csv")
    assert t.encoding == "gb18030"
    assert t.header == ["订单编号", "订单创建时间", "宝贝标题"]
    assert t.rows["宝贝标题"].tolist() == ["红色连衣裙 夏季", "蓝色衬衫"]


@pytest.mark.parametrize("delim", [",", "\t", ";", "|"])
def test_delimiter_sniffing(delim: str) -> None:
    text = delim.join(["Sale Date", "Order ID", "Item Name"]) + "\n"
    text += delim.join(["12/31/2023", "1001", '"Mug, blue"' if delim == "," else "Mug, blue"]) + "\n"
    text += delim.join(["1/4/2024", "1002", "Cap"]) + "\n"
    assert sniff_delimiter(text) == delim
    t = read_table(text.encode(), "EtsySoldOrders.csv")
    assert t.rows["Item Name"].tolist() == ["Mug, blue", "Cap"]


def test_ebay_orders_blank_first_line_empty_row_and_footer() -> None:
    text = ("\n"
            '"Sales Record Number","Order Number",Buyer Username,"Sold For"\n'
            ",,,\n"
            '1,"14-15124-99674",buyer1,$12.34\n'
            '2,"14-15124-99675",buyer2,$5.00\n'
            "\n"
            '2 record(s) downloaded,from Sep-01-22 to Sep-30-22\n'
            "Seller ID : shop123\n")
    t = read_table(text.encode(), "eBay-OrdersReport.csv")
    assert t.header == ["Sales Record Number", "Order Number", "Buyer Username", "Sold For"]
    assert t.rows["Order Number"].tolist() == ["14-15124-99674", "14-15124-99675"]
    assert t.line_numbers.tolist() == [4, 5]
    assert len(t.footer) == 2 and t.footer[1].startswith("Seller ID")


def test_ebay_transaction_report_eleven_preamble_lines() -> None:
    pre = ['--,--,--,--,--,--,--,--,--,--,--,--,--',
           '"Disclaimer one.","Disclaimer two.","Disclaimer three.","Disclaimer four."', '""', '""',
           '"Transaction report"', '""', '"This report includes transaction type","order, refund"',
           '""', '"Seller","shop123"', '"Start date","Nov-05-2022 00:00:00 AM PDT"',
           '"End date","Dec-05-2022 23:59:59 PM PST"']
    header = '"Transaction creation date","Type","Order number","Net amount","Very high ""item not as described"" fee"'
    rows = ['"Dec 5, 2022","Order","01-1","25.5","--"', '"Dec 6, 2022","Refund","01-1","-26.13","--"']
    data = b"\xef\xbb\xbf" + "\n".join(pre + [header] + rows).encode()  # no final newline
    t = read_table(data, "transactions.csv")
    assert t.header[-1] == 'Very high "item not as described" fee'
    assert t.rows["Type"].tolist() == ["Order", "Refund"]
    assert t.line_numbers.tolist() == [13, 14]
    assert len(t.preamble) == 11


def test_quoted_newlines_crlf_mixed_and_line_numbers() -> None:
    text = 'Name,Notes,Total\r\n#1,"line one\nline two",10\n#2,plain,20\r\n#3,"a\r\nb",30'
    t = read_table(text.encode(), "orders_export.csv")
    assert t.rows["Notes"].tolist() == ["line one\nline two", "plain", "a\r\nb"]
    assert t.line_numbers.tolist() == [2, 4, 5]


def test_ragged_rows_are_padded_and_truncated_with_a_warning() -> None:
    text = "a,b,c\n1,2\n3,4,5,6\n7,8,9\n"
    t = read_table(text.encode(), "x.csv")
    assert t.rows.to_numpy().tolist() == [["1", "2", ""], ["3", "4", "5"], ["7", "8", "9"]]
    assert any("fewer fields" in w for w in t.warnings)
    assert any("more fields" in w for w in t.warnings)


def test_header_cleanup_and_duplicates() -> None:
    t = read_table(b'\xef\xbb\xbf Category name ,"SKU",SKU,\n x,1,2,\n', "x.csv")
    assert t.header == ["Category name", "SKU", "SKU.1"]   # trailing blank column dropped


def test_gzip_and_large_regular_file_fast_path() -> None:
    lines = ["InvoiceNo,StockCode,Description,Quantity"] + [
        f'{536365 + i // 5},8512{i % 10}A,"ITEM, NO {i}",{i % 7 + 1}' for i in range(20_000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    t = read_table(data, "retail.csv.gz")
    assert len(t.rows) == 20_000
    assert t.rows["Description"].iloc[3] == "ITEM, NO 3"
    assert t.line_numbers[0] == 2 and t.line_numbers[-1] == 20_001



def test_large_file_with_blank_lines_or_quoted_newlines_keeps_physical_line_numbers() -> None:
    """Big files that are not one record per line leave pyarrow's path (its record count differs)."""
    rows = [f'{536365 + i // 5},8512{i % 10}A,"ITEM {i}",{i % 7 + 1}' for i in range(10_000)]
    header = "InvoiceNo,StockCode,Description,Quantity"
    blank = "\n".join([header, *rows[:5000], "", *rows[5000:]]) + "\n\n"
    t = read_table(blank.encode(), "retail.csv")
    assert len(t.rows) == 10_000 and t.line_numbers[4999] == 5001 and t.line_numbers[5000] == 5003
    quoted = "\r\n".join([header, *rows[:3], '536999,X1,"TWO\r\nLINES",1', *rows[3:]]) + "\r\n"
    t = read_table(quoted.encode(), "retail.csv")
    assert len(t.rows) == 10_001 and t.rows["Description"].iloc[3] == "TWO\r\nLINES"
    assert t.line_numbers[3] == 5 and t.line_numbers[4] == 7

def test_workbook_reads_like_csv() -> None:
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Bestellnummer", "Datum", "Menge", "Preis"])
    ws.append(["A-1", dt.datetime(2021, 5, 3, 10, 30), 2, 9.5])
    ws.append(["A-2", dt.date(2021, 5, 4), 1, 10.0])
    buf = io.BytesIO()
    wb.save(buf)
    t = read_table(buf.getvalue(), "orders.xlsx")
    assert t.header == ["Bestellnummer", "Datum", "Menge", "Preis"]
    assert t.rows.to_numpy().tolist() == [["A-1", "2021-05-03 10:30:00", "2", "9.5"],
                                          ["A-2", "2021-05-04", "1", "10"]]
    assert t.line_numbers.tolist() == [2, 3]


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02\x03garbage\x00\xff" * 50, b"PK\x03\x04broken zip",
                                  b"\x1f\x8b\x08broken"])
def test_garbage_raises_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableFile):
        read_table(data, "bad.csv")


def test_decode_reports_encoding() -> None:
    assert decode("héllo".encode())[1] == "utf-8"
    assert decode(b"\xef\xbb\xbfh")[0] == "h"


def _retail_body(rows: int = 12_000) -> bytes:
    lines = ["InvoiceNo,StockCode,Description,Quantity,Country"] + [
        f'{536365 + i // 5},8512{i % 10}A,"ITEM, NO {i}",{i % 7 + 1},United Kingdom' for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("case", ["plain", "crlf", "trailing blank lines", "no final newline", "blank line",
                                  "quoted newline", "cp1252", "bom", "preamble", "semicolons", "footer"])
def test_gzip_streaming_path_reads_what_the_decompressed_file_gives(case: str) -> None:
    """Big gzip files are parsed while they are decompressed; every shape must come out exactly
    as the same bytes uncompressed (irregular ones leave the streaming path for the general one)."""
    body = _retail_body()
    body = {"plain": body, "crlf": body.replace(b"\n", b"\r\n"), "trailing blank lines": body + b"\r\n\n\n",
            "no final newline": body[:-1], "blank line": body.replace(b"\n536999,", b"\n\n536999,"),
            "quoted newline": body.replace(b'"ITEM, NO 7000"', b'"ITEM\nSEVEN"'),
            "cp1252": body.replace(b"ITEM, NO 9", b"CAF\xc9 9"), "bom": b"\xef\xbb\xbf" + body,
            "preamble": b"Report,x\n\n" + body, "semicolons": body.replace(b",", b";"),
            "footer": body + b"12000 record(s) downloaded,from Sep-01-22\n"}[case]
    streamed, plain = read_table(gzip.compress(body), "retail.csv.gz"), read_table(body, "retail.csv")
    assert streamed.header == plain.header and streamed.encoding == plain.encoding
    assert streamed.rows.equals(plain.rows) and streamed.rows.dtypes.equals(plain.rows.dtypes)
    assert streamed.line_numbers.tolist() == plain.line_numbers.tolist()
    assert (streamed.warnings, streamed.footer, streamed.delimiter) == (plain.warnings, plain.footer, plain.delimiter)


def test_gzip_streaming_path_on_damaged_or_concatenated_files() -> None:
    """A truncated stream is still 'damaged'; two concatenated members are read whole, as gzip does."""
    packed = gzip.compress(_retail_body())
    with pytest.raises(UnreadableFile, match="damaged gzip"):
        read_table(packed[:len(packed) // 2], "retail.csv.gz")
    with pytest.raises(UnreadableFile, match="damaged gzip"):
        read_table(packed + b"junk", "retail.csv.gz")
    both = read_table(packed + gzip.compress(b"536999,X,LAST,1,France\n"), "retail.csv.gz")
    assert len(both.rows) == 12_001 and both.rows["Description"].iloc[-1] == "LAST"


def test_an_old_excel_workbook_is_named_and_the_way_out_given() -> None:
    """A legacy .xls is binary (OLE2); saying "binary data" left owners guessing what to do."""
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(UnreadableFile, match=r"old-style Excel workbook \(\.xls\).*save it as \.xlsx or CSV"):
        read_table(data, "orders.xls")


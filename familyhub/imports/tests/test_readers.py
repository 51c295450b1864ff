"""Reading partner files (R-IMPORT-1): encodings, Excel, dates, empty and huge files."""

from __future__ import annotations

import tracemalloc
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familyhub.imports.readers import FileRefused, Rows, inspect_file, write_csv
from familyhub.imports.values import BadValue, normalise_header, parse_date


def _rows(tmp_path, data: bytes, name="f.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    facts = inspect_file([data], "xlsx" if name.endswith("xlsx") else "csv")
    r = Rows(path, facts.file_format, facts.encoding)
    return facts, r.headers(), list(r)


def test_utf8_with_and_without_bom_and_cp1252_read_alike(tmp_path):
    text = "given_name,family_name\nZoë,Brontë\n"
    for data in (
        text.encode("utf-8"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.encode("cp1252"),
    ):
        _, headers, rows = _rows(tmp_path, data)
        assert headers == ["given_name", "family_name"]
        assert rows == [(2, ["Zoë", "Brontë"])]


def test_cp1252_is_detected_and_named():
    facts = inspect_file(["name\nJosé\n".encode("cp1252")], "csv")
    assert facts.encoding == "cp1252"
    assert inspect_file(["name\nJosé\n".encode()], "csv").encoding == "utf-8-sig"


def test_undecodable_file_is_refused_clearly():
    with pytest.raises(FileRefused, match="encoding could not be read"):
        inspect_file([b"name\n\x81\x8d\x8f\x90\n"], "csv")
    with pytest.raises(FileRefused, match="encoding"):
        inspect_file(["name\nZoë\n".encode("utf-16")], "csv")


def test_empty_file_and_header_only():
    with pytest.raises(FileRefused, match="empty"):
        inspect_file([], "csv")


def test_blank_first_row_is_refused(tmp_path):
    with pytest.raises(FileRefused, match="no header row"):
        _rows(tmp_path, b"\n\nnot,a,header\n")


def test_a_workbook_named_csv_and_xls_are_refused():
    with pytest.raises(FileRefused, match="Excel workbook"):
        inspect_file([b"PK\x03\x04rest"], "csv")
    with pytest.raises(FileRefused, match="not an Excel"):
        inspect_file([b"a,b\n1,2\n"], "xlsx")


def test_semicolon_delimited_csv(tmp_path):
    _, headers, rows = _rows(tmp_path, b"a;b\n1;2\n")
    assert headers == ["a", "b"] and rows == [(2, ["1", "2"])]


def test_xlsx_streams_rows_with_dates_as_uk_text(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["NHS No.", "Date of birth", "Count"])
    ws.append(["999 000 0018", datetime(2024, 3, 27), 3.0])
    ws.append([None, None, None])
    ws.append(["x", date(2023, 1, 2), 4])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    data = path.read_bytes()
    facts, headers, rows = _rows(tmp_path, data, "g.xlsx")
    assert facts.file_format == "xlsx"
    assert headers == ["NHS No.", "Date of birth", "Count"]
    assert rows == [(2, ["999 000 0018", "27/03/2024", "3"]), (4, ["x", "02/01/2023", "4"])]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_three_date_formats_read_the_same_day(d):
    """R-IMPORT-1: dd/mm/yyyy, yyyy-mm-dd and d-Mon-yyyy all mean the same date."""
    assert parse_date(d.strftime("%d/%m/%Y")) == d
    assert parse_date(f"{d.day}/{d.month}/{d.year}") == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.day}-{d.strftime('%b')}-{d.year}") == d


@pytest.mark.parametrize(
    "text,reason",
    [
        ("04/05/25", "two-digit year"),
        ("12/25/2024", "not a real date"),
        ("31/02/2024", "not a real date"),
        ("2024/03/27", "not a date in a format"),
        ("27 March", "not a date in a format"),
        ("3-Foo-2024", "not a month"),
        ("", "not a date in a format"),
    ],
)
def test_ambiguous_and_invalid_dates_are_refused(text, reason):
    with pytest.raises(BadValue, match=reason):
        parse_date(text)


def test_headers_match_whatever_their_spacing():
    assert normalise_header(" NHS No. ") == normalise_header("nhs_no") == "nhsno"


def test_huge_file_is_checked_in_constant_memory():
    """A 2 GB upload is simulated by a generator: checksum and encoding in one streamed pass."""
    line = b"9990000018,27/03/2024,Yes\n" * 2500  # 65 kB
    n = 1500  # ~100 MB through the checker; memory stays at one chunk

    def chunks():
        yield b"nhs_number,date,attended\n"
        for _ in range(n):
            yield line

    tracemalloc.start()
    facts = inspect_file(chunks(), "csv")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert facts.size_bytes > 90_000_000
    assert peak < 5_000_000


def test_reading_rows_is_streamed(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write("a,b\n")
        for i in range(200_000):
            fh.write(f"{i},x\n")
    tracemalloc.start()
    count = sum(1 for _ in Rows(path, "csv"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 5_000_000


def test_rejects_file_neutralises_formulas():
    out = "".join(write_csv([["=HYPERLINK(1)", "-5", "+x", "ok"]]))
    assert out == "\ufeff'=HYPERLINK(1),-5,'+x,ok\r\n"

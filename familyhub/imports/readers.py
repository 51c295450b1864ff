"""Reading partner files as a stream of rows, in constant memory (R-IMPORT-1, ADR 0020).

CSV: the encoding is decided once, over the whole file, when it is stored (`inspect_file`): UTF-8
with or without a byte-order mark, else Windows-1252 (what Excel on Windows saves as "CSV"); a
file that is neither is refused with a clear message. Excel: .xlsx through openpyxl's read-only
mode, which streams the sheet's XML rather than loading the workbook.

Rows come out as (row_number, [cell text, ...]), numbered as a spreadsheet numbers them (the header
row is 1), so a partner can find the row we name.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from familyhub.core.errors import ApplicationError

CHUNK = 1 << 16
XLSX_MAGIC = b"PK\x03\x04"
FORMATS = ("csv", "xlsx")


class FileRefused(ApplicationError):
    """The file as a whole cannot be read: nothing is loaded."""

    code = "file_refused"


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size_bytes: int
    file_format: str
    encoding: str


def file_format_for(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith((".csv", ".txt")):
        return "csv"
    if lower.endswith(".xls"):
        raise FileRefused(
            "This is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again.",
            field="file",
        )
    raise FileRefused("Upload a CSV file (.csv) or an Excel workbook (.xlsx).", field="file")


def inspect_file(chunks: Iterable[bytes], file_format: str) -> FileFacts:
    """Checksum, size and (for CSV) encoding, in one pass over the bytes, in constant memory."""
    digest = hashlib.sha256()
    size = 0
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    cp1252_ok = True
    first = b""
    for chunk in chunks:
        if not first:
            first = chunk[:4]
        digest.update(chunk)
        size += len(chunk)
        if file_format != "csv":
            continue
        if b"\x00" in chunk:
            utf8_ok = cp1252_ok = False
        if utf8_ok:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if cp1252_ok and not utf8_ok:
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError:
                cp1252_ok = False
    if size == 0:
        raise FileRefused("The file is empty: there is nothing to import.", field="file")
    encoding = ""
    if file_format == "xlsx":
        if first != XLSX_MAGIC:
            raise FileRefused(
                "This file is not an Excel .xlsx workbook (it may be an old .xls or a renamed "
                "file). Save it as .xlsx or CSV and upload it again.",
                field="file",
            )
    else:
        if first == XLSX_MAGIC:
            raise FileRefused(
                "This is an Excel workbook saved with a .csv name. Upload it as .xlsx, or save "
                "it as CSV.",
                field="file",
            )
        if utf8_ok:
            try:
                utf8.decode(b"", final=True)
                encoding = "utf-8-sig"  # also reads UTF-8 without a byte-order mark
            except UnicodeDecodeError:
                utf8_ok = False
        if not utf8_ok:
            if not cp1252_ok:
                raise FileRefused(
                    "The file's text encoding could not be read (it is not UTF-8 or Windows "
                    "Western). In Excel choose Save As, 'CSV UTF-8 (Comma delimited)', and "
                    "upload it again.",
                    field="file",
                )
            encoding = "cp1252"
    return FileFacts(digest.hexdigest(), size, file_format, encoding)


def file_chunks(fh: IO[bytes]) -> Iterator[bytes]:
    while True:
        chunk = fh.read(CHUNK)
        if not chunk:
            return
        yield chunk


def _text(value: Any) -> str:
    """An Excel cell as text, dates as dd/mm/yyyy (so one date parser serves both formats)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class Rows:
    """The header and then the data rows of a stored file; iterate for (row_number, cells)."""

    def __init__(self, path: str | Path, file_format: str, encoding: str = "utf-8-sig") -> None:
        self.path = Path(path)
        self.file_format = file_format
        self.encoding = encoding or "utf-8-sig"

    def _raw(self) -> Iterator[list[str]]:
        if self.file_format == "xlsx":
            yield from self._xlsx()
        else:
            yield from self._csv()

    def _csv(self) -> Iterator[list[str]]:
        with self.path.open("r", encoding=self.encoding, newline="") as fh:
            first_line = fh.readline()
            fh.seek(0)
            # The header line decides the delimiter: comma, or semicolon / tab as some exports use.
            delimiter = max((",", ";", "\t"), key=lambda d: (first_line.count(d), d == ","))
            try:
                for cells in csv.reader(fh, delimiter=delimiter):
                    yield [c.strip() for c in cells]
            except csv.Error as e:
                raise FileRefused(f"The CSV file is malformed: {e}.", field="file")

    def _xlsx(self) -> Iterator[list[str]]:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(self.path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises several kinds for a broken workbook
            raise FileRefused(f"The Excel file could not be opened ({type(e).__name__}).")
        try:
            ws = wb.worksheets[0]
            for values in ws.iter_rows(values_only=True):
                yield [_text(v) for v in values]
        finally:
            wb.close()

    def headers(self) -> list[str]:
        for cells in self._raw():
            if any(cells):
                return _dedupe([c.strip() for c in cells])
            break
        raise FileRefused(
            "The file has no header row: the first row must name the columns.", field="file"
        )

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """Data rows (blank rows skipped), each with its spreadsheet row number."""
        raw = self._raw()
        if next(raw, None) is None:
            return
        for i, cells in enumerate(raw, start=2):
            if any(c for c in cells):
                yield i, cells


def _dedupe(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h or f"Column {i + 1}"
        if h in seen:
            seen[h] += 1
            h = f"{h} ({seen[h]})"
        else:
            seen[h] = 1
        out.append(h)
    return out


def write_csv(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV lines for a streaming response: UTF-8 with a BOM so that Excel reads it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for r in rows:
        writer.writerow([_safe_cell(c) for c in r])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def _safe_cell(value: Any) -> str:
    """No spreadsheet formulas in a file we hand out (CSV injection, OWASP)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

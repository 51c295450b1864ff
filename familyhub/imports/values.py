"""Reading one cell's text as a value, with a message a partner can act on (R-IMPORT-1).

Dates are accepted in three formats only: dd/mm/yyyy (the UK's), yyyy-mm-dd (ISO 8601) and
d-Mon-yyyy (3-Mar-2025, as Excel shows dates). Anything else, including two-digit years and
month-first American dates, is a row error rather than a guess: 04/05/25 could be either of two
days, and a wrong date of birth is worse than a refused one.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time

MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMONY = re.compile(r"^(\d{1,2})[- ]([A-Za-z]{3,9})[- ](\d{4})$")
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$")
DATE_HINT = "Use dd/mm/yyyy (27/03/2025), yyyy-mm-dd (2025-03-27) or d-Mon-yyyy (27-Mar-2025)"


class BadValue(ValueError):
    pass


def parse_date(text: str) -> date:
    text = (text or "").strip()
    # Excel cells written by the reader as 'dd/mm/yyyy 00:00' when they carry a time.
    if " " in text and _DMY.match(text.split(" ", 1)[0]):
        text = text.split(" ", 1)[0]
    parts: tuple[int, int, int] | None = None
    if m := _DMY.match(text):
        parts = (int(m[3]), int(m[2]), int(m[1]))
    elif m := _ISO.match(text):
        parts = (int(m[1]), int(m[2]), int(m[3]))
    elif m := _DMONY.match(text):
        month = MONTHS.get(m[2][:3].lower())
        if month is None or (len(m[2]) > 3 and not _full_month(m[2])):
            raise BadValue(f"'{text}' is not a month we recognise. {DATE_HINT}")
        parts = (int(m[3]), month, int(m[1]))
    elif _TWO_DIGIT_YEAR.match(text):
        raise BadValue(f"'{text}' has a two-digit year, which is ambiguous. {DATE_HINT}")
    if parts is None:
        raise BadValue(f"'{text}' is not a date in a format we accept. {DATE_HINT}")
    try:
        return date(*parts)
    except ValueError:
        raise BadValue(f"'{text}' is not a real date. {DATE_HINT}")


def _full_month(word: str) -> bool:
    names = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    return word.lower() in names or word.lower() == "sept"


def parse_time(text: str) -> time:
    text = (text or "").strip()
    for fmt in ("%H:%M", "%H:%M:%S", "%H.%M"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise BadValue(f"'{text}' is not a time: use the 24-hour clock, like 09:30 or 14:00")


YES = {"y", "yes", "true", "1", "present", "attended", "x", "✓"}
NO = {"n", "no", "false", "0", "absent", "did not attend", "dna"}


def parse_yes_no(text: str, *, default: bool | None = None) -> bool:
    value = (text or "").strip().lower()
    if not value and default is not None:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    raise BadValue(f"'{text}' is not yes or no: use Yes or No")


def parse_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID((text or "").strip())
    except ValueError:
        raise BadValue(
            f"'{text}' is not a familyhub id (it looks like 8-4-4-4-12 letters and digits)"
        )


def normalise_header(text: str) -> str:
    """'NHS No.' -> 'nhsno': how headers are matched to fields, whatever their spacing or case."""
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())

"""The record of processing activities, UK GDPR Article 30(1) (R-NOTICE-1), for the DPO.

Generated, like the privacy notice, from the live purposes register and the data map: one
activity per active purpose, plus the processing of staff data that keeps the system secure
(taken from the data map's staff fields). Written as rows for the page, a CSV file and an XLSX
workbook; nothing here writes to the database, and the views log each download.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from familyhub.core.datamap import DATA_MAP, Retention, Subject
from familyhub.privacy import notice
from familyhub.privacy.models import LawfulBasis, Purpose

SUBJECT_LABELS = {
    Subject.FAMILY: "Family members: children (including unborn children), parents and carers, "
    "other household members",
    Subject.STAFF: "Staff of the lead organisation and of its partner organisations",
}
NO_TRANSFERS = "None outside the UK"


def security_measures() -> list[str]:
    """Article 32 measures, as built (ADR 0003, 0004, 0005, 0007, 0008; docs/operating.md)."""
    idle = getattr(settings, "FAMILYHUB_IDLE_MINUTES", 15)
    return [
        "Two-factor sign-in for every member of staff: a password (stored only as an Argon2 hash) "
        "and a code from an authenticator app; five failures in a row lock the account.",
        f"Sessions end after {idle} minutes without activity and when the browser closes; staff "
        "can sign out of every device at once.",
        "Need to know: staff see only the families their organisation works with, applied inside "
        "the database query; special-category data only for the roles that need it.",
        "A tamper-evident, append-only access log of every view, search, list, export and change "
        "of a family's data (a hash chain checked by a daily command; PostgreSQL refuses edits "
        "to it).",
        "Field-level history of every change (who, when, the old and the new value).",
        "One policy decision point applies consent, withdrawal, restriction and objection to "
        "every purpose-dependent step at once.",
        "Encryption in transit: HTTPS only in production, with HSTS and secure, HTTP-only "
        "cookies; a strict Content Security Policy and no third-party scripts.",
        "Encrypted, access-controlled backups of the database and uploaded files (operator guide).",
        "Only synthetic data in demonstration and test systems.",
    ]


@dataclass
class Activity:
    name: str
    purpose: str
    lawful_basis: str
    basis_detail: str
    special_category_condition: str
    data_subjects: list[str]
    data_categories: list[str]
    recipients: list[str]
    transfers: str
    retention: str
    source: str = ""
    code: str = ""


@dataclass
class Record:
    controller: dict[str, str]
    dpo: dict[str, str]
    activities: list[Activity]
    security: list[str]
    generated_at: datetime = field(default_factory=timezone.now)


def _subjects_of(categories: Iterable[str]) -> list[str]:
    wanted = set(categories)
    found = {
        fc.subject
        for fields in DATA_MAP.values()
        for fc in fields.values()
        if fc.personal and fc.category.value in wanted
    }
    return [label for subject, label in SUBJECT_LABELS.items() if subject in found]


def _categories_of(categories: Iterable[str], collected: dict[str, list[str]]) -> list[str]:
    out = []
    for code in categories:
        label = notice.category_label(code)
        items = collected.get(code)
        out.append(f"{label.capitalize()}: {', '.join(items)}" if items else label.capitalize())
    return out


def _staff_activity() -> Activity:
    """Staff accounts, sign-in events and the access log: from the data map's staff fields."""
    retention = sorted(
        {
            fc.retention.value
            for fields in DATA_MAP.values()
            for fc in fields.values()
            if fc.personal and fc.subject is Subject.STAFF and fc.retention is not Retention.NONE
        }
    )
    return Activity(
        code="staff-and-security",
        name="Staff accounts, sign-in and the access log",
        purpose="Giving staff accounts with strong sign-in, recording who did what in familyhub, "
        "and checking that only staff who need a family's record look at it.",
        lawful_basis=LawfulBasis.LEGAL_OBLIGATION.label,
        basis_detail="UK GDPR Article 5(1)(f) and Article 32 (security of processing).",
        special_category_condition="",
        data_subjects=[SUBJECT_LABELS[Subject.STAFF]],
        data_categories=[
            "Staff: sign-in name, name, work email, role, organisation and team, password hash, "
            "second-factor devices, sign-in events",
            "Audit: the access log (who, when, from where, what, why)",
        ],
        recipients=["The DPO, administrators and team managers of the lead organisation"],
        transfers=NO_TRANSFERS,
        retention="; ".join(retention),
        source="familyhub data map (staff and audit fields)",
    )


def build(purposes: Iterable[Purpose] | None = None) -> Record:
    """The record as it stands now: the active purposes of the register and the data map."""
    if purposes is None:
        purposes = Purpose.objects.filter(active=True).order_by("sort_order", "name")
    purposes = list(purposes)
    sources = {p.code: p.source for p in purposes}
    content = notice.build_content(purposes)
    collected = {c["category"]: c["items"] for c in content["collected"]}
    activities = [
        Activity(
            code=p["code"],
            name=p["name"],
            purpose=p["description"],
            lawful_basis=p["lawful_basis_label"],
            basis_detail=p["basis_detail"],
            special_category_condition=p["special_category_condition"],
            data_subjects=_subjects_of(p["data_categories"]),
            data_categories=_categories_of(p["data_categories"], collected),
            recipients=p["recipients"] or ["Only the staff who carry out this purpose"],
            transfers=p["transfers"] or NO_TRANSFERS,
            retention=p["retention"],
            source=sources.get(p["code"], ""),
        )
        for p in content["purposes"]
    ]
    activities.append(_staff_activity())
    return Record(
        controller=content["controller"],
        dpo=content["dpo"],
        activities=activities,
        security=security_measures(),
    )


# --- spreadsheets ----------------------------------------------------------------------------

COLUMNS = [
    "Processing activity",
    "Purpose of the processing",
    "Lawful basis (UK GDPR Article 6)",
    "Law or reason relied on",
    "Special category condition (Article 9, DPA 2018 Schedule 1)",
    "Categories of data subjects",
    "Categories of personal data",
    "Recipients",
    "Transfers outside the UK",
    "Retention",
    "Controller",
    "Data Protection Officer",
    "Security measures (Article 32)",
]


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: text starting with =, +, -, @ or a control character
    is prefixed with an apostrophe (CSV injection, OWASP)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _contact(d: dict[str, str]) -> str:
    return ", ".join(v for v in d.values() if v)


def rows(record: Record) -> list[list[str]]:
    controller, dpo = _contact(record.controller), _contact(record.dpo)
    security = " ".join(record.security)
    out = []
    for a in record.activities:
        out.append(
            [
                safe_cell(x)
                for x in (
                    a.name,
                    a.purpose,
                    a.lawful_basis,
                    a.basis_detail,
                    a.special_category_condition or "Not applicable: no special-category data",
                    "; ".join(a.data_subjects),
                    "; ".join(a.data_categories),
                    "; ".join(a.recipients),
                    a.transfers,
                    a.retention,
                    controller,
                    dpo,
                    security,
                )
            ]
        )
    return out


def as_csv(record: Record) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows(record))
    # A byte-order mark, so that Excel opens the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(record: Record) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Record of processing"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    generated = timezone.localtime(record.generated_at).strftime("%d/%m/%Y %H:%M")
    heading = [
        ["Record of processing activities (UK GDPR Article 30)"],
        ["Controller", safe_cell(_contact(record.controller))],
        ["Data Protection Officer", safe_cell(_contact(record.dpo))],
        ["Generated", generated],
        [],
    ]
    for line in heading:
        ws.append(line)
    ws["A1"].font = Font(bold=True, size=14)
    header_row = len(heading) + 1
    ws.append(COLUMNS)
    for cell in ws[header_row]:
        cell.font = bold
        cell.alignment = wrap
    for row in rows(record):
        ws.append(row)
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = wrap
            cell.data_type = "s"  # text, never a formula
    widths = [30, 50, 24, 40, 40, 30, 60, 40, 30, 30, 30, 30, 60]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)

    sec = wb.create_sheet("Security measures")
    sec.append(["Security measures (UK GDPR Article 32)"])
    sec["A1"].font = bold
    for measure in record.security:
        sec.append([safe_cell(measure)])
    sec.column_dimensions["A"].width = 120
    for row in sec.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""The record of processing activities, UK GDPR Article 30 (R-NOTICE-1): generated from the
register and the data map, as a page and as CSV and XLSX downloads, each download logged."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from familyhub.access.models import AccessLogEntry
from familyhub.privacy import ropa
from familyhub.privacy.models import Purpose

pytestmark = pytest.mark.django_db


def test_one_activity_per_purpose_in_use_and_the_staff_processing():
    Purpose.objects.filter(code="marketing-publicity").update(active=False)
    record = ropa.build()
    codes = [a.code for a in record.activities]
    active = list(
        Purpose.objects.filter(active=True)
        .order_by("sort_order", "name")
        .values_list("code", flat=True)
    )
    assert codes == [*active, "staff-and-security"]
    by_code = {a.code: a for a in record.activities}
    library = by_code["imagination-library"]
    assert "international programme" in library.transfers
    assert by_code["evaluation"].transfers == ropa.NO_TRANSFERS
    assert library.recipients == [
        "The Dollywood Foundation, which runs Dolly Parton's Imagination Library and posts the books"
    ]
    assert by_code["evaluation"].data_subjects == [ropa.SUBJECT_LABELS["family member"]]
    assert any(
        c.startswith("Sensitive information") and "ethnic group" in c
        for c in by_code["evaluation"].data_categories
    )
    staff = by_code["staff-and-security"]
    assert staff.data_subjects == [ropa.SUBJECT_LABELS["staff member"]]
    assert "audit log: 7 years" in staff.retention
    assert record.controller["name"] and record.dpo["email"] == "dpo@example.org"
    measures = " ".join(record.security)
    for words in ("authenticator app", "access log", "HTTPS", "Need to know", "history"):
        assert words in measures, words


def test_spreadsheet_cells_never_run_as_formulas():
    assert ropa.safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert ropa.safe_cell("+44 115") == "'+44 115"
    assert ropa.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert ropa.safe_cell("Plain") == "Plain"


def test_dpo_reads_the_record(personas, client_for):
    response = client_for(personas.dpo).get(reverse("privacy:ropa"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Record of processing activities" in body
    assert "Dolly Parton&#x27;s Imagination Library" in body
    assert "None outside the UK" in body and 'id="security-measures"' in body


def test_csv_download_is_logged(personas, client_for):
    Purpose.objects.filter(code="evaluation").update(name='=HYPERLINK("http://evil")')
    before = AccessLogEntry.objects.count()
    response = client_for(personas.dpo).get(reverse("privacy:ropa_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ropa.COLUMNS
    assert len(rows) == Purpose.objects.filter(active=True).count() + 2  # header, staff row
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_type, entry.username) == (
        "export",
        "record of processing",
        personas.dpo.username,
    )
    assert "CSV" in entry.detail and entry.subject_count == 0


def test_xlsx_download_is_logged(personas, client_for):
    Purpose.objects.filter(code="evaluation").update(name="=1+1")
    response = client_for(personas.dpo).get(reverse("privacy:ropa_xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Record of processing"]
    assert sheet["A1"].value.startswith("Record of processing activities")
    header = [c.value for c in sheet[6]]
    assert header == ropa.COLUMNS
    names = [sheet.cell(row=r, column=1).value for r in range(7, sheet.max_row + 1)]
    assert "'=1+1" in names  # text, never a formula
    assert "Staff accounts, sign-in and the access log" in names
    assert workbook["Security measures"]["A2"].value
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.action == "export" and "XLSX" in entry.detail


@pytest.mark.parametrize("who", ["practitioner", "team_manager", "admin", "analyst"])
def test_only_the_dpo_reads_or_downloads_the_record(personas, client_for, who):
    client = client_for(getattr(personas, who))
    before = AccessLogEntry.objects.count()
    for name in ("privacy:ropa", "privacy:ropa_csv", "privacy:ropa_xlsx"):
        assert client.get(reverse(name)).status_code == 403
    assert AccessLogEntry.objects.count() == before

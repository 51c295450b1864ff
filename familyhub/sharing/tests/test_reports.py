"""Aggregate reports (R-SHARE-2, R-SHARE-5, R-SHARE-7): produce under an agreement, refuse and
record why, release with a disclosure record, files carrying the notes, differencing against the
previous release, scheduled reports, and the pages allowed and denied."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from familyhub.rights.models import DisclosureRecord
from familyhub.sharing.cube import CubeQuery
from familyhub.sharing.models import Output, ReportSpec
from familyhub.sharing.services import reports as services
from familyhub.sharing.testing import make_agreement
from familyhub.sharing.tests.reports_data import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return build_world(personas)


FRED = CubeQuery(
    measure="adults",
    rows="ward",
    columns="ethnicity_group",
    start=date(2026, 1, 1),
    end=date(2026, 1, 31),
    filters={"service": ["fred"], "parent_role": ["father"]},
)


def test_fathers_at_fred_produced_protected_and_released(world, personas):
    agreement = world["agreement"]
    output = services.report_produce(actor=personas.analyst, agreement=agreement, query=FRED)
    assert output.status == Output.Status.PRODUCED
    assert output.people_count == 7
    assert output.rule_set == "round-5-suppress-1-7"
    assert output.protection["sdc"]["audit"]["passed"]
    grid = {t["name"]: t for t in services.grids(output.protection)}
    header = grid["main"]["header"]
    st_anns = next(r for r in grid["main"]["rows"] if r[0] == "St. Ann's")
    assert st_anns[header.index("Total")] == "*"
    assert st_anns[header.index("White")] == "*"
    # The CSV and the XLSX carry the notes; their SHA-256 are kept.
    name, data, ctype = services.output_file(output, "csv")
    assert ctype.startswith("text/csv") and name.endswith(".csv")
    assert hashlib.sha256(data).hexdigest() == output.files[0]["sha256"]
    text = data.decode()
    assert "Disclosure control: round-5-suppress-1-7." in text
    assert agreement.reference in text
    rows = list(csv.reader(io.StringIO(text)))
    assert ["St. Ann's", *(["*"] * 0)][0] in [r[0] for r in rows if r]
    assert not any(v in ("5", "2", "7") for r in rows for v in r[1:])  # no small count leaks
    _, xlsx, _ = services.output_file(output, "xlsx")
    wb = load_workbook(io.BytesIO(xlsx))
    assert "Notes" in wb.sheetnames
    notes = [c.value for c in wb["Notes"]["A"] if c.value]
    assert any("round-5-suppress-1-7" in str(n) for n in notes)
    # Release: one disclosure record, however often it is downloaded.
    services.report_release(actor=personas.analyst, output=output)
    services.report_release(actor=personas.analyst, output=output)
    record = DisclosureRecord.objects.get()
    assert (record.kind, record.level, record.agreement) == ("report", "aggregate", agreement)
    assert record.people_count == 7
    assert record.sha256 == output.files[0]["sha256"]
    assert record.subjects.count() == 0  # aggregate: no person listed
    output.refresh_from_db()
    assert output.status == Output.Status.RELEASED and output.disclosure == record


def test_refusals_are_recorded_with_the_reason(world, personas):
    with pytest.raises(services.Refused) as e:
        services.report_produce(actor=personas.analyst, agreement=None, query=FRED)
    assert "Choose the data sharing agreement" in e.value.output.refusal_reason
    narrow = make_agreement(items=["ward", "attendances"])
    with pytest.raises(services.Refused) as e:
        services.report_produce(actor=personas.analyst, agreement=narrow, query=FRED)
    reason = e.value.output.refusal_reason
    assert "does not cover 'Ethnic group (ONS high-level)'" in reason
    assert "does not cover 'Distinct adults'" in reason
    suspended = make_agreement(suspended_reason="Review")
    from django.utils import timezone

    suspended.suspended_at = timezone.now()
    suspended.save()
    with pytest.raises(services.Refused):
        services.report_produce(actor=personas.analyst, agreement=suspended, query=FRED)
    refused = Output.objects.filter(status=Output.Status.REFUSED)
    assert refused.count() == 3
    assert not DisclosureRecord.objects.exists()


def test_disclosure_control_failure_is_a_refusal(world, personas, monkeypatch):
    from familyhub.sharing import sdc

    def fail(*args, **kwargs):
        raise sdc.DisclosureControlFailed("These small counts could still be narrowed down.")

    monkeypatch.setattr(sdc, "protect", fail)
    with pytest.raises(services.Refused) as e:
        services.report_produce(actor=personas.analyst, agreement=world["agreement"], query=FRED)
    assert "narrowed down" in e.value.output.refusal_reason


def test_next_release_is_audited_against_the_previous(world, personas):
    """Year to date: February's release is checked together with January's (differencing)."""
    agreement = world["agreement"]
    jan = CubeQuery(
        measure="attendances",
        rows="ward",
        columns="service",
        start=date(2026, 1, 1),
        end=date(2026, 1, 31),
    )
    spec = services.spec_save(actor=personas.analyst, name="YTD", agreement=agreement, query=jan)
    first = services.report_produce(
        actor=personas.analyst, agreement=agreement, query=jan, spec=spec
    )
    services.report_release(actor=personas.analyst, output=first)
    ytd = CubeQuery(**{**jan.__dict__, "end": date(2026, 2, 28)})
    second = services.report_produce(
        actor=personas.analyst, agreement=agreement, query=ytd, spec=spec
    )
    assert second.protection["linked_previous"] == 1
    assert second.protection["sdc"]["audit"]["passed"]
    # Cook and Play in Bulwell: 10 in January, 14 to February; the 4 of February stay hidden.
    grid = services.grids(second.protection)[0]
    bulwell = next(r for r in grid["rows"] if r[0] == "Bulwell")
    assert "15" in bulwell or "*" in bulwell


def test_scheduled_reports_run_when_due(world, personas):
    agreement = world["agreement"]
    base = CubeQuery(
        measure="attendances",
        rows="service",
        columns=None,
        start=date(2026, 1, 1),
        end=date(2026, 1, 31),
    )
    spec = services.spec_save(
        actor=personas.team_manager,
        name="Monthly operational report",
        agreement=agreement,
        query=base,
        schedule="monthly",
        next_run_on=date(2026, 2, 1),
    )
    runs = services.run_due(today=date(2026, 3, 5))  # February and March runs both due
    assert [r.output.period_start for r in runs] == [date(2026, 1, 1), date(2026, 2, 1)]
    assert all(r.output.status == Output.Status.PRODUCED for r in runs)
    spec.refresh_from_db()
    assert spec.next_run_on == date(2026, 4, 1)
    assert services.run_due(today=date(2026, 3, 5)) == []
    assert not DisclosureRecord.objects.exists()  # logged when sent, not when produced
    services.report_release(actor=personas.dpo, output=runs[0].output, channel="Email")
    assert DisclosureRecord.objects.get().channel == "Email"
    assert services.scheduled_period("bimonthly", date(2026, 5, 1)) == (
        date(2026, 3, 1),
        date(2026, 4, 30),
    )
    assert services.scheduled_period("annual", date(2026, 4, 1)) == (
        date(2025, 4, 1),
        date(2026, 3, 31),
    )


def test_command_reports_due(world, personas):
    from django.core.management import call_command

    services.spec_save(
        actor=personas.team_manager,
        name="Board report",
        agreement=world["agreement"],
        query=FRED,
        schedule="bimonthly",
        next_run_on=date(2026, 3, 1),
    )
    out = io.StringIO()
    call_command("reports_due", "--today", "2026-03-02", stdout=out)
    assert "Board report" in out.getvalue()
    assert Output.objects.filter(report__name="Board report").count() == 1


# --- pages -------------------------------------------------------------------------------------


def _form(agreement, **kw):
    data = {
        "agreement": str(agreement.uuid) if agreement else "",
        "measure": "adults",
        "rows": "ward",
        "columns": "ethnicity_group",
        "grain": "month",
        "start": "1/1/2026",
        "end": "31/1/2026",
        "service": ["fred"],
        "parent_role": ["father"],
        "action": "preview",
    }
    data.update(kw)
    return data


def test_builder_produces_shows_and_downloads(world, personas, client_for):
    client = client_for(personas.analyst)
    assert client.get("/sharing/reports/new/").status_code == 200
    response = client.post("/sharing/reports/new/", _form(world["agreement"]))
    assert response.status_code == 302
    output = Output.objects.get(status=Output.Status.PRODUCED)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert (
        b"St. Ann&#x27;s" in page.content
        and b'<td class="govuk-table__cell govuk-table__cell--numeric">*</td>' in page.content
    )
    assert b"Disclosure control: round-5-suppress-1-7." in page.content
    assert client.get(f"/sharing/reports/{output.uuid}/csv/").status_code == 302  # GET: no release
    assert not DisclosureRecord.objects.exists()
    download = client.post(f"/sharing/reports/{output.uuid}/csv/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert DisclosureRecord.objects.count() == 1
    xlsx = client.post(f"/sharing/reports/{output.uuid}/xlsx/")
    assert xlsx.status_code == 200 and DisclosureRecord.objects.count() == 1


def test_builder_refusal_and_errors_are_shown(world, personas, client_for):
    client = client_for(personas.analyst)
    refused = client.post("/sharing/reports/new/", _form(None))
    assert refused.status_code == 200
    assert b"This report cannot be produced" in refused.content
    assert Output.objects.filter(status=Output.Status.REFUSED).count() == 1
    bad = client.post("/sharing/reports/new/", _form(world["agreement"], end="not a date"))
    assert b"Enter a real date" in bad.content and b"govuk-error-summary" in bad.content
    same = client.post("/sharing/reports/new/", _form(world["agreement"], columns="ward"))
    assert b"Rows and columns must be different" in same.content


def test_builder_saves_a_spec(world, personas, client_for):
    client = client_for(personas.team_manager)
    response = client.post(
        "/sharing/reports/new/",
        _form(world["agreement"], action="save", name="Fathers at FRED", schedule="monthly"),
    )
    assert response.status_code == 302
    spec = ReportSpec.objects.get()
    assert spec.schedule == "monthly" and spec.next_run_on is not None
    again = client.get(f"/sharing/reports/new/?spec={spec.uuid}")
    assert b"Fathers at FRED" in again.content


def test_report_list_query_count(world, personas, client_for, django_assert_max_num_queries):
    for _ in range(3):
        services.report_produce(actor=personas.analyst, agreement=world["agreement"], query=FRED)
    client = client_for(personas.analyst)
    with django_assert_max_num_queries(14):
        response = client.get("/sharing/reports/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "persona,status",
    [
        ("analyst", 200),
        ("dpo", 200),
        ("team_manager", 200),
        ("admin", 403),
        ("practitioner", 403),
        ("group_worker", 403),
        ("partner_staff", 403),
        ("other_org_staff", 403),
        (None, 302),
    ],
)
def test_report_pages_allowed_and_denied(world, personas, client_for, persona, status):
    output = services.report_produce(
        actor=personas.analyst, agreement=world["agreement"], query=FRED
    )
    client = client_for(getattr(personas, persona) if persona else None)
    for path in (
        "/sharing/reports/",
        "/sharing/reports/new/",
        f"/sharing/reports/{output.uuid}/",
    ):
        assert client.get(path).status_code == status, path
    download = client.post(f"/sharing/reports/{output.uuid}/csv/")
    assert download.status_code == status, "download"
    assert DisclosureRecord.objects.exists() == (status == 200)


def test_overlapping_release_by_month_shows_only_its_own_months(world, personas):
    agreement = world["agreement"]
    jan_feb = CubeQuery(
        measure="attendances",
        rows="period",
        columns=None,
        start=date(2026, 1, 1),
        end=date(2026, 2, 28),
    )
    spec = services.spec_save(
        actor=personas.dpo, name="Rolling", agreement=agreement, query=jan_feb
    )
    first = services.report_produce(
        actor=personas.dpo, agreement=agreement, query=jan_feb, spec=spec
    )
    services.report_release(actor=personas.dpo, output=first)
    feb_mar = CubeQuery(**{**jan_feb.__dict__, "start": date(2026, 2, 1), "end": date(2026, 3, 31)})
    second = services.report_produce(
        actor=personas.dpo, agreement=agreement, query=feb_mar, spec=spec
    )
    assert second.protection["linked_previous"] == 1
    rows = [r[0] for r in services.grids(second.protection)[0]["rows"]]
    assert rows == ["2026-02", "2026-03", "Total"]

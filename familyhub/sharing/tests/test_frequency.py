"""How often an agreement lets outputs leave (R-SHARE-1; docs/reports.md, ADR 0018): one release
of each series per calendar window, "once" once, "on request" without limit; refusals are kept
with their reason; downloading a released output again is never refused; scheduled governance
reports still run and are released each in the window of the day they were due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.core.errors import ValidationFailed
from familyhub.core.testing import make_household
from familyhub.rights.models import DisclosureRecord
from familyhub.sharing import guard, reach
from familyhub.sharing.cube import CubeQuery
from familyhub.sharing.models import Frequency, Level, Output
from familyhub.sharing.services import extracts
from familyhub.sharing.services import reports as services
from familyhub.sharing.testing import make_agreement
from familyhub.sharing.tests.reports_data import build_world

pytestmark = pytest.mark.django_db

JAN = CubeQuery(
    measure="attendances",
    rows="service",
    columns=None,
    start=date(2026, 1, 1),
    end=date(2026, 1, 31),
)


@pytest.mark.parametrize(
    ("frequency", "on", "window"),
    [
        ("monthly", date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        ("bimonthly", date(2026, 4, 30), (date(2026, 3, 1), date(2026, 4, 30))),
        ("bimonthly", date(2026, 12, 1), (date(2026, 11, 1), date(2026, 12, 31))),
        ("quarterly", date(2026, 5, 5), (date(2026, 4, 1), date(2026, 6, 30))),
        ("annual", date(2026, 7, 1), (date(2026, 1, 1), date(2026, 12, 31))),
        ("one_off", date(2026, 7, 1), (date.min, date.max)),
        ("on_request", date(2026, 7, 1), None),
    ],
)
def test_frequency_windows(frequency, on, window):
    assert guard.frequency_window(frequency, on) == window


def _move_release(output: Output, days: int) -> None:
    """Pretend an output left `days` earlier (its disclosure record's time)."""
    DisclosureRecord.objects.filter(pk=output.disclosure_id).update(
        disclosed_at=output.disclosure.disclosed_at - timedelta(days=days)
    )


@pytest.fixture
def world(personas):
    return build_world(personas)


def test_monthly_agreement_one_ad_hoc_report_a_month(world, personas):
    agreement = make_agreement(frequency=Frequency.MONTHLY)
    first = services.report_produce(actor=personas.analyst, agreement=agreement, query=JAN)
    services.report_release(actor=personas.analyst, output=first)
    # Downloading the same output again is not a new release.
    assert services.report_release(actor=personas.analyst, output=first).status == "released"
    assert DisclosureRecord.objects.filter(agreement=agreement).count() == 1
    # Another ad hoc report this month: refused, with the reason, and kept as refused.
    with pytest.raises(services.Refused) as refused:
        services.report_produce(actor=personas.analyst, agreement=agreement, query=JAN)
    reason = refused.value.output.refusal_reason
    assert refused.value.output.status == Output.Status.REFUSED
    assert f"Agreement {agreement.reference} allows an ad hoc report once in a calendar month" in (
        reason
    )
    assert "was released on" in reason and "produce a new one from" in reason
    # A saved report is its own series: allowed.
    spec = services.spec_save(actor=personas.analyst, name="Jan", agreement=agreement, query=JAN)
    saved = services.report_produce(
        actor=personas.analyst, agreement=agreement, query=JAN, spec=spec
    )
    assert services.report_release(actor=personas.analyst, output=saved).status == "released"
    # Next month (the first release moved back into last month): allowed again.
    first.refresh_from_db()
    _move_release(first, 40)
    again = services.report_produce(actor=personas.analyst, agreement=agreement, query=JAN)
    assert again.status == Output.Status.PRODUCED


def test_two_produced_the_second_released_is_refused_and_kept_as_refused(world, personas):
    agreement = make_agreement(frequency=Frequency.QUARTERLY)
    a = services.report_produce(actor=personas.analyst, agreement=agreement, query=JAN)
    b = services.report_produce(actor=personas.analyst, agreement=agreement, query=JAN)
    services.report_release(actor=personas.analyst, output=a)
    with pytest.raises(guard.OutputRefused) as refused:
        services.report_release(actor=personas.analyst, output=b)
    assert refused.value.status == 422
    assert "once in a quarter (quarterly)" in refused.value.reasons[0]
    b.refresh_from_db()
    assert b.status == Output.Status.REFUSED and "quarterly" in b.refusal_reason
    assert b.disclosure is None
    assert DisclosureRecord.objects.filter(agreement=agreement).count() == 1


def test_one_off_and_on_request(world, personas):
    once = make_agreement(frequency=Frequency.ONE_OFF)
    first = services.report_produce(actor=personas.analyst, agreement=once, query=JAN)
    services.report_release(actor=personas.analyst, output=first)
    _move_release(first, 800)  # years later: still once
    with pytest.raises(services.Refused) as refused:
        services.report_produce(actor=personas.analyst, agreement=once, query=JAN)
    assert "allows an ad hoc report once, and" in refused.value.output.refusal_reason
    anytime = make_agreement(frequency=Frequency.ON_REQUEST)
    for _ in range(3):
        out = services.report_produce(actor=personas.analyst, agreement=anytime, query=JAN)
        services.report_release(actor=personas.analyst, output=out)
    assert DisclosureRecord.objects.filter(agreement=anytime).count() == 3


def test_builder_shows_the_frequency_refusal(world, personas, client_for):
    agreement = make_agreement(frequency=Frequency.MONTHLY)
    first = services.report_produce(actor=personas.analyst, agreement=agreement, query=JAN)
    services.report_release(actor=personas.analyst, output=first)
    response = client_for(personas.analyst).post(
        reverse("sharing:report_builder"),
        {
            "agreement": str(agreement.uuid),
            "measure": "attendances",
            "rows": "service",
            "start": "1/1/2026",
            "end": "31/1/2026",
            "grain": "month",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This report cannot be produced" in body and "once in a calendar month" in body
    # The page's own download of an output released before is not refused.
    download = client_for(personas.analyst).post(reverse("sharing:report_csv", args=[first.uuid]))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")


def test_schedules_must_fit_the_frequency_and_catch_up_releases_each_period(world, personas):
    quarterly = make_agreement(frequency=Frequency.QUARTERLY)
    with pytest.raises(ValidationFailed) as e:
        services.spec_save(
            actor=personas.dpo, name="M", agreement=quarterly, query=JAN, schedule="monthly"
        )
    assert "allows sharing quarterly: choose a schedule no more often" in str(e.value.errors)
    once = make_agreement(frequency=Frequency.ONE_OFF)
    with pytest.raises(ValidationFailed) as e:
        services.spec_save(
            actor=personas.dpo, name="A", agreement=once, query=JAN, schedule="annual"
        )
    assert "cannot be scheduled" in str(e.value.errors)
    services.spec_save(
        actor=personas.dpo, name="Annual", agreement=quarterly, query=JAN, schedule="annual"
    )
    # A monthly report under a monthly agreement, after downtime: both missed runs are produced
    # and both may be released today, each counted in the month it was due.
    monthly = make_agreement(frequency=Frequency.MONTHLY)
    services.spec_save(
        actor=personas.dpo,
        name="Monthly operational report",
        agreement=monthly,
        query=JAN,
        schedule="monthly",
        next_run_on=date(2026, 2, 1),
    )
    runs = services.run_due(today=date(2026, 3, 5))
    assert [r.output.request["due_on"] for r in runs] == ["2026-02-01", "2026-03-01"]
    for run in runs:
        assert services.report_release(actor=personas.dpo, output=run.output).status == "released"
    # The same period twice (a re-run produced by hand for March's due date) is refused.
    spec = runs[0].spec
    with pytest.raises(services.Refused):
        services.report_produce(
            actor=None,
            agreement=monthly,
            query=JAN,
            spec=spec,
            on=date(2026, 3, 1),
            due_on=date(2026, 3, 1),
        )


def test_demo_governance_reports_still_run_and_release(personas):
    """R-SHARE-7: the demo's three scheduled reports share one monthly agreement."""
    from familyhub.sharing.demo import load_sharing_demo
    from familyhub.sharing.models import ReportSpec

    load_sharing_demo()
    today = timezone.localdate()
    ReportSpec.objects.update(next_run_on=today)  # all three due today
    runs = services.run_due(today=today)
    assert len(runs) == 3
    for run in runs:
        assert run.output.status == Output.Status.PRODUCED, run.output.refusal_reason
        services.report_release(actor=personas.dpo, output=run.output, channel="Email")
    assert DisclosureRecord.objects.filter(agreement__reference="DSA-GOVERNANCE").count() == 3


def test_extract_once_a_quarter(personas):
    for _ in range(6):
        make_household(organisation=personas.lead, ward=personas.ward, adults=1, children=1)
    items = ["pseudonym", "ward_field"]
    agreement = make_agreement(
        level=Level.DEPERSONALISED,
        items=items,
        k_threshold=2,
        l_threshold=1,
        frequency=Frequency.QUARTERLY,
    )
    first = extracts.extract_produce(
        actor=personas.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=items
    )
    assert first.output.status == Output.Status.RELEASED
    with pytest.raises(guard.OutputRefused) as refused:
        extracts.extract_produce(
            actor=personas.dpo, agreement=agreement, level=Level.DEPERSONALISED, items=items
        )
    assert "allows a de-personalised extract once in a quarter" in refused.value.reasons[0]
    kept = Output.objects.get(agreement=agreement, status=Output.Status.REFUSED)
    assert "quarter" in kept.refusal_reason
    assert DisclosureRecord.objects.filter(agreement=agreement).count() == 1


def test_reach_monthly_refused_logged_and_downloaded_again(personas, client_for):
    reach.load_example_population()
    for _ in range(9):
        make_household(organisation=personas.lead, ward=personas.ward, children=1)
    agreement = make_agreement(level=Level.AGGREGATE, frequency=Frequency.MONTHLY)
    today = timezone.localdate()
    client = client_for(personas.team_manager)

    def download(days: int):
        return client.get(
            reverse("sharing:reach_csv"),
            {
                "agreement": agreement.reference,
                "date_from": (today - timedelta(days=days)).strftime("%d/%m/%Y"),
                "date_to": today.strftime("%d/%m/%Y"),
            },
        )

    first = download(365)
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    # The same reach again: the file as released, no second disclosure record.
    again = download(365)
    assert again.status_code == 200 and again.content == first.content
    assert DisclosureRecord.objects.filter(agreement=agreement).count() == 1
    # Another reach this month: refused with the reason on the page, and kept as refused.
    other = download(200)
    assert other.status_code == 200 and other["Content-Type"].startswith("text/html")
    body = other.content.decode()
    assert "govuk-error-summary" in body and "allows reach once in a calendar month" in body
    refused = Output.objects.get(agreement=agreement, status=Output.Status.REFUSED)
    assert refused.kind == Output.Kind.REACH and "calendar month" in refused.refusal_reason
    assert DisclosureRecord.objects.filter(agreement=agreement).count() == 1

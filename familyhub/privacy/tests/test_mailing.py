"""The mailing list for 'receiving information' and the Imagination Library registration list
(R-CONSENT-3, R-CONSENT-4, R-ACCESS-3): in scope, allowed by the policy, one query, logged, and a
person leaves at once when they withdraw, are restricted or object."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.access.models import AccessLogEntry
from familyhub.core.testing import make_household
from familyhub.people.models import Person
from familyhub.privacy import mailing, purposes, services
from familyhub.privacy.models import (
    Consent,
    ConsentState,
    ContactPreference,
    Objection,
    Purpose,
)
from familyhub.privacy.services import Answer
from familyhub.privacy.testing import make_purpose
from familyhub.rights.models import DisclosureRecord
from familyhub.sharing.testing import make_agreement

TODAY = timezone.localdate()
Action = AccessLogEntry.Action


def _members(household):
    return [m.person for m in household.memberships.select_related("person").order_by("id")]


def give(actor, person, purpose, given_by=None, on=None):
    return services.consents_record(
        actor=actor,
        answers=[Answer(person, purpose, ConsentState.GIVEN, given_by)],
        method="paper",
        decided_on=on or TODAY - timedelta(days=7),
    )[0]


def wants_news(actor, person, **channels):
    channels = channels or {"by_email": True}
    return services.contact_preference_set(
        actor=actor, person=person, data={"agreed": "yes", "topics": ["news"], **channels}
    )


@pytest.fixture
def info():
    return make_purpose(purposes.RECEIVING_INFORMATION, name="Receiving information")


@pytest.fixture
def library():
    return make_purpose(purposes.IMAGINATION_LIBRARY, name="Imagination Library")


@pytest.fixture
def subscribed(personas, info):
    """The Testingtons' mother: consent given, news by email and post. Also a partner family's
    parent on the same terms (out of the lead organisation's scope)."""
    mother = _members(personas.household)[0]
    Person.objects.filter(pk=mother.pk).update(email="mum@example.org", phone="07700 900123")
    mother.refresh_from_db()
    give(personas.practitioner, mother, info)
    wants_news(personas.practitioner, mother, by_email=True, by_post=True)
    outsider = _members(personas.partner_household)[0]
    Person.objects.filter(pk=outsider.pk).update(email="other@example.org")
    outsider.refresh_from_db()
    give(personas.partner_staff, outsider, info)
    wants_news(personas.partner_staff, outsider)
    return mother


def names(user):
    return [mailing.display_name(r) for r in mailing.mailing_list(user)]


def test_the_list_holds_only_people_in_scope_the_policy_allows_who_want_news(
    personas, subscribed, info
):
    assert names(personas.practitioner) == [subscribed.display_name]
    partner_names = names(personas.partner_staff)
    assert subscribed.display_name not in partner_names and len(partner_names) == 1
    (row,) = mailing.mailing_list(personas.practitioner)
    assert mailing.channels(row) == ["email", "post"]
    assert row["email"] == "mum@example.org" and row["address_postcode"] == "NG6 8AB"


def test_not_on_the_list_without_consent_news_or_a_usable_channel(personas, subscribed, info):
    child = _members(personas.household)[1]
    # Consent but no contact preference; contact preference about the service only.
    give(personas.practitioner, child, info, given_by=subscribed)
    assert names(personas.practitioner) == [subscribed.display_name]
    services.contact_preference_set(
        actor=personas.practitioner,
        person=subscribed,
        data={"agreed": "yes", "topics": ["service"], "by_email": True},
    )
    assert names(personas.practitioner) == []
    # News by text, but the phone number was removed since: no usable channel.
    wants_news(personas.practitioner, subscribed, by_text=True)
    assert names(personas.practitioner) == [subscribed.display_name]
    Person.objects.filter(pk=subscribed.pk).update(phone="")
    assert names(personas.practitioner) == []


@pytest.mark.parametrize("how", ["withdrawal", "restriction", "objection", "archived"])
def test_a_person_leaves_the_list_at_once(personas, subscribed, info, how):
    """R-CONSENT-3: withdrawal, restriction and objection take effect at once everywhere."""
    assert names(personas.practitioner) == [subscribed.display_name]
    if how == "withdrawal":
        consent = Consent.objects.get(person=subscribed, purpose=info)
        services.consent_withdraw(actor=personas.practitioner, consent=consent)
    elif how == "restriction":
        services.restriction_start(actor=personas.dpo, person=subscribed, reason="accuracy")
    elif how == "objection":
        services.objection_record(
            actor=personas.dpo, person=subscribed, purpose=info, grounds="no more letters"
        )
    else:
        Person.objects.filter(pk=subscribed.pk).update(archived_at=timezone.now())
    assert names(personas.practitioner) == []
    client_rows = list(mailing.mailing_list(personas.practitioner))
    assert client_rows == []


def test_an_objection_decided_against_brings_them_back_only_for_non_consent_purposes(
    personas, subscribed, info
):
    o = services.objection_record(
        actor=personas.dpo, person=subscribed, purpose=info, grounds="no more letters"
    )
    assert names(personas.practitioner) == []
    Objection.objects.filter(pk=o.pk).update(ended_on=TODAY)  # the person withdrew it today
    assert names(personas.practitioner) == [subscribed.display_name]


def test_the_list_is_one_query(personas, subscribed, django_assert_num_queries):
    qs = mailing.mailing_list(personas.practitioner)  # reads the purpose from the register
    with django_assert_num_queries(1):
        rows = list(qs)
    assert len(rows) == 1


def test_page_lists_and_logs_with_bounded_queries(
    personas, subscribed, client_for, django_assert_max_num_queries
):
    client = client_for(personas.practitioner)
    # Sign-in, session and its save (about 8, more as other apps add checks), the purpose, the
    # list itself (one query: see test_the_list_is_one_query), the access-log entry (6).
    with django_assert_max_num_queries(25):
        response = client.get(reverse("privacy:mailing_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert subscribed.display_name in html and "mum@example.org" in html
    entry = AccessLogEntry.objects.filter(action=Action.LIST, detail="mailing list").get()
    assert entry.subject_count == 1
    assert list(entry.subjects.values_list("person_key", flat=True)) == [subscribed.log_key]


def test_page_query_count_does_not_grow_with_the_list(personas, subscribed, info, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.practitioner)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("privacy:mailing_list"))
        return len(ctx), response.content.decode().count('<tr class="govuk-table__row">')

    one = count()
    more = make_household(organisation=personas.lead, adults=2, children=0)
    for i, p in enumerate(_members(more)):
        Person.objects.filter(pk=p.pk).update(email=f"parent{i}@example.org")
        p.refresh_from_db()
        give(personas.practitioner, p, info)
        wants_news(personas.practitioner, p)
    three = count()
    assert (one[1], three[1]) == (2, 4)  # the header row, and one row a person
    assert one[0] == three[0]


def _csv(response):
    body = response.streaming_content if response.streaming else [response.content]
    text = b"".join(body).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_download_is_logged_as_an_export_of_everyone_in_it(personas, subscribed, client_for):
    response = client_for(personas.practitioner).get(reverse("privacy:mailing_list_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="mailing-list-')
    assert response["Cache-Control"] == "no-store"
    header, *rows = _csv(response)
    assert header == list(mailing.MAILING_HEADER)
    assert rows == [
        [
            subscribed.display_name,
            "email, post",
            "mum@example.org",
            "",
            rows[0][4],
            "",
            "Nottingham",
            "NG6 8AB",
        ]
    ]
    entry = AccessLogEntry.objects.get(action=Action.EXPORT)
    assert entry.detail == "mailing list download" and entry.subject_count == 1
    assert entry.subjects.get().person_key == subscribed.log_key


def test_download_leaves_out_the_details_of_channels_not_agreed(personas, subscribed, client_for):
    wants_news(personas.practitioner, subscribed, by_text=True)
    _, row = _csv(client_for(personas.practitioner).get(reverse("privacy:mailing_list_csv")))
    assert row[1:4] == ["text", "", "07700 900123"]
    assert row[4:] == ["", "", "", ""]  # no postal address: post was not agreed


def test_spreadsheet_formulas_in_names_are_defused(personas, subscribed, client_for):
    Person.objects.filter(pk=subscribed.pk).update(given_name="=HYPERLINK(1)", known_as="")
    _, row = _csv(client_for(personas.practitioner).get(reverse("privacy:mailing_list_csv")))
    assert row[0].startswith("'=HYPERLINK(1)")


def test_a_missing_purpose_means_nobody_is_on_the_list(personas, client_for):
    Purpose.objects.filter(code=purposes.RECEIVING_INFORMATION).delete()
    client = client_for(personas.practitioner)
    response = client.get(reverse("privacy:mailing_list"))
    assert response.status_code == 200
    assert "no purpose &#x27;receiving-information&#x27;" in response.content.decode()
    _, *rows = _csv(client.get(reverse("privacy:mailing_list_csv")))
    assert rows == []


# --- the Imagination Library --------------------------------------------------------------------


def test_imagination_library_lists_children_under_five_with_an_address(
    personas, library, client_for
):
    mother, child, unborn = (
        _members(personas.household)[0],
        *sorted(_members(personas.household)[1:], key=lambda p: p.is_unborn),
    )
    from familyhub.people.models import Relationship

    Relationship.objects.create(
        from_person=mother, to_person=unborn, kind="mother", parental_responsibility=True
    )
    give(personas.practitioner, child, library, given_by=mother)
    give(personas.practitioner, unborn, library, given_by=mother)
    give(personas.practitioner, mother, library)
    rows = list(mailing.imagination_library_list(personas.practitioner))
    assert [mailing.display_name(r) for r in rows] == [child.display_name]
    assert rows[0]["answered_by"] == f"{mother.given_name} {mother.family_name}"
    # Five years old today: too old.
    on = TODAY
    fifth = child.date_of_birth.replace(year=child.date_of_birth.year + 5)
    assert list(mailing.imagination_library_list(personas.practitioner, on=fifth)) == []
    assert len(list(mailing.imagination_library_list(personas.practitioner, on=on))) == 1

    response = client_for(personas.practitioner).get(reverse("privacy:imagination_library"))
    assert child.display_name in response.content.decode()
    agreement = make_agreement(
        level="identifiable",
        items=["name", "date_of_birth", "parent_name", "address", "postcode"],
        consent_purpose=library,
        recipient="The Dollywood Foundation",
    )
    download = client_for(personas.practitioner).get(reverse("privacy:imagination_library_csv"))
    header, row = _csv(download)
    assert header == list(mailing.IMAGINATION_LIBRARY_HEADER)
    assert row[:3] == [
        child.display_name,
        child.date_of_birth.strftime("%d/%m/%Y"),
        f"{mother.given_name} {mother.family_name}",
    ]
    assert row[-1] == "NG6 8AB"
    export = AccessLogEntry.objects.get(action=Action.EXPORT)
    assert export.subjects.get().person_key == child.log_key
    # R-SHARE-5: it left under the agreement, logged with its checksum and the child in it.
    sent = DisclosureRecord.objects.get(agreement=agreement)
    assert sent.kind == DisclosureRecord.Kind.EXTRACT_IDENTIFIABLE
    assert sent.recipient == "The Dollywood Foundation" and sent.people_count == 1
    assert sent.sha256 == hashlib.sha256(download.content).hexdigest()
    assert list(sent.subjects.values_list("person_id", flat=True)) == [child.pk]

    consent = Consent.objects.get(person=child, purpose=library)
    services.consent_withdraw(actor=personas.practitioner, consent=consent)
    assert list(mailing.imagination_library_list(personas.practitioner)) == []


def test_imagination_library_list_leaves_only_under_an_agreement_in_force(
    personas, library, client_for
):
    """R-SHARE-4: without an agreement for the purpose (or with one suspended) the download is
    refused with the reason, and nothing is logged as sent."""
    mother, child = _members(personas.household)[0], _members(personas.household)[1]
    give(personas.practitioner, child, library, given_by=mother)
    client = client_for(personas.practitioner)
    refused = client.get(reverse("privacy:imagination_library_csv"), follow=True)
    assert refused.redirect_chain[-1][0] == reverse("privacy:imagination_library")
    assert "No data sharing agreement for the Imagination Library" in refused.content.decode()
    agreement = make_agreement(
        level="identifiable",
        items=["name", "date_of_birth", "parent_name", "address", "postcode"],
        consent_purpose=library,
        suspended_at=timezone.now(),
        suspended_reason="Contract being renewed",
    )
    refused = client.get(reverse("privacy:imagination_library_csv"), follow=True)
    assert f"Agreement {agreement.reference} is suspended" in refused.content.decode()
    assert not DisclosureRecord.objects.exists()
    assert not AccessLogEntry.objects.filter(action=Action.EXPORT).exists()


def test_imagination_library_needs_a_current_address(personas, library):
    mother, child = _members(personas.household)[0], _members(personas.household)[1]
    give(personas.practitioner, child, library, given_by=mother)
    assert len(list(mailing.imagination_library_list(personas.practitioner))) == 1
    personas.household.addresses.update(valid_to=TODAY)
    assert list(mailing.imagination_library_list(personas.practitioner)) == []


def test_leap_day_birthdays():
    assert mailing._five_years_before(date(2028, 2, 29)) == date(2023, 2, 28)


def test_contact_preference_topics_match_exactly(personas, subscribed):
    pref = ContactPreference.objects.get(person=subscribed)
    ContactPreference.objects.filter(pk=pref.pk).update(topics=["newsletter-like"])
    assert names(personas.practitioner) == []

"""Staff accounts from joiner to leaver (R-ACCESS-1, R-ACCESS-4, ADR 0025).

An administrator opens an account (username unique whatever its case, names, work email, optionally
a first role) and hands over a one-time set-up link: only its hash is kept, it works once, for 72
hours, and only while it is the newest. The member of staff chooses their own password with it
(Django's validators) and goes on to the second-factor set-up. Closing a leaver's account ends every
role, revokes API tokens, cancels links and ends sessions, deleting nothing; nobody closes their own
account, nor the last administrator's. Every step is a change record on the staff member's page.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from familyhub.access import accounts, helpers, services
from familyhub.access.models import ApiToken, Membership, SetUpLink, SignInEvent, User
from familyhub.access.roles import Capability, Role
from familyhub.core.errors import PermissionRefused, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.testing import UserFactory, second_factor, sign_in_verified
from familyhub.places.models import Team

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum tractor lantern seventeen"


def open_account(personas, **overrides):
    kwargs = {
        "actor": personas.admin,
        "username": "anna.smith",
        "given_name": "Anna",
        "family_name": "Smith",
        "email": "anna.smith@example.org",
        "organisation": personas.lead,
        "team": personas.team,
        "role": Role.PRACTITIONER,
        "reason": "Starts as a family mentor on 1/12",
    }
    kwargs.update(overrides)
    return accounts.staff_account_create(**kwargs)


def set_password(token: str, password: str = GOOD_PASSWORD, again: str | None = None):
    return accounts.set_up_link_use(
        token=token, password=password, password_again=password if again is None else again
    )


# --- joiner ------------------------------------------------------------------------------------


def test_an_administrator_opens_an_account_with_a_first_role_and_a_link(personas):
    user, token = open_account(personas)
    assert (user.username, user.first_name, user.last_name) == ("anna.smith", "Anna", "Smith")
    assert user.is_active and not user.has_usable_password()  # nobody has chosen a password yet
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.PRACTITIONER and membership.team == personas.team
    assert membership.started_by == personas.admin
    user.forget_access_cache()
    assert helpers.can(user, Capability.VIEW_PEOPLE)
    # Only the token's hash is kept, and the token is nowhere in the history.
    link = SetUpLink.objects.get(user=user)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert link.created_by == personas.admin and link.used_at is None
    assert abs(link.expires_at - link.created_at - timedelta(hours=72)) < timedelta(seconds=5)
    changes = ChangeRecord.objects.filter(
        change_set=ChangeRecord.objects.get(object_uuid=user.uuid).change_set
    )
    assert {c.model for c in changes} == {"user", "membership", "setuplink"}
    assert all(c.actor == personas.admin for c in changes)
    assert all(c.reason == "Starts as a family mentor on 1/12" for c in changes)
    assert not any(token in (c.new_value + c.old_value + c.object_label) for c in changes)


def test_an_account_without_a_role(personas):
    user, _ = open_account(personas, organisation=None, team=None, role="")
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize("taken", ["practitioner", "PRACTITIONER", "Practitioner"])
def test_usernames_are_unique_whatever_their_case(personas, taken):
    with pytest.raises(ValidationFailed) as e:
        open_account(personas, username=taken)
    assert "already an account called practitioner" in e.value.errors["username"][0]
    assert not User.objects.filter(email="anna.smith@example.org").exists()


def test_the_database_refuses_a_username_differing_only_in_case(personas):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="Admin")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "anna smith"}, "username"),
        ({"given_name": " "}, "given_name"),
        ({"family_name": ""}, "family_name"),
        ({"email": "anna at example"}, "email"),
        ({"email": ""}, "email"),
        ({"role": ""}, "role"),  # an organisation without a role
        ({"organisation": None}, "organisation"),  # a role without an organisation
        ({"role": "superuser"}, "role"),
    ],
)
def test_what_is_wrong_is_said_at_its_field_and_nothing_is_saved(personas, change, field):
    users, links, records = (
        User.objects.count(),
        SetUpLink.objects.count(),
        ChangeRecord.objects.count(),
    )
    with pytest.raises(ValidationFailed) as e:
        open_account(personas, **change)
    assert field in e.value.errors
    assert (User.objects.count(), SetUpLink.objects.count(), ChangeRecord.objects.count()) == (
        users,
        links,
        records,
    )


def test_a_team_of_another_organisation_is_refused_with_everything_else(personas):
    other_team = Team.objects.create(organisation=personas.partner, name="Play team")
    with pytest.raises(ValidationFailed) as e:
        open_account(personas, team=other_team, email="")
    assert {"team", "email"} <= set(e.value.errors)
    assert not User.objects.filter(username="anna.smith").exists()


@pytest.mark.parametrize("persona", ["practitioner", "team_manager", "dpo", "analyst"])
def test_only_administrators_manage_accounts(personas, persona):
    actor = getattr(personas, persona)
    with pytest.raises(PermissionRefused):
        open_account(personas, actor=actor)
    with pytest.raises(PermissionRefused):
        accounts.staff_account_close(actor=actor, user=personas.group_worker, reason="Left")
    with pytest.raises(PermissionRefused):
        accounts.set_up_link_issue(actor=actor, user=personas.group_worker)
    assert personas.group_worker.is_active


# --- the set-up link ---------------------------------------------------------------------------


def test_the_link_sets_the_password_once(personas):
    user, token = open_account(personas)
    assert accounts.set_up_link_open(token).user == user
    set_password(token)
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    link = SetUpLink.objects.get(user=user)
    assert link.used_at is not None
    used = ChangeRecord.objects.get(object_uuid=link.uuid, field="used_at")
    assert used.actor == user  # the member of staff did it
    with pytest.raises(accounts.LinkUnusable) as e:
        accounts.set_up_link_open(token)
    assert e.value.used and "already been used" in e.value.message
    with pytest.raises(accounts.LinkUnusable):
        set_password(token, "another long passphrase here")
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_an_expired_link_answers_like_an_unknown_one(personas):
    user, token = open_account(personas)
    link = SetUpLink.objects.get(user=user)
    assert link.usable_at(link.expires_at - timedelta(seconds=1))
    assert not link.usable_at(link.expires_at)
    SetUpLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(accounts.LinkUnusable) as expired:
        accounts.set_up_link_open(token)
    with pytest.raises(accounts.LinkUnusable) as unknown:
        accounts.set_up_link_open("not-a-real-token")
    assert not expired.value.used and not unknown.value.used
    assert expired.value.message == unknown.value.message
    assert "ask an administrator for a new one" in expired.value.message.lower()
    with pytest.raises(accounts.LinkUnusable):
        set_password(token)
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_new_link_replaces_the_old_one(personas):
    user, first = open_account(personas)
    _, second = accounts.set_up_link_issue(actor=personas.admin, user=user, reason="Lost it")
    with pytest.raises(accounts.LinkUnusable) as e:
        accounts.set_up_link_open(first)
    assert not e.value.used  # replaced: as if expired
    assert SetUpLink.objects.get(token_hash=SetUpLink.hash_token(first)).voided_at is not None
    set_password(second)
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("password", "again", "field", "words"),
    [
        ("", "", "password", "Enter a password"),
        ("short", "short", "password", "too short"),
        ("password123456", "password123456", "password", "too common"),
        ("anna.smith.anna", "anna.smith.anna", "password", "too similar"),
        (GOOD_PASSWORD, GOOD_PASSWORD + "!", "password_again", "not the same"),
    ],
)
def test_the_password_meets_djangos_validators(personas, password, again, field, words):
    user, token = open_account(personas)
    with pytest.raises(ValidationFailed) as e:
        set_password(token, password, again)
    assert words in " ".join(e.value.errors[field])
    assert SetUpLink.objects.get(user=user).used_at is None  # still usable after a mistake


def test_links_are_refused_for_ones_own_closed_or_service_accounts(personas):
    with pytest.raises(ValidationFailed, match="your own account"):
        accounts.set_up_link_issue(actor=personas.admin, user=personas.admin)
    system = UserFactory(username="toy.sync", is_service_account=True)
    with pytest.raises(ValidationFailed, match="API tokens"):
        accounts.set_up_link_issue(actor=personas.admin, user=system)
    accounts.staff_account_close(actor=personas.admin, user=personas.analyst, reason="Left")
    with pytest.raises(ValidationFailed, match="closed"):
        accounts.set_up_link_issue(actor=personas.admin, user=personas.analyst)


# --- leaver and returner -----------------------------------------------------------------------


def test_closing_ends_roles_tokens_links_and_sessions_and_deletes_nothing(personas):
    worker = personas.practitioner
    second_factor(worker)
    token = ApiToken.objects.create(user=worker, name="sync", prefix="fh_x", key_hash="x" * 64)
    _, link_token = accounts.set_up_link_issue(actor=personas.admin, user=worker)
    epoch = worker.session_epoch
    closed = accounts.staff_account_close(
        actor=personas.admin, user=worker, reason="Left the organisation on 30/11"
    )
    assert closed == accounts.Closed(roles_ended=1, tokens_revoked=1, links_cancelled=1)
    worker.refresh_from_db()
    assert not worker.is_active and worker.closed_at is not None
    assert worker.session_epoch == epoch + 1 and not worker.has_usable_password()
    assert not TOTPDevice.objects.filter(user=worker).exists()
    membership = Membership.objects.get(user=worker)  # still there, ended
    assert not membership.active and membership.ended_by == personas.admin
    assert membership.end_reason == "Left the organisation on 30/11"
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.usable_at()
    with pytest.raises(accounts.LinkUnusable):
        accounts.set_up_link_open(link_token)
    worker.forget_access_cache()
    assert not helpers.households_visible_to(worker).exists()
    # Recorded in one change set, with who and why.
    records = ChangeRecord.objects.filter(object_uuid=worker.uuid, field="is_active")
    record = records.get()
    assert (record.old_value, record.new_value, record.actor) == ("Yes", "No", personas.admin)
    together = ChangeRecord.objects.filter(change_set=record.change_set)
    assert {c.model for c in together} == {"user", "membership", "apitoken", "setuplink"}
    assert all(c.reason == "Left the organisation on 30/11" for c in together)


def test_the_closed_users_session_ends_at_its_next_request(personas, client):
    sign_in_verified(client, personas.practitioner)
    assert client.get(reverse("people:search")).status_code == 200
    accounts.staff_account_close(actor=personas.admin, user=personas.practitioner, reason="Left")
    response = client.get(reverse("people:search"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not response.wsgi_request.user.is_authenticated
    # Reopened, with a new password: the old session still does not come back.
    _, token = accounts.staff_account_reopen(
        actor=personas.admin, user=personas.practitioner, reason="Back"
    )
    set_password(token)
    services.membership_add(
        actor=personas.admin,
        user=personas.practitioner,
        organisation=personas.lead,
        role=Role.PRACTITIONER,
    )
    response = client.get(reverse("people:search"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_nobody_closes_their_own_account_and_a_reason_is_needed(personas):
    with pytest.raises(ValidationFailed, match="your own account"):
        accounts.staff_account_close(actor=personas.admin, user=personas.admin, reason="Leaving")
    with pytest.raises(ValidationFailed) as e:
        accounts.staff_account_close(actor=personas.admin, user=personas.analyst, reason=" ")
    assert "reason" in e.value.errors
    assert User.objects.filter(is_active=False).count() == 0


def test_the_last_administrator_cannot_be_closed(personas):
    operator = services.CommandLine(command="staff-close", os_user="root")
    with pytest.raises(ValidationFailed, match="last open administrator"):
        accounts.staff_account_close(actor=operator, user=personas.admin, reason="Left")
    personas.admin.refresh_from_db()
    assert personas.admin.is_active
    # With a second administrator, either may close the other's account.
    deputy, _ = open_account(
        personas, username="deputy", organisation=personas.lead, team=None, role=Role.ADMIN
    )
    accounts.staff_account_close(actor=deputy, user=personas.admin, reason="Left")
    personas.admin.refresh_from_db()
    assert not personas.admin.is_active
    with pytest.raises(ValidationFailed, match="last open administrator"):
        accounts.staff_account_close(actor=operator, user=deputy, reason="Left")


def test_reopening_needs_a_reason_and_a_new_link(personas):
    worker = personas.practitioner
    accounts.staff_account_close(actor=personas.admin, user=worker, reason="Left")
    with pytest.raises(ValidationFailed):
        accounts.staff_account_reopen(actor=personas.admin, user=worker, reason="")
    _, token = accounts.staff_account_reopen(
        actor=personas.admin, user=worker, reason="Returned from a career break"
    )
    worker.refresh_from_db()
    assert worker.is_active and worker.closed_at is None
    assert not worker.has_usable_password()  # the old password does not come back
    assert not Membership.objects.filter(user=worker, active=True).exists()  # roles given afresh
    set_password(token)
    worker.refresh_from_db()
    assert worker.check_password(GOOD_PASSWORD)
    with pytest.raises(ValidationFailed, match="open"):
        accounts.staff_account_reopen(actor=personas.admin, user=worker, reason="Again")
    reopened = ChangeRecord.objects.get(object_uuid=worker.uuid, field="is_active", new_value="Yes")
    assert reopened.reason == "Returned from a career break"


def test_an_anonymised_account_is_never_reopened(personas):
    accounts.staff_account_close(actor=personas.admin, user=personas.analyst, reason="Left")
    User.objects.filter(pk=personas.analyst.pk).update(
        username=f"former-staff-{personas.analyst.pk}"
    )
    personas.analyst.refresh_from_db()
    with pytest.raises(ValidationFailed, match="anonymised"):
        accounts.staff_account_reopen(actor=personas.admin, user=personas.analyst, reason="Back")


# --- the pages ---------------------------------------------------------------------------------


def _new_account_form(personas, **overrides):
    data = {
        "username": "anna.smith",
        "given_name": "Anna",
        "family_name": "Smith",
        "email": "anna.smith@example.org",
        "organisation": personas.lead.pk,
        "team": personas.team.pk,
        "role": Role.PRACTITIONER,
        "reason": "Starts on 1/12",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "persona", ["practitioner", "group_worker", "team_manager", "partner_staff", "analyst", "dpo"]
)
def test_only_administrators_reach_the_account_pages(personas, client_for, persona):
    client = client_for(getattr(personas, persona))
    target = personas.group_worker.uuid
    for url in (
        reverse("access:staff_new"),
        reverse("access:staff_close", args=[target]),
        reverse("access:staff_reopen", args=[target]),
        reverse("access:staff_set_up_link", args=[target]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x"}).status_code == 403, url
    assert client.post(reverse("access:staff_new"), _new_account_form(personas)).status_code == 403
    assert not User.objects.filter(username="anna.smith").exists()
    personas.group_worker.refresh_from_db()
    assert personas.group_worker.is_active


def test_the_administrator_opens_an_account_and_sees_the_link_once(personas, client_for):
    client = client_for(personas.admin)
    response = client.post(reverse("access:staff_new"), _new_account_form(personas))
    user = User.objects.get(username="anna.smith")
    link_page = reverse("access:staff_set_up_link", args=[user.uuid])
    assert response.status_code == 302 and response["Location"] == link_page
    body = client.get(link_page).content.decode()
    assert "This link is shown only once" in body
    url = body.split('id="set-up-link">')[1].split("<")[0]
    assert url.startswith("http://testserver/set-up-account/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert accounts.set_up_link_open(token).user == user
    # Shown once: the same page again goes to the staff member's page, without the link.
    again = client.get(link_page)
    assert again.status_code == 302 and "?user=anna.smith" in again["Location"]
    page = client.get(again["Location"]).content.decode()
    assert token not in page
    assert "Waiting for set-up" in page and "Opened the account" in page
    assert "Set-up link made, valid until" in page and "Gave the role" in page


def test_the_form_keeps_what_was_typed_and_shows_problems_at_the_fields(personas, client_for):
    response = client_for(personas.admin).post(
        reverse("access:staff_new"),
        _new_account_form(personas, username="Practitioner", email="not an email"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is already an account called practitioner" in body
    assert "Enter an email address like name@example.org" in body
    assert 'value="Smith"' in body and 'value="Practitioner"' in body
    assert not User.objects.filter(email="not an email").exists()


def test_a_new_link_from_the_staff_page(personas, client_for):
    user, first = open_account(personas)
    client = client_for(personas.admin)
    response = client.post(reverse("access:staff_set_up_link", args=[user.uuid]))
    assert response.status_code == 302
    body = client.get(response["Location"]).content.decode()
    second = body.split('id="set-up-link">')[1].split("<")[0].rstrip("/").rsplit("/", 1)[1]
    assert second != first and accounts.set_up_link_open(second).user == user
    with pytest.raises(accounts.LinkUnusable):
        accounts.set_up_link_open(first)


def test_the_new_member_of_staff_chooses_a_password_then_sets_up_the_app(personas, client):
    user, token = open_account(personas)
    url = reverse("access:account_set_up", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "anna.smith" in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    mismatch = client.post(url, {"password": GOOD_PASSWORD, "password_again": "something else"})
    assert mismatch.status_code == 200
    assert "The two passwords are not the same" in mismatch.content.decode()
    done = client.post(url, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("login_setup")
    assert client.session[SESSION_KEY] == str(user.pk)  # signed in, not yet verified
    assert SignInEvent.objects.filter(user=user, kind=SignInEvent.Kind.PASSWORD_SET).exists()
    setup = client.get(reverse("login_setup"))
    assert setup.status_code == 200 and "Set up your authenticator app" in setup.content.decode()
    client.logout()
    used = client.get(url)
    assert used.status_code == 404 and "already been used" in used.content.decode()


def test_an_unknown_link_answers_exactly_like_an_expired_one(personas, client):
    user, token = open_account(personas)
    SetUpLink.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = client.get(reverse("access:account_set_up", args=[token]))
    unknown = client.get(reverse("access:account_set_up", args=["x" * 43]))
    assert expired.status_code == unknown.status_code == 404
    assert expired.content == unknown.content
    assert "This link has expired" in expired.content.decode()
    posted = client.post(
        reverse("access:account_set_up", args=[token]),
        {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD},
    )
    assert posted.status_code == 404
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_signed_in_visitor_is_asked_to_sign_out_first(personas, client_for):
    _, token = open_account(personas)
    client = client_for(personas.admin)
    url = reverse("access:account_set_up", args=[token])
    assert "Sign out to use this link" in client.get(url).content.decode()
    client.post(url, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    assert accounts.set_up_link_open(token)  # still unused
    assert client.session[SESSION_KEY] == str(personas.admin.pk)


def test_the_administrator_closes_and_reopens_an_account(personas, client_for):
    worker = personas.practitioner
    close = reverse("access:staff_close", args=[worker.uuid])
    client = client_for(personas.admin)
    page = client.get(close).content.decode()
    assert "Practitioner (family worker or mentor) at Test Lead Partnership" in page
    refused = client.post(close, {"reason": ""})
    assert refused.status_code == 200 and "Say why" in refused.content.decode()
    worker.refresh_from_db()
    assert worker.is_active
    done = client.post(close, {"reason": "Left on 30/11"})
    assert done.status_code == 302
    worker.refresh_from_db()
    assert not worker.is_active
    staff_page = client.get(done["Location"]).content.decode()
    assert "Closed" in staff_page and "Left on 30/11" in staff_page
    assert "Reopen the account" in staff_page
    # Closed already: the close page goes back to the staff member's page.
    assert client.get(close).status_code == 302
    reopen = reverse("access:staff_reopen", args=[worker.uuid])
    response = client.post(reopen, {"reason": "Came back"})
    assert response.status_code == 302
    assert "This link is shown only once" in client.get(response["Location"]).content.decode()
    worker.refresh_from_db()
    assert worker.is_active


def test_an_administrator_cannot_close_their_own_account_on_the_page(personas, client_for):
    client = client_for(personas.admin)
    close = reverse("access:staff_close", args=[personas.admin.uuid])
    assert "You cannot close your own account" in client.get(close).content.decode()
    response = client.post(close, {"reason": "Leaving"})
    assert response.status_code == 200
    personas.admin.refresh_from_db()
    assert personas.admin.is_active


def test_an_unknown_staff_member_is_404_on_every_account_page(personas, client_for):
    client = client_for(personas.admin)
    missing = "00000000-0000-4000-8000-000000000000"
    for name in ("staff_close", "staff_reopen", "staff_set_up_link"):
        assert client.get(reverse(f"access:{name}", args=[missing])).status_code == 404
        assert client.post(reverse(f"access:{name}", args=[missing])).status_code == 404


# --- the familyhub command ---------------------------------------------------------------------


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_staff_add_prints_the_link_and_records_the_command(personas):
    link, note = _run(
        "staff_add",
        "anna.smith",
        "--name",
        "Anna Marie Smith",
        "--email",
        "anna.smith@example.org",
        "--organisation",
        personas.lead.name.upper(),
        "--team",
        personas.team.name,
        "--role",
        Role.TEAM_MANAGER,
        "--note",
        "Starts on 1/12",
    )
    user = User.objects.get(username="anna.smith")
    assert (user.first_name, user.last_name) == ("Anna Marie", "Smith")
    assert link.startswith("http://127.0.0.1:8000/set-up-account/")
    assert accounts.set_up_link_open(link.rstrip("/").rsplit("/", 1)[1]).user == user
    assert "Team manager at Test Lead Partnership" in note and "72" not in link
    opened = ChangeRecord.objects.get(object_uuid=user.uuid)
    assert opened.actor is None and opened.reason.startswith("Starts on 1/12 (familyhub staff-add")
    assert Membership.objects.get(user=user).started_by is None


def test_staff_add_opens_the_first_administrator_of_an_empty_site(db, settings):
    from familyhub.places.models import Organisation

    settings.FAMILYHUB_SITE_URL = "https://records.example.org"
    Organisation.objects.create(name="Nottingham CityCare", ods_code="RXX01")
    link, _ = _run(
        "staff_add",
        "first.admin",
        "--given-name",
        "Pat",
        "--family-name",
        "Okafor",
        "--email",
        "pat@example.org",
        "--organisation",
        "rxx01",
        "--role",
        Role.ADMIN,
    )
    assert link.startswith("https://records.example.org/set-up-account/")
    admin = User.objects.get(username="first.admin")
    admin.forget_access_cache()
    assert admin.has_capability(Capability.MANAGE_REFERENCE)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["practitioner", "--name", "P Q", "--email", "p@example.org"], "already an account"),
        (["new.one", "--name", "P Q", "--email", "nope"], "email"),
        (["new.one", "--name", "P Q", "--email", "p@example.org", "--role", "admin"], "both"),
        (
            [
                "new.one",
                "--name",
                "P Q",
                "--email",
                "p@example.org",
                "--organisation",
                "Nowhere",
                "--role",
                "admin",
            ],
            "no organisation called",
        ),
    ],
)
def test_staff_add_refuses_with_a_one_line_reason(personas, args, words):
    with pytest.raises(CommandError, match=words):
        _run("staff_add", *args)
    assert not User.objects.filter(username="new.one").exists()


def test_staff_close_link_and_reopen_commands(personas):
    out, _ = _run("staff_close", "practitioner", "--reason", "Left on 30/11")
    assert "closed: 1 role ended, signed out everywhere" in out
    personas.practitioner.refresh_from_db()
    assert not personas.practitioner.is_active
    with pytest.raises(CommandError, match="already closed"):
        _run("staff_close", "practitioner", "--reason", "Again")
    with pytest.raises(CommandError, match="closed"):
        _run("staff_link", "practitioner")
    link, _ = _run("staff_reopen", "practitioner", "--reason", "Returned")
    assert "/set-up-account/" in link
    newer, _ = _run("staff_link", "practitioner", "--note", "lost the first")
    assert newer != link
    with pytest.raises(accounts.LinkUnusable):
        accounts.set_up_link_open(link.rstrip("/").rsplit("/", 1)[1])
    with pytest.raises(CommandError, match="last open administrator"):
        _run("staff_close", "admin", "--reason", "Left")
    with pytest.raises(CommandError, match="no staff account"):
        _run("staff_close", "nobody", "--reason", "Left")


def test_the_staff_members_page_costs_the_same_queries_whatever_the_history(personas, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, _ = open_account(personas)
    client = client_for(personas.admin)
    page = reverse("access:staff_roles") + "?user=anna.smith"
    client.get(page)
    with CaptureQueriesContext(connection) as short:
        client.get(page)
    for i in range(5):
        accounts.set_up_link_issue(actor=personas.admin, user=user, reason=f"Lost it {i}")
        ApiToken.objects.create(user=user, name=f"t{i}", prefix="fh_x", key_hash=f"{i}" * 64)
    accounts.staff_account_close(actor=personas.admin, user=user, reason="Left")
    accounts.staff_account_reopen(actor=personas.admin, user=user, reason="Back")
    with CaptureQueriesContext(connection) as long:
        response = client.get(page)
    assert response.content.decode().count("Set-up link made") == 7
    assert len(short) == len(long)

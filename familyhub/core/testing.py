"""Factories and personas shared by every app's tests (synthetic data only: Faker en_GB names,
NHS numbers from the never-issued 999 range)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import factory
from django.utils import timezone
from faker import Faker

from familyhub.access.models import Membership as StaffMembership
from familyhub.access.models import User
from familyhub.access.roles import Role
from familyhub.people import choices as c
from familyhub.people.models import (
    Address,
    CaseAllocation,
    Household,
    Membership,
    Person,
    Relationship,
)
from familyhub.people.search_keys import person_search_fields
from familyhub.places.models import Organisation, Team, Ward

fake = Faker("en_GB")
TOTP_TEST_KEY_HEX = "3132333435363738393031323334353637383930"  # RFC 6238's test key
TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixture only
_nhs_counter = itertools.count(1)


def nhs_number_999(n: int) -> str:
    """The n-th valid NHS number in the never-issued 999 range (modulus 11)."""
    while True:
        n %= 1_000_000  # the range holds six free digits: wrap rather than overflow
        body = f"999{n:06d}"
        total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check != 10:
            return body + str(check)
        n += 1


def next_nhs_number() -> str:
    return nhs_number_999(next(_nhs_counter) * 7)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyFunction(fake.first_name)
    last_name = factory.LazyFunction(fake.last_name)
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_staff(
    username: str, role: str, organisation: Organisation, team: Team | None = None
) -> User:
    user = UserFactory(username=username)
    StaffMembership.objects.create(user=user, organisation=organisation, team=team, role=role)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.LazyFunction(fake.first_name)
    family_name = factory.LazyFunction(fake.last_name)
    date_of_birth = factory.LazyFunction(lambda: fake.date_of_birth(minimum_age=18, maximum_age=45))
    nhs_number = factory.LazyFunction(next_nhs_number)
    sex = c.Sex.FEMALE

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Person:
        kwargs.update(
            person_search_fields(
                kwargs.get("given_name", ""),
                kwargs.get("family_name", ""),
                kwargs.get("known_as", ""),
            )
        )
        return super()._create(model_class, *args, **kwargs)


def make_household(
    *,
    organisation: Organisation,
    ward: Ward | None = None,
    name: str | None = None,
    postcode: str = "NG6 8AB",
    adults: int = 1,
    children: int = 1,
    unborn: bool = False,
    family_name: str | None = None,
) -> Household:
    """A small family allocated to `organisation`, built directly (test set-up, not a service)."""
    family_name = family_name or fake.last_name()
    household = Household.objects.create(name=name or f"{family_name} family")
    Address.objects.create(
        household=household,
        line1=fake.street_address().split("\n")[0],
        postcode=postcode,
        postcode_key=postcode.replace(" ", ""),
        ward=ward,
        valid_from=timezone.localdate() - timedelta(days=400),
    )
    CaseAllocation.objects.create(
        household=household,
        organisation=organisation,
        started_on=timezone.localdate() - timedelta(days=300),
    )
    parents = []
    for i in range(adults):
        p = PersonFactory(family_name=family_name, sex=c.Sex.FEMALE if i == 0 else c.Sex.MALE)
        Membership.objects.create(household=household, person=p, role=c.MemberRole.PARENT_CARER)
        parents.append(p)
    for _ in range(children):
        child = PersonFactory(
            family_name=family_name,
            date_of_birth=fake.date_between(date.today() - timedelta(days=4 * 365), date.today()),
        )
        Membership.objects.create(household=household, person=child, role=c.MemberRole.CHILD)
        for i, parent in enumerate(parents):
            Relationship.objects.create(
                from_person=parent,
                to_person=child,
                kind=c.RelationshipKind.MOTHER if i == 0 else c.RelationshipKind.FATHER,
                parental_responsibility=True,
            )
    if unborn:
        baby = PersonFactory(
            given_name="",
            family_name=family_name,
            date_of_birth=None,
            is_unborn=True,
            expected_date_of_delivery=timezone.localdate() + timedelta(days=60),
            nhs_number="",
        )
        Membership.objects.create(household=household, person=baby, role=c.MemberRole.CHILD)
    return household


@dataclass
class Personas:
    """Each role, plus staff of another organisation; `household` is the lead org's family and
    `partner_household` is allocated to the partner organisation."""

    lead: Organisation
    partner: Organisation
    other_org: Organisation
    team: Team
    ward: Ward
    practitioner: User
    group_worker: User
    team_manager: User
    partner_staff: User
    analyst: User
    dpo: User
    admin: User
    other_org_staff: User
    household: Household
    partner_household: Household
    other_household: Household

    def all_staff(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "practitioner",
                "group_worker",
                "team_manager",
                "partner_staff",
                "analyst",
                "dpo",
                "admin",
                "other_org_staff",
            )
        }


def ensure_reference_data() -> None:
    """Reference rows come from a migration; a browser test's flush empties them, so reload."""
    from familyhub.places import reference
    from familyhub.places.models import Area, EthnicityCategory

    if not Ward.objects.exists():
        reference.load_wards(Ward)
        reference.load_areas(Area, Ward)
    if not EthnicityCategory.objects.exists():
        reference.load_ethnicity(EthnicityCategory)
    from familyhub.privacy.registers import load_seed_purposes

    load_seed_purposes()  # the purposes register (privacy/0003); adds only missing codes


def build_personas() -> Personas:
    ensure_reference_data()
    bulwell = Ward.objects.get(code="E05012275")
    lead = Organisation.objects.create(name="Test Lead Partnership", kind=Organisation.Kind.LEAD)
    partner = Organisation.objects.create(
        name="Test Toy Library", kind=Organisation.Kind.DELIVERY_PARTNER
    )
    partner.served_wards.add(bulwell)
    other = Organisation.objects.create(
        name="Test Other Charity", kind=Organisation.Kind.DELIVERY_PARTNER
    )
    team = Team.objects.create(organisation=lead, name="Family Mentor team")
    return Personas(
        lead=lead,
        partner=partner,
        other_org=other,
        team=team,
        ward=bulwell,
        practitioner=make_staff("practitioner", Role.PRACTITIONER, lead, team),
        group_worker=make_staff("groupworker", Role.GROUP_WORKER, lead, team),
        team_manager=make_staff("manager", Role.TEAM_MANAGER, lead, team),
        partner_staff=make_staff("partner", Role.PARTNER_STAFF, partner),
        analyst=make_staff("analyst", Role.ANALYST, lead),
        dpo=make_staff("dpo", Role.DPO, lead),
        admin=make_staff("admin", Role.ADMIN, lead),
        other_org_staff=make_staff("outsider", Role.PRACTITIONER, other),
        household=make_household(
            organisation=lead, ward=bulwell, family_name="Testington", unborn=True
        ),
        partner_household=make_household(
            organisation=partner, ward=bulwell, postcode="NG6 9ZZ", family_name="Partnerfield"
        ),
        other_household=make_household(
            organisation=other, postcode="NG3 1AA", family_name="Otherby"
        ),
    )


# --- signing in with both factors (R-ACCESS-4) ---------------------------------------------------


def second_factor(user: User) -> Any:
    """The user's confirmed authenticator (made if missing), as after enrolment."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return device


def totp_code(device: Any, steps_ahead: int = 0) -> str:
    """The code the user's authenticator app shows now (or `steps_ahead` 30-second steps later)."""
    from django_otp.oath import totp

    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def sign_in_browser(page: Any, base: str, user: User) -> None:
    """Sign in through the real pages in Chromium, password then code, and wait for the signed-in
    header (Playwright tests of every app start here)."""
    from playwright.sync_api import expect

    device = second_factor(user)
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Your account")).to_be_visible()


def sign_in_verified(client: Any, user: User) -> Any:
    """force_login, then mark the session verified as django_otp.login does after a right code."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = second_factor(user).persistent_id
    session.save()
    return client


# --- Playwright: what the browser saw go wrong -----------------------------------------------------


class PageProblems:
    """Console errors, uncaught exceptions and failed requests seen by the browser."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.console: list[str] = []
        self.failed: list[str] = []
        self.base_url = base_url
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console.append(f"uncaught: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_request_failed(self, request: Any) -> None:
        # net::ERR_ABORTED is the browser cancelling a request because the test moved on (a link
        # followed while a panel or stylesheet was still loading): not something the page did
        # wrong. Every other failure (refused, reset, blocked by CSP) is.
        if "ERR_ABORTED" not in str(request.failure):
            self.failed.append(f"{request.url} ({request.failure})")

    def _on_console(self, message: Any) -> None:
        if message.type in ("error", "warning") and (
            message.type == "error" or "Content Security Policy" in message.text
        ):
            where = (message.location or {}).get("url", "")
            self.console.append(f"{message.type}: {message.text} [{where}]")

    def _on_response(self, response: Any) -> None:
        if (
            response.url.startswith(self.base_url)
            and "/static/" in response.url
            and response.status >= 400
        ):
            self.failed.append(f"{response.url} -> {response.status}")

    def check(self, where: str, expected_404: str = "") -> None:
        """`expected_404`: a page that is meant to answer 404 (Chromium logs that as an error)."""
        console = [
            c
            for c in self.console
            if not (
                expected_404
                and c.startswith(
                    "error: Failed to load resource: the server responded with a status of 404"
                )
                and c.endswith(f"[{expected_404}]")
            )
        ]
        assert not console, f"console errors on {where}: {console}"
        assert not self.failed, f"failed requests on {where}: {self.failed}"


def register_smith_family(
    actor: Any, child: dict[str, Any], *, john: dict[str, Any] | None = None, **overrides: Any
) -> Household:
    """John Smith (999 000 0018, born 2/1/1990) and one child, through the service (the one write
    path); `child` gives the child's details, `overrides` any other argument of the service."""
    from familyhub.people import services

    kwargs: dict[str, Any] = {
        "actor": actor,
        "name": "Smith family",
        "address": {"line1": "1 Test Street", "postcode": "ng6 8ab"},
        "members": [
            services.MemberSpec(
                role=c.MemberRole.PARENT_CARER,
                data={
                    "given_name": "John",
                    "family_name": "Smith",
                    "date_of_birth": date(1990, 1, 2),
                    "nhs_number": "999 000 0018",
                    **(john or {}),
                },
            ),
            services.MemberSpec(role=c.MemberRole.CHILD, data={"family_name": "Smith", **child}),
        ],
        "relationships": [services.RelationshipSpec(0, 1, c.RelationshipKind.FATHER, True)],
    }
    kwargs.update(overrides)
    return services.household_register(**kwargs)


def table_indexes(table: str) -> dict[str, dict]:
    """The indexes, unique constraints and primary key of `table` as the database has them
    (Django's introspection), by name: for tests of which look-ups an index serves."""
    from django.db import connection

    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, table)
    return {
        name: c
        for name, c in constraints.items()
        if (c["index"] or c["unique"] or c["primary_key"]) and c["columns"]
    }

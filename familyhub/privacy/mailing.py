"""Lists that depend on a purpose: the mailing list for 'receiving information' and the Imagination
Library registration list (R-CONSENT-3, R-CONSENT-4, R-SHARE-4).

Each list is ONE query: the user's scope (`access.people_visible_to`), the policy's SQL filter
(`privacy.policy.permitted`, so withdrawal, restriction and objection take effect at once), and the
details the list shows as columns of the same row. Nothing here decides whether a purpose allows a
person: the policy does (invariant 3).

Rows are plain dicts (`.values()`): a list of 100,000 people costs no model instances.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import CharField, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone

from familyhub.access import helpers as access
from familyhub.people.models import Address
from familyhub.privacy import policy, purposes
from familyhub.privacy.models import Consent, ContactPreference

ADDRESS_FIELDS = ("line1", "line2", "town", "postcode")
IMAGINATION_LIBRARY_MAX_AGE = 5  # books are posted from birth until the child's fifth birthday
NEWS = ContactPreference.Topic.NEWS


def _today() -> date:
    return timezone.localdate()


def _home_addresses(user: Any) -> QuerySet[Address]:
    """The current address of a family, in the user's scope, that the person lives with (the
    latest they joined first). Correlated on the outer person row."""
    return Address.objects.filter(
        valid_to__isnull=True,
        household__in=access.households_visible_to(user).values("pk"),
        household__memberships__person=OuterRef("pk"),
        household__memberships__lives_here=True,
        household__memberships__left_on__isnull=True,
    ).order_by("-household__memberships__joined_on", "-household__memberships__id")


def _with_address(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    homes = _home_addresses(user)
    return qs.annotate(
        **{
            f"address_{name}": Subquery(homes.values(name)[:1], output_field=CharField())
            for name in ADDRESS_FIELDS
        }
    )


def _has_topic(topic: str) -> Q:
    """The contact preference's topics (a JSON list of fixed codes) include `topic`.

    JSON `contains` has no SQLite implementation; the codes are plain words, so the list's JSON
    text containing the quoted code is exact on both databases."""
    return Q(contact_preference__topics__icontains=f'"{topic}"')


def _by(*names: str) -> tuple[str, ...]:
    return tuple(f"contact_preference__{n}" for n in names)


def mailing_list(user: Any, *, on: date | None = None) -> QuerySet[Any]:
    """People in the user's scope whom the policy allows to receive information
    (purposes.RECEIVING_INFORMATION) and who agreed to news by email, post or text with the
    details to use it: one query (the purpose is read first, by code)."""
    allowed = policy.permitted(
        access.people_visible_to(user), purposes.RECEIVING_INFORMATION, on=on
    )
    qs = _with_address(
        allowed.filter(contact_preference__agreed=ContactPreference.Agreed.YES).filter(
            _has_topic(NEWS)
        ),
        user,
    )
    usable = (
        (Q(contact_preference__by_email=True) & ~Q(email=""))
        | (Q(contact_preference__by_text=True) & ~Q(phone=""))
        | (Q(contact_preference__by_post=True) & Q(address_postcode__isnull=False))
    )
    return (
        qs.filter(usable)
        .annotate(
            by_email=F("contact_preference__by_email"),
            by_text=F("contact_preference__by_text"),
            by_post=F("contact_preference__by_post"),
        )
        .order_by("family_name", "given_name", "id")
        .values(
            "uuid",
            "log_key",
            "given_name",
            "known_as",
            "family_name",
            "email",
            "phone",
            "by_email",
            "by_text",
            "by_post",
            *(f"address_{n}" for n in ADDRESS_FIELDS),
        )
    )


def _five_years_before(on: date) -> date:
    try:
        return on.replace(year=on.year - IMAGINATION_LIBRARY_MAX_AGE)
    except ValueError:  # 29 February
        return on.replace(year=on.year - IMAGINATION_LIBRARY_MAX_AGE, day=28)


def imagination_library_list(user: Any, *, on: date | None = None) -> QuerySet[Any]:
    """Children under five in the user's scope with a postal address, whom the policy allows to be
    registered with the Imagination Library (purposes.IMAGINATION_LIBRARY): one query."""
    on = on or _today()
    allowed = policy.permitted(access.people_visible_to(user), purposes.IMAGINATION_LIBRARY, on=on)
    answered_by = Consent.objects.filter(
        person=OuterRef("pk"), purpose__code=purposes.IMAGINATION_LIBRARY
    ).values(
        name=Concat(
            "given_by__given_name",
            Value(" "),
            "given_by__family_name",
            output_field=CharField(),
        )
    )[:1]
    return (
        _with_address(
            allowed.filter(
                is_unborn=False,
                date_of_birth__gt=_five_years_before(on),
                date_of_birth__lte=on,
            ),
            user,
        )
        .filter(address_postcode__isnull=False)
        .annotate(answered_by=Subquery(answered_by, output_field=CharField()))
        .order_by("date_of_birth", "family_name", "given_name", "id")
        .values(
            "pk",
            "uuid",
            "log_key",
            "given_name",
            "known_as",
            "family_name",
            "date_of_birth",
            "answered_by",
            *(f"address_{n}" for n in ADDRESS_FIELDS),
        )
    )


# --- presenting the rows ---------------------------------------------------------------------


def display_name(row: Mapping[str, Any]) -> str:
    return f"{row['known_as'] or row['given_name']} {row['family_name']}".strip()


def address_lines(row: Mapping[str, Any]) -> list[str]:
    return [row[f"address_{n}"] for n in ADDRESS_FIELDS if row.get(f"address_{n}")]


def channels(row: Mapping[str, Any]) -> list[str]:
    """The channels agreed that can be used: email with an address, text with a number, post with
    a current address."""
    out = []
    if row["by_email"] and row["email"]:
        out.append("email")
    if row["by_text"] and row["phone"]:
        out.append("text")
    if row["by_post"] and row.get("address_postcode"):
        out.append("post")
    return out


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    number: int
    has_previous: bool
    has_next: bool


def page_of(qs: QuerySet[Any], number: int, size: int) -> Page:
    """One page, without counting the whole list (a count costs as much as the list itself)."""
    rows = list(qs[(number - 1) * size : number * size + 1])
    return Page(rows[:size], number, number > 1, len(rows) > size)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP: CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(header: Sequence[str], lines: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text, a line at a time (UTF-8 with a byte-order mark, so Excel reads the names right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for line in [header, *lines]:
        writer.writerow([_cell(v) for v in line])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


MAILING_HEADER = (
    "Name",
    "Channels",
    "Email",
    "Mobile (text)",
    "Address line 1",
    "Address line 2",
    "Town",
    "Postcode",
)


def mailing_csv_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[list[Any]]:
    """One line per person, with only the details of the channels they agreed to."""
    for r in rows:
        agreed = channels(r)
        post = "post" in agreed
        yield [
            display_name(r),
            ", ".join(agreed),
            r["email"] if "email" in agreed else "",
            r["phone"] if "text" in agreed else "",
            *((r[f"address_{n}"] or "") if post else "" for n in ADDRESS_FIELDS),
        ]


IMAGINATION_LIBRARY_HEADER = (
    "Child's name",
    "Date of birth",
    "Consent given by",
    "Address line 1",
    "Address line 2",
    "Town",
    "Postcode",
)


def imagination_library_csv_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[list[Any]]:
    for r in rows:
        yield [
            display_name(r),
            r["date_of_birth"].strftime("%d/%m/%Y"),
            (r["answered_by"] or "").strip(),
            *(r[f"address_{n}"] or "" for n in ADDRESS_FIELDS),
        ]

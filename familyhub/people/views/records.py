"""Family and person pages, and the edits made from them (R-PEOPLE-1..5)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, ValidationFailed
from familyhub.core.http import posted
from familyhub.core.services import display_value
from familyhub.linkage.selectors import LikelyMatches, likely_matches_for
from familyhub.people import selectors, services
from familyhub.people.forms import (
    BirthForm,
    HouseholdEditForm,
    IdentifierForm,
    MemberForm,
    MembershipForm,
    MoveForm,
    PersonEditForm,
    RelationshipForm,
    apply_errors,
    check_person_form,
)
from familyhub.people.models import Household, Person
from familyhub.people.validators import InvalidValue, normalise_nhs_number
from familyhub.places.models import Ward
from familyhub.privacy import policy

VIEW = Capability.VIEW_PEOPLE
PAGE_SIZE = 25
EDIT = Capability.EDIT_PEOPLE


def _family_context(request: HttpRequest, household: Household) -> dict[str, Any]:
    members = list(household.memberships.all())
    restricted = policy.restricted([m.person_id for m in members])  # R-RIGHTS-5
    return {
        "household": household,
        "members": members,
        "restricted": [
            (m.person, restricted[m.person_id]) for m in members if m.person_id in restricted
        ],
        "address": selectors.current_address(household),
        "previous_addresses": [a for a in household.addresses.all() if a.valid_to is not None],
        "allocations": [a for a in household.allocations.all() if a.ended_on is None],
        "relationships": selectors.household_relationships(household),
        "can_edit": access.can(request.user, EDIT),
        "show_special": access.can_see_special_category(request.user),
    }


@staff_view(VIEW)
def household_detail(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    ctx = _family_context(request, household)
    ctx["timeline"] = selectors.household_timeline(household, limit=20)
    return render(request, "people/household_detail.html", ctx)


@staff_view(VIEW)
def household_history(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    return render(
        request,
        "people/history.html",
        {
            "household": household,
            "timeline": selectors.household_timeline(household, limit=None),
            "show_special": access.can_see_special_category(request.user),
            "title": f"History of the {household.name} record",
            "back": reverse("people:household_detail", args=[household.uuid]),
        },
    )


@staff_view(EDIT)
def household_edit(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    initial = {
        "name": household.name,
        "phone": household.phone,
        "notes": household.notes,
        "version": household.version,
    }
    form = HouseholdEditForm(posted(request), initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("name", "phone", "notes")}
        try:
            services.household_update(
                actor=request.user,
                household=household,
                data=data,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ConcurrentEdit as e:
            fresh = access.household_for(request.user, household_id, log_view=False)
            conflict = _conflicts(fresh, data, ["name", "phone", "notes"], e.message)
            form = HouseholdEditForm(_with_version(request.POST, fresh.version), initial=initial)
            form.is_valid()
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, "Household details saved.")
            return redirect("people:household_detail", household.uuid)
    return render(
        request,
        "people/household_edit.html",
        {"household": household, "form": form, "conflict": conflict},
    )


@staff_view(EDIT)
def household_move(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    form = MoveForm(posted(request), initial={"version": household.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.household_move(
                actor=request.user,
                household=household,
                address=form.cleaned_data,
                moved_on=form.cleaned_data["moved_on"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request, "New address saved. The previous address is kept in the history."
            )
            return redirect("people:household_detail", household.uuid)
    return render(
        request,
        "people/household_move.html",
        {
            "household": household,
            "form": form,
            "address": selectors.current_address(household),
        },
    )


@staff_view(EDIT)
def membership_change(request: HttpRequest, membership_id: str) -> HttpResponse:
    """A member's role, whether they live here, or the day they left the family (R-PEOPLE-1)."""
    household, membership = access.membership_for(request.user, membership_id)
    initial = {
        "role": membership.role,
        "lives_here": membership.lives_here,
        "left_on": membership.left_on,
        "version": household.version,
    }
    form = MembershipForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.membership_change(
                actor=request.user,
                membership=membership,
                role=d["role"],
                lives_here=d["lives_here"],
                left_on=d["left_on"],
                reason=d["reason"],
                expected_version=d["version"],
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(
                request, f"{membership.person.display_name}'s place in the family saved."
            )
            return redirect("people:household_detail", household.uuid)
    return render(
        request,
        "people/membership_change.html",
        {"household": household, "membership": membership, "form": form},
    )


@staff_view(EDIT)
def household_add_member(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    show_special = access.can_see_special_category(request.user)
    form = MemberForm(posted(request), show_special=show_special, prefix="member")
    matches: list[Any] = []
    existing = None
    if request.method == "POST" and request.POST.get("use_existing"):
        existing = access.person_for(request.user, request.POST["use_existing"])
        form.is_valid()
        data = form.service_data()
    elif request.method == "POST":
        data = check_person_form(form)
    if request.method == "POST" and not form.errors:
        role, lives_here = data.pop("role"), data.pop("lives_here")
        confirmed = data.pop("confirmed_new")
        try:
            if existing is None and not confirmed:
                matches = _matches_for(request.user, data, household)
            if not matches:
                services.person_add_to_household(
                    actor=request.user,
                    household=household,
                    member=services.MemberSpec(
                        role=role, data=data, existing=existing, lives_here=lives_here
                    ),
                )
                messages.success(request, "Person added to the household.")
                return redirect("people:household_detail", household.uuid)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
    return render(
        request,
        "people/household_add_member.html",
        {
            "household": household,
            "form": form,
            "matches": matches,
        },
    )


def _matches_for(user: Any, data: dict[str, Any], household: Household | None) -> list[Any]:
    try:
        nhs = normalise_nhs_number(data.get("nhs_number") or "")
    except InvalidValue:
        nhs = ""
    address = selectors.current_address(household) if household else None
    # The duplicate model's check against the whole database (R-LINK-1, ADR 0021): matches in
    # the worker's scope are shown; others are only counted (`found.elsewhere`).
    found = likely_matches_for(
        user,
        given_name=data.get("given_name", ""),
        middle_names=data.get("middle_names", ""),
        known_as=data.get("known_as", ""),
        family_name=data.get("family_name", ""),
        date_of_birth=data.get("date_of_birth"),
        expected_date_of_delivery=data.get("expected_date_of_delivery"),
        sex=data.get("sex", ""),
        nhs_number=nhs,
        postcode=address.postcode if address else "",
    )
    if household is not None:
        already = {m.person_id for m in household.memberships.all()}
        others = LikelyMatches(m for m in found if m.person.pk not in already)
        if others:
            others.elsewhere = found.elsewhere
            found = others
    if found:
        access.log_people_shown(
            user, [m.person for m in found], detail="possible duplicates at registration"
        )
    return found


@staff_view(EDIT)
def relationship_add(request: HttpRequest, household_id: str) -> HttpResponse:
    household = access.household_for(request.user, household_id)
    people = [m.person for m in household.memberships.all()]
    form = RelationshipForm(posted(request), people=people)
    if request.method == "POST" and form.is_valid():
        by_uuid = {str(p.uuid): p for p in people}
        try:
            services.relationship_add(
                actor=request.user,
                from_person=by_uuid[form.cleaned_data["from_person"]],
                to_person=by_uuid[form.cleaned_data["to_person"]],
                kind=form.cleaned_data["kind"],
                parental_responsibility=form.cleaned_data["parental_responsibility"],
                household=household,
            )
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, "Relationship saved.")
            return redirect("people:household_detail", household.uuid)
    return render(request, "people/relationship_add.html", {"household": household, "form": form})


def _person_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    return {
        "person": person,
        "households": selectors.person_households(person, request.user),
        "relationships": selectors.person_relationships(person, request.user),
        "identifiers": list(person.identifiers.all()),
        "restriction": policy.restricted([person]).get(person.pk, ""),  # R-RIGHTS-5
        "can_edit": access.can(request.user, EDIT),
        "show_special": access.can_see_special_category(request.user),
    }


@staff_view(VIEW)
def person_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    person = access.person_for(request.user, person_id)
    ctx = _person_context(request, person)
    ctx["timeline"] = selectors.person_timeline(person)
    return render(request, "people/person_detail.html", ctx)


def _conflicts(
    fresh: Any, typed: dict[str, Any], fields: list[str], message: str
) -> dict[str, Any]:
    """What the other person saved, beside what this person typed, for every field that differs."""
    rows = []
    for name in fields:
        if name not in typed:
            continue
        theirs = display_value(fresh, name)
        yours = display_value(type(fresh)(**{name: typed[name]}), name)
        if theirs != yours:
            rows.append(
                {
                    "label": fresh._meta.get_field(name).verbose_name.capitalize(),
                    "theirs": theirs,
                    "yours": yours,
                }
            )
    return {"message": message, "rows": rows}


@staff_view(EDIT)
def person_edit(request: HttpRequest, person_id: str) -> HttpResponse:
    person = access.person_for(request.user, person_id)
    show_special = access.can_see_special_category(request.user)
    form = PersonEditForm(
        posted(request),
        instance=person,
        show_special=show_special,
        initial={"version": person.version},
    )
    conflict = None
    data = check_person_form(form) if request.method == "POST" else {}
    if request.method == "POST" and not form.errors:
        version, reason = data.pop("version"), data.pop("reason")
        try:
            services.person_update(
                actor=request.user,
                person=person,
                data=data,
                expected_version=version,
                reason=reason,
            )
        except ConcurrentEdit as e:
            fresh = access.person_for(request.user, person_id, log_view=False)
            conflict = _conflicts(fresh, data, list(data), e.message)
            form = PersonEditForm(
                _with_version(request.POST, fresh.version),
                instance=fresh,
                show_special=show_special,
            )
            form.is_valid()
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, f"{person.display_name}'s details saved.")
            return redirect("people:person_detail", person.uuid)
    return render(
        request, "people/person_edit.html", {"person": person, "form": form, "conflict": conflict}
    )


def _with_version(post: Any, version: int) -> Any:
    data = post.copy()
    data["version"] = str(version)
    return data


@staff_view(EDIT)
def person_record_birth(request: HttpRequest, person_id: str) -> HttpResponse:
    person = access.person_for(request.user, person_id)
    form = BirthForm(
        posted(request),
        initial={"version": person.version, "sex": person.sex, "given_name": person.given_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_record_birth(
                actor=request.user,
                person=person,
                date_of_birth=form.cleaned_data["date_of_birth"],
                given_name=form.cleaned_data["given_name"],
                sex=form.cleaned_data["sex"],
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationFailed, ConcurrentEdit) as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, "Birth recorded.")
            return redirect("people:person_detail", person.uuid)
    return render(request, "people/person_birth.html", {"person": person, "form": form})


@staff_view(EDIT)
def person_identifiers(request: HttpRequest, person_id: str) -> HttpResponse:
    person = access.person_for(request.user, person_id)
    form = IdentifierForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.identifier_set(actor=request.user, person=person, **form.cleaned_data)
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(request, "Identifier saved.")
            return redirect("people:person_detail", person.uuid)
    return render(
        request,
        "people/person_identifiers.html",
        {
            "person": person,
            "form": form,
            "identifiers": list(person.identifiers.all()),
        },
    )


@staff_view(VIEW)
def household_list(request: HttpRequest) -> HttpResponse:
    """Families in the user's scope, newest activity first; 'mine' narrows to the user's caseload."""
    mine = request.GET.get("mine") == "1"
    ward = request.GET.get("ward", "")
    qs = selectors.household_list(request.user, mine=mine, ward_code=ward)
    # No total count: counting every family in scope costs more than the page itself at scale.
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    rows = list(qs[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    page = {"number": number, "has_previous": number > 1, "has_next": len(rows) > PAGE_SIZE}
    households = rows[:PAGE_SIZE]
    access.log_people_shown(
        request.user,
        [m.person for h in households for m in h.memberships.all()],
        detail="family list",
        object_type="household",
    )
    return render(
        request,
        "people/household_list.html",
        {
            "page": page,
            "households": households,
            "mine": mine,
            "ward": ward,
            "wards": Ward.objects.all(),
        },
    )

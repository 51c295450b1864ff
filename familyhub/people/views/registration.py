"""Register a household in a short guided flow (R-PEOPLE-1): address, people, relationships, check.

Nothing is written until the worker confirms on the check page: the draft lives in the session,
and `household_register` writes it all in one transaction. Likely existing records are shown
before each new person is added, so nobody is registered twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ValidationFailed
from familyhub.core.http import posted
from familyhub.linkage.selectors import likely_matches_for
from familyhub.people import choices as c
from familyhub.people import services
from familyhub.people.forms import (
    HouseholdStartForm,
    MemberForm,
    RelationshipFormSet,
    apply_errors,
    check_person_form,
)
from familyhub.people.validators import InvalidValue, normalise_nhs_number
from familyhub.places.models import EthnicityCategory, Ward

EDIT = Capability.EDIT_PEOPLE
SESSION_KEY = "household_draft"


# The draft is plain JSON in the session: dates as ISO strings, related objects by key.
def _to_json(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, val in data.items():
        if isinstance(val, date):
            out[k] = val.isoformat()
        elif isinstance(val, Ward):
            out[k] = val.code
        elif isinstance(val, EthnicityCategory):
            out[k] = val.key
        else:
            out[k] = val
    return out


def _from_json(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for k in ("date_of_birth", "expected_date_of_delivery", "moved_in_on"):
        if out.get(k):
            out[k] = date.fromisoformat(out[k])
    if out.get("ward"):
        out["ward"] = Ward.objects.filter(code=out["ward"]).first()
    if out.get("ethnicity"):
        out["ethnicity"] = EthnicityCategory.objects.filter(key=out["ethnicity"]).first()
    return out


def _draft(request: HttpRequest) -> dict[str, Any]:
    return request.session.get(SESSION_KEY) or {"members": [], "relationships": []}


def _save(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = draft
    request.session.modified = True


def _member_label(m: dict[str, Any]) -> str:
    d = m["data"]
    given = (
        d.get("known_as") or d.get("given_name") or ("Unborn baby" if d.get("is_unborn") else "")
    )
    return m.get("label") or f"{given} {d.get('family_name', '')}".strip()


@staff_view(EDIT)
def start(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    initial = _from_json(
        {
            **draft.get("address", {}),
            "name": draft.get("name", ""),
            "phone": draft.get("phone", ""),
            "moved_in_on": draft.get("moved_in_on"),
        }
    )
    form = HouseholdStartForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        errors: dict[str, list[str]] = {}
        if not (data["name"] or "").strip():
            errors["name"] = ["Enter a name for the household, for example 'Smith family'"]
        try:
            services.clean_address(data, prefix="")
        except ValidationFailed as e:
            errors.update(e.errors)
        if errors:
            apply_errors(form, errors)
        else:
            draft.update(
                {
                    "name": data["name"].strip(),
                    "phone": data["phone"],
                    "moved_in_on": data["moved_in_on"].isoformat() if data["moved_in_on"] else None,
                    "address": _to_json(
                        {k: data[k] for k in ("line1", "line2", "town", "postcode", "ward")}
                    ),
                }
            )
            _save(request, draft)
            return redirect("people:household_register_members")
    return render(request, "people/register/start.html", {"form": form, "draft": draft, "step": 1})


def _possible_matches(user: Any, data: dict[str, Any], draft: dict[str, Any]) -> list[Any]:
    try:
        nhs = normalise_nhs_number(data.get("nhs_number") or "")
    except InvalidValue:
        nhs = ""
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
        postcode=draft.get("address", {}).get("postcode", ""),
    )
    if found:
        access.log_people_shown(
            user, [m.person for m in found], detail="possible duplicates at registration"
        )
    return found


@staff_view(EDIT)
def members(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    if "address" not in draft:
        return redirect("people:household_register_start")
    show_special = access.can_see_special_category(request.user)
    family_name = draft["name"].replace(" family", "").replace(" household", "")
    form = MemberForm(
        posted(request),
        show_special=show_special,
        prefix="member",
        initial={"family_name": family_name, "lives_here": True},
    )
    matches: list[Any] = []
    if request.method == "POST" and "remove" in request.POST:
        index = int(request.POST["remove"])
        if 0 <= index < len(draft["members"]):
            draft["members"].pop(index)
            draft["relationships"] = []
            _save(request, draft)
        return redirect("people:household_register_members")
    if request.method == "POST" and "use_existing" in request.POST and form.is_valid():
        person = access.person_for(request.user, request.POST["use_existing"])
        if any(m.get("existing") == str(person.uuid) for m in draft["members"]):
            form.add_error(None, f"{person.display_name} is already in this household")
        else:
            draft["members"].append(
                {
                    "role": form.cleaned_data["role"],
                    "lives_here": form.cleaned_data["lives_here"],
                    "existing": str(person.uuid),
                    "label": person.display_name,
                    "data": {},
                }
            )
            draft["relationships"] = []
            _save(request, draft)
            messages.success(request, f"{person.display_name} (already known) added.")
            return redirect("people:household_register_members")
    elif request.method == "POST":
        data = check_person_form(form)
        if not form.errors:
            role, lives_here, confirmed = (
                data.pop("role"),
                data.pop("lives_here"),
                data.pop("confirmed_new"),
            )
            matches = [] if confirmed else _possible_matches(request.user, data, draft)
            if not matches:
                draft["members"].append(
                    {"role": role, "lives_here": lives_here, "data": _to_json(data)}
                )
                draft["relationships"] = []
                _save(request, draft)
                messages.success(request, f"{_member_label(draft['members'][-1])} added.")
                return redirect("people:household_register_members")
    added = [
        {
            "index": i,
            "label": _member_label(m),
            "role": c.MemberRole(m["role"]).label,
            "existing": bool(m.get("existing")),
            "data": _from_json(m["data"]),
        }
        for i, m in enumerate(draft["members"])
    ]
    return render(
        request,
        "people/register/members.html",
        {
            "form": form,
            "draft": draft,
            "added": added,
            "matches": matches,
            "step": 2,
        },
    )


def _suggested_relationships(draft: dict[str, Any]) -> list[dict[str, Any]]:
    """Parents and carers to each child, and siblings: the common shape, for the worker to correct."""
    mem = draft["members"]
    adults = [i for i, m in enumerate(mem) if m["role"] == c.MemberRole.PARENT_CARER]
    children = [i for i, m in enumerate(mem) if m["role"] == c.MemberRole.CHILD]
    rows = []
    for a in adults:
        sex = mem[a]["data"].get("sex", "")
        kind = {"female": "mother", "male": "father"}.get(sex, "carer")
        for ch in children:
            rows.append(
                {"from_index": a, "to_index": ch, "kind": kind, "parental_responsibility": True}
            )
    for i, x in enumerate(children):
        for y in children[i + 1 :]:
            rows.append(
                {
                    "from_index": x,
                    "to_index": y,
                    "kind": "sibling",
                    "parental_responsibility": False,
                }
            )
    return rows


@staff_view(EDIT)
def relationships(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    if not draft.get("members"):
        return redirect("people:household_register_members")
    initial = draft.get("relationships") or _suggested_relationships(draft)
    formset = RelationshipFormSet(posted(request), initial=initial, prefix="rel")
    if request.method == "POST" and formset.is_valid():
        draft["relationships"] = [
            f.cleaned_data for f in formset.forms if f.cleaned_data.get("kind")
        ]
        draft["relationships_done"] = True
        _save(request, draft)
        return redirect("people:household_register_check")
    labels = [_member_label(m) for m in draft["members"]]
    rows = [
        {
            "form": f,
            "from": labels[int(f["from_index"].value())],
            "to": labels[int(f["to_index"].value())],
        }
        for f in formset.forms
    ]
    return render(
        request,
        "people/register/relationships.html",
        {
            "formset": formset,
            "rows": rows,
            "draft": draft,
            "step": 3,
        },
    )


@staff_view(EDIT)
def check(request: HttpRequest) -> HttpResponse:
    draft = _draft(request)
    if not draft.get("members"):
        return redirect("people:household_register_members")
    errors: dict[str, list[str]] = {}
    labels = [_member_label(m) for m in draft["members"]]
    if request.method == "POST":
        specs = []
        for m in draft["members"]:
            existing = (
                access.person_for(request.user, m["existing"], log_view=False)
                if m.get("existing")
                else None
            )
            specs.append(
                services.MemberSpec(
                    role=m["role"],
                    data=_from_json(m["data"]),
                    existing=existing,
                    lives_here=m["lives_here"],
                )
            )
        specs_rel = [
            services.RelationshipSpec(
                r["from_index"], r["to_index"], r["kind"], r["parental_responsibility"]
            )
            for r in draft.get("relationships", [])
        ]
        try:
            household = services.household_register(
                actor=request.user,
                name=draft["name"],
                address=_from_json(draft["address"]),
                members=specs,
                relationships=specs_rel,
                phone=draft.get("phone", ""),
                moved_in_on=_from_json(draft).get("moved_in_on"),
            )
        except ValidationFailed as e:
            errors = e.errors
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, f"{household.name} registered.")
            return redirect("people:household_detail", household.uuid)
    address = _from_json(draft["address"])
    summary = [
        {
            "index": i,
            "label": labels[i],
            "role": c.MemberRole(m["role"]).label,
            "lives_here": m["lives_here"],
            "existing": bool(m.get("existing")),
            "data": _from_json(m["data"]),
        }
        for i, m in enumerate(draft["members"])
    ]
    rels = [
        {
            "from": labels[r["from_index"]],
            "to": labels[r["to_index"]],
            "kind": c.RelationshipKind(r["kind"]).label.lower(),
            "pr": r["parental_responsibility"],
        }
        for r in draft.get("relationships", [])
    ]
    error_list = [msg for msgs in errors.values() for msg in msgs]
    return render(
        request,
        "people/register/check.html",
        {
            "draft": draft,
            "address": address,
            "summary": summary,
            "relationships": rels,
            "errors": error_list,
            "step": 4,
        },
    )


@staff_view(EDIT)
def cancel(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.session.pop(SESSION_KEY, None)
        messages.info(request, "Registration cancelled. Nothing was saved.")
        return redirect("home")
    return redirect("people:household_register_check")

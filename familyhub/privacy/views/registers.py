"""The purposes register, the 're-consent' list and the record of processing activities
(R-CONSENT-1, R-CONSENT-2, R-NOTICE-1).

Who may do what:
- every member of staff reads the register and each purpose with its history: it holds no
  personal data, and knowing why data may be used helps everyone use it rightly;
- the DPO (MANAGE_PRIVACY) adds and edits purposes, and reads and downloads the Article 30 record;
- staff who work with families (VIEW_PEOPLE) see who in their scope needs to be asked for consent
  again; the DPO sees the counts on the notice page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.access.roles import Capability
from familyhub.core.datamap import Retention
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, ValidationFailed
from familyhub.core.http import posted
from familyhub.core.services import display_value, field_label
from familyhub.people.forms import apply_errors
from familyhub.privacy import notice, registers, ropa, selectors
from familyhub.privacy.models import LawfulBasis, Purpose

MANAGE = Capability.MANAGE_PRIVACY
PAGE_SIZE = 50


class PurposeForm(forms.Form):
    """A purpose as the DPO types it. The service decides what is valid (one set of rules)."""

    name = forms.CharField(
        required=False,
        label="Name",
        help_text="As families will read it in the privacy notice, for example 'Evaluating the "
        "programme'",
    )
    description = forms.CharField(
        required=False,
        label="What the information is used for",
        help_text="In plain English, for families: what you do with their information and why",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lawful_basis = forms.ChoiceField(
        required=False,
        label="Lawful basis (UK GDPR Article 6)",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
    )
    basis_detail = forms.CharField(
        required=False,
        label="The law, task or interest relied on",
        help_text="Needed for public task, legal obligation and legitimate interests, for example "
        "'Childcare Act 2006 section 3'",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    data_categories = forms.MultipleChoiceField(
        required=False,
        label="Information used (categories of the data map)",
        choices=[
            (c, f"{c.capitalize()}: {notice.category_label(c)}")
            for c in registers.PERSONAL_CATEGORIES
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "'%(value)s' is not a category of the data map."},
    )
    special_category_condition = forms.CharField(
        required=False,
        label="Condition for special-category data (Article 9 and DPA 2018 Schedule 1)",
        help_text="Only when the purpose uses special-category data, for example 'Article 9(2)(h) "
        "with DPA 2018 Schedule 1 Part 1 paragraph 2 (health or social care purposes)'",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    recipients = forms.CharField(
        required=False,
        label="Who receives the information",
        help_text="One recipient on each line. Leave empty if it is not shared beyond the staff "
        "who carry out the purpose",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    transfers = forms.CharField(
        required=False,
        label="Transfers outside the UK",
        help_text="Where the information goes outside the UK, and the safeguard. Leave empty if "
        "it stays in the UK",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    retention = forms.CharField(
        required=False,
        label="How long it is kept",
        help_text="For example 'case record: 6 years after last contact with the family'",
        widget=forms.TextInput(attrs={"list": "retention-options", "autocomplete": "off"}),
    )
    parental_consent_for_children = forms.BooleanField(
        required=False,
        label="For a child under 13 or an unborn child, a parent or carer with parental "
        "responsibility answers",
    )
    allowed_when_restricted = forms.BooleanField(
        required=False,
        label="Still allowed when a person has restricted the use of their information (storage "
        "and legal claims only)",
    )
    source = forms.CharField(
        required=False,
        label="Source",
        help_text="The document or decision the purpose comes from",
    )
    sort_order = forms.IntegerField(
        required=False,
        label="Position in the register and the notice",
        help_text="Smaller numbers come first, for example 10",
        error_messages={"invalid": "Enter a whole number, like 10."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
    )
    active = forms.BooleanField(required=False, label="In use (shown in the privacy notice)")
    reason = forms.CharField(
        required=False,
        label="Why are you making this change?",
        help_text="Kept in the purpose's history",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["active"]
            del self.fields["version"]
        # Required by the service (or, for the description and retention, by the notice): not
        # labelled "(optional)", and the service says what is missing, in words.
        for name in ("name", "description", "lawful_basis", "data_categories", "retention"):
            self.fields[name].hide_optional = True  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        """What parsed, else what was typed, so that the service checks everything at once."""
        data: dict[str, Any] = {}
        cleaned = getattr(self, "cleaned_data", {})
        for name in registers.PURPOSE_FIELDS:
            if name not in self.fields:
                continue
            if name in cleaned:
                data[name] = cleaned[name]
            elif name == "data_categories":
                data[name] = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            else:
                data[name] = self.data.get(name)
        return data


def _initial(purpose: Purpose) -> dict[str, Any]:
    values = {name: getattr(purpose, name) for name in registers.PURPOSE_FIELDS}
    values["version"] = purpose.version
    return values


def _check(form: PurposeForm, existing: Purpose | None = None) -> dict[str, Any]:
    form.is_valid()
    data = form.service_data()
    try:
        registers.clean_purpose_data(data, existing=existing)
    except ValidationFailed as e:
        apply_errors(form, e.errors)
    return data


def _form_context(form: PurposeForm) -> dict[str, Any]:
    return {"form": form, "retention_options": [r.value for r in Retention if r.value != "n/a"]}


@staff_view(None)
@require_GET
def register_list(request: HttpRequest) -> HttpResponse:
    purposes = selectors.purpose_register()
    return render(
        request,
        "privacy/register_list.html",
        {
            "active": [p for p in purposes if p.active],
            "retired": [p for p in purposes if not p.active],
            "can_manage": access.can(request.user, MANAGE),
            "can_view_people": access.can(request.user, Capability.VIEW_PEOPLE),
            "current_notice": selectors.current_notice(),
        },
    )


@staff_view(None)
@require_GET
def purpose_detail(request: HttpRequest, code: str) -> HttpResponse:
    purpose = selectors.purpose_by_code(code)
    return render(
        request,
        "privacy/register_detail.html",
        {
            "purpose": purpose,
            "snapshot": notice.purpose_snapshot(purpose),
            "history": selectors.purpose_history(purpose),
            "can_manage": access.can(request.user, MANAGE),
        },
    )


@staff_view(MANAGE)
def purpose_create(request: HttpRequest) -> HttpResponse:
    form = PurposeForm(
        posted(request), initial={"parental_consent_for_children": True, "sort_order": 100}
    )
    if request.method == "POST":
        data = _check(form)
        if not form.errors:
            try:
                purpose = registers.purpose_create(
                    actor=request.user, data=data, reason=form.cleaned_data.get("reason", "")
                )
            except ValidationFailed as e:
                apply_errors(form, e.errors)
            else:
                messages.success(request, f"'{purpose.name}' added to the register.")
                return redirect("privacy:purpose_detail", purpose.code)
    return render(request, "privacy/register_form.html", {**_form_context(form), "purpose": None})


def _conflict(fresh: Purpose, typed: dict[str, Any], message: str) -> dict[str, Any]:
    """What the other person saved, beside what this person typed, field by field."""
    rows = []
    for name in registers.PURPOSE_FIELDS:
        if name not in typed:
            continue
        if name == "data_categories":
            theirs = ", ".join(fresh.data_categories or [])
            yours = ", ".join(typed[name] or [])
        else:
            theirs = display_value(fresh, name)
            yours = display_value(Purpose(**{name: typed[name]}), name)
        if theirs != yours:
            label = field_label(fresh, name)
            rows.append({"label": label, "theirs": theirs, "yours": yours})
    return {"message": message, "rows": rows}


@staff_view(MANAGE)
def purpose_edit(request: HttpRequest, code: str) -> HttpResponse:
    purpose = selectors.purpose_by_code(code)
    form = PurposeForm(posted(request), initial=_initial(purpose), editing=True)
    conflict = None
    if request.method == "POST":
        data = _check(form, existing=purpose)
        if form.cleaned_data.get("version") is None and "version" not in form.errors:
            form.add_error(None, "The form was incomplete: open the purpose and edit it again.")
        if not form.errors:
            try:
                changed = registers.purpose_update(
                    actor=request.user,
                    purpose=purpose,
                    data=data,
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ConcurrentEdit as e:
                fresh = selectors.purpose_by_code(code)
                conflict = _conflict(fresh, data, e.message)
                post = request.POST.copy()
                post["version"] = str(fresh.version)
                form = PurposeForm(post, initial=_initial(fresh), editing=True)
                form.is_valid()
            except ValidationFailed as e:
                apply_errors(form, e.errors)
            else:
                if changed:
                    messages.success(
                        request,
                        f"'{purpose.name}' saved. Publish a new version of the privacy notice "
                        "when the register is ready.",
                    )
                else:
                    messages.info(request, "Nothing was changed.")
                return redirect("privacy:purpose_detail", purpose.code)
    return render(
        request,
        "privacy/register_form.html",
        {**_form_context(form), "purpose": purpose, "conflict": conflict},
    )


# --- needs re-consent ----------------------------------------------------------------------------


@staff_view(Capability.VIEW_PEOPLE)
@require_GET
def reconsent_list(request: HttpRequest) -> HttpResponse:
    """People in the user's scope whose consent was given to a purpose that has changed
    materially since the version of the notice they were shown (R-CONSENT-2, ADR 0014)."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    rows, has_next, rules = selectors.reconsent_page(
        access.people_visible_to(request.user), page=number, size=PAGE_SIZE
    )
    if rows:
        access.log_people_shown(
            request.user,
            list({c.person_id: c.person for c in rows}.values()),
            detail="needs re-consent list",
            object_type="consent",
        )
    return render(
        request,
        "privacy/register_reconsent.html",
        {
            "rows": rows,
            "current": rules.current,
            "page": {"number": number, "has_previous": number > 1, "has_next": has_next},
        },
    )


# --- the record of processing activities (Article 30) --------------------------------------------


@staff_view(MANAGE)
@require_GET
def ropa_page(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/ropa_page.html", {"record": ropa.build()})


def _download(request: HttpRequest, kind: str) -> HttpResponse:
    record = ropa.build()
    stamp = timezone.localdate().isoformat()
    if kind == "csv":
        body, ctype = ropa.as_csv(record), "text/csv; charset=utf-8"
    else:
        body = ropa.as_xlsx(record)
        ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    log.record(
        user=request.user,
        action=AccessLogEntry.Action.EXPORT,
        object_type="record of processing",
        detail=f"Article 30 record as {kind.upper()} ({len(record.activities)} activities)",
    )
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="record-of-processing-{stamp}.{kind}"'
    return response


@staff_view(MANAGE)
@require_GET
def ropa_csv(request: HttpRequest) -> HttpResponse:
    return _download(request, "csv")


@staff_view(MANAGE)
@require_GET
def ropa_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")

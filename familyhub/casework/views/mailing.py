"""Organisations on the mailing list (R-ENGAGE-9): the list with a form to add one, taking one off
the list, and the list as CSV with only the channels and topics each chose."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from familyhub.casework.forms import MailingOrganisationForm
from familyhub.casework.models import MailingOrganisation
from familyhub.casework.services import mailing
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ApplicationError, NotFound, ValidationFailed
from familyhub.core.http import csv_attachment, posted
from familyhub.people.forms import apply_errors
from familyhub.privacy.mailing import to_csv


@staff_view(mailing.KEEP)
def mailing_organisations(request: HttpRequest) -> HttpResponse:
    form = MailingOrganisationForm(posted(request), initial={"topics": ["news"], "by_email": True})
    if request.method == "POST" and form.is_valid():
        try:
            entry = mailing.mailing_organisation_add(actor=request.user, data=form.cleaned_data)
        except ApplicationError as e:
            apply_errors(form, e.errors or {"__all__": [e.message]})
        else:
            messages.success(request, f"{entry.name} is on the mailing list.")
            return redirect("casework:mailing_organisations")
    return _page(request, form)


def _page(request: HttpRequest, form: MailingOrganisationForm, error: str = "") -> HttpResponse:
    left = None
    if request.GET.get("left"):
        try:
            left = mailing.mailing_organisation_for(request.user, request.GET["left"])
        except (NotFound, ValidationFailed):
            left = None
    return render(
        request,
        "casework/mailing_organisations.html",
        {
            "entries": list(mailing.mailing_organisations(request.user).order_by("name", "id")),
            "form": form,
            "topics": MailingOrganisation.Topic.choices,
            "left": left if left is not None and left.left_on else None,
            "error": error,
        },
    )


@staff_view(mailing.KEEP)
@require_POST
def mailing_organisation_leave(request: HttpRequest, entry_id: str) -> HttpResponse:
    entry = mailing.mailing_organisation_for(request.user, entry_id)
    try:
        mailing.mailing_organisation_leave(actor=request.user, entry=entry)
    except ApplicationError as e:
        return _page(request, MailingOrganisationForm(), error=e.message)
    # Said on the list page from the address, not the session: nothing is left pending.
    return redirect(f"{reverse('casework:mailing_organisations')}?left={entry.uuid}")


@staff_view(mailing.KEEP)
def mailing_organisations_csv(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("topic", "")
    topic = topic if topic in MailingOrganisation.Topic.values else ""
    entries = mailing.mailing_organisations(request.user).order_by("name", "id")
    body = "".join(to_csv(mailing.CSV_HEADER, mailing.csv_lines(entries, topic)))
    name = f"mailing-list-organisations-{topic or 'all'}-{timezone.localdate():%Y-%m-%d}.csv"
    return csv_attachment(body.encode("utf-8"), name)

"""Test set-up for casework: services of the catalogue, and casework rows built directly (set-up,
not the thing under test; the tests of behaviour go through `casework.services`)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from familyhub.casework.models import Enquiry, FeedbackForm, FeedbackQuestion, Referral
from familyhub.engagement.models import Service
from familyhub.places.models import Organisation

_n = itertools.count(1)


def make_service(
    provider: Organisation,
    *,
    delivered_by: tuple[Organisation, ...] = (),
    name: str | None = None,
    kind: str = Service.Kind.ONE_TO_ONE,
) -> Service:
    n = next(_n)
    service = Service.objects.create(
        code=f"test-service-{n}",
        name=name or f"Test service {n}",
        kind=kind,
        description="A service for tests",
        provider=provider,
    )
    if delivered_by:
        service.delivered_by.set(delivered_by)
    return service


def make_referral(
    household: Any,
    *,
    from_organisation: Organisation,
    to_organisation: Organisation,
    service: Service | None = None,
    status: str = Referral.Status.SENT,
) -> Referral:
    service = service or make_service(to_organisation)
    return Referral.objects.create(
        household=household,
        service=service,
        from_organisation=from_organisation,
        to_organisation=to_organisation,
        referred_on=timezone.localdate(),
        reason="Would like support with sleep and routines",
        family_agreed=True,
        agreed_on=timezone.localdate(),
        agreement_method=Referral.Agreement.IN_PERSON,
        status=status,
    )


def make_enquiry(organisation: Organisation, **kwargs: Any) -> Enquiry:
    received = kwargs.pop("received_on", timezone.localdate() - timedelta(days=3))
    return Enquiry.objects.create(
        organisation=organisation,
        kind=kwargs.pop("kind", Enquiry.Kind.ENQUIRY),
        received_on=received,
        channel=Enquiry.Channel.PHONE,
        from_name=kwargs.pop("from_name", "A. Parent"),
        about=kwargs.pop("about", "Opening times of Stay and Play"),
        acknowledgement_due_on=received + timedelta(days=30),
        **kwargs,
    )


def make_feedback_form(
    organisation: Organisation, service: Service | None = None, *, questions: bool = True
) -> FeedbackForm:
    service = service or make_service(organisation)
    form = FeedbackForm.objects.create(
        organisation=organisation, service=service, name=f"End of course feedback {next(_n)}"
    )
    if questions:
        FeedbackQuestion.objects.create(
            form=form,
            position=1,
            text="How useful was it?",
            kind=FeedbackQuestion.Kind.SCALE,
            scale_low_label="Not useful",
            scale_high_label="Very useful",
        )
        FeedbackQuestion.objects.create(
            form=form,
            position=2,
            text="Would you recommend it?",
            kind=FeedbackQuestion.Kind.CHOICE,
            choices="Yes\nNo\nNot sure",
        )
        FeedbackQuestion.objects.create(
            form=form,
            position=3,
            text="Anything else?",
            kind=FeedbackQuestion.Kind.TEXT,
            required=False,
        )
    return form

"""Fixtures for casework tests: the personas (root conftest), a catalogue service delivered by the
partner organisation, and helpers to pick a family's members."""

from __future__ import annotations

from typing import Any

import pytest

from familyhub.casework.tests.factories import make_service
from familyhub.people.choices import MemberRole


def parent_of(household: Any) -> Any:
    return household.memberships.filter(role=MemberRole.PARENT_CARER).order_by("id").first().person


def child_of(household: Any) -> Any:
    return (
        household.memberships.filter(role=MemberRole.CHILD, person__is_unborn=False)
        .order_by("id")
        .first()
        .person
    )


def fresh(user: Any) -> Any:
    """The user read again, as on a new request (roles and referral visibility not cached)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def mentoring(personas):
    """Family mentoring: provided by the lead organisation, delivered by the partner too."""
    return make_service(
        personas.lead, delivered_by=(personas.partner,), name="Test family mentoring"
    )


@pytest.fixture
def cook_and_play(personas):
    """A group delivered only by the lead organisation."""
    return make_service(personas.lead, name="Test cook and play")

"""Every purpose-dependent step asks the policy (R-CONSENT-3, invariant 3).

The registry (`privacy.steps.PURPOSE_STEPS`) is walked with `privacy.policy.permitted` and
`privacy.policy.decide` replaced by functions that raise: a step that answers without raising did
not ask. The views marked `@purpose_step` and the registry must name the same routes, so a new step
cannot be left out of this test by forgetting one of the two.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from familyhub.people.models import Person
from familyhub.privacy import policy, purposes
from familyhub.privacy.steps import FUNCTION_STEPS, PURPOSE_STEPS
from familyhub.privacy.testing import make_purpose


class AskedThePolicy(Exception):
    """Raised by the stand-in policy: proof that the step asked it."""

    def __init__(self, function: str, purpose: object) -> None:
        super().__init__(function, purpose)
        self.function = function
        code = getattr(purpose, "code", purpose)
        self.purpose = code


@pytest.fixture
def asking(monkeypatch):
    """Replace the policy's two entry points with ones that raise AskedThePolicy."""

    def permitted(people, purpose, **kwargs):
        raise AskedThePolicy("permitted", purpose)

    def decide(person, purpose, **kwargs):
        raise AskedThePolicy("decide", purpose)

    monkeypatch.setattr(policy, "permitted", permitted)
    monkeypatch.setattr(policy, "decide", decide)


def _routes(patterns=None, namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x) or None
            yield from _routes(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p.callback


MARKED = {name: view.purpose_step for name, view in _routes() if hasattr(view, "purpose_step")}


def test_the_registry_and_the_marked_views_agree():
    registered = {s.url_name: s.purpose for s in PURPOSE_STEPS}
    assert registered == MARKED, (
        "privacy/steps.py PURPOSE_STEPS and the views marked @purpose_step differ: "
        f"only registered {sorted(set(registered) - set(MARKED))}, "
        f"only marked {sorted(set(MARKED) - set(registered))}"
    )
    assert {s.purpose for s in PURPOSE_STEPS} <= set(purposes.ALL)


@pytest.mark.parametrize("step", PURPOSE_STEPS, ids=[s.url_name for s in PURPOSE_STEPS])
def test_every_step_asks_the_policy(step, personas, client_for, asking):
    make_purpose(step.purpose)
    kwargs = {}
    if step.record == "person":
        person = Person.objects.filter(memberships__household=personas.household).first()
        kwargs = {"person_id": person.uuid}
    client = client_for(personas.practitioner)
    with pytest.raises(AskedThePolicy) as asked:
        client.get(reverse(step.url_name, kwargs=kwargs))
    assert asked.value.purpose == step.purpose, f"{step.what} asked about the wrong purpose"


@pytest.mark.parametrize("path,code", FUNCTION_STEPS, ids=[p for p, _ in FUNCTION_STEPS])
def test_every_function_step_asks_the_policy(path, code, personas, asking):
    make_purpose(code)
    module, name = path.rsplit(".", 1)
    function = getattr(import_module(module), name)
    people = list(Person.objects.filter(memberships__household=personas.household))
    with pytest.raises(AskedThePolicy) as asked:
        function(people)
    assert asked.value.purpose == code


def test_a_step_that_does_not_ask_is_caught(personas, client_for, asking, monkeypatch):
    """The check itself works: a mailing list built without the policy answers, so it fails."""
    from familyhub.access import helpers as access
    from familyhub.privacy import mailing

    make_purpose(purposes.RECEIVING_INFORMATION)
    monkeypatch.setattr(
        mailing, "mailing_list", lambda user, **kw: access.people_visible_to(user).values()
    )
    client = client_for(personas.practitioner)
    with (
        pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"),
        pytest.raises(AskedThePolicy),
    ):
        client.get(reverse("privacy:mailing_list"))


def test_photo_consent_map_answers_for_everyone_in_one_query(personas, django_assert_num_queries):
    from familyhub.privacy import services
    from familyhub.privacy.models import ConsentState
    from familyhub.privacy.selectors_consent import photo_consent_map
    from familyhub.privacy.services import Answer

    photos = make_purpose(purposes.PHOTOS)
    people = list(Person.objects.filter(memberships__household=personas.household).order_by("id"))
    mother = people[0]
    services.consents_record(
        actor=personas.practitioner,
        answers=[Answer(mother, photos, ConsentState.GIVEN)],
        method="verbal",
    )
    with django_assert_num_queries(2):  # the purpose, then everyone at once
        answer = photo_consent_map(people)
    assert answer == {p.pk: p.pk == mother.pk for p in people}
    assert photo_consent_map([]) == {}
    photos.consents.all().delete()
    photos.delete()
    assert photo_consent_map(people) == dict.fromkeys([p.pk for p in people], False)

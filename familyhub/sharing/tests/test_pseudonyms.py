"""Keyed pseudonyms (R-SHARE-3, ADR 0019): stable per person per agreement, unjoinable across."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from familyhub.sharing import pseudonyms
from familyhub.sharing.guard import OutputRefused

SECRET = b"a-test-secret-of-enough-length-123"


def _agreement(salt: str = "s1", uid: uuid.UUID | None = None) -> SimpleNamespace:
    return SimpleNamespace(uuid=uid or uuid.UUID(int=1), pseudonym_salt=salt)


def test_known_value_is_hmac_sha256_base32():
    """The formula, written out: a change to it would break every recipient's linkage."""
    import base64
    import hashlib
    import hmac

    a = _agreement()
    person = uuid.UUID(int=42)
    key = hmac.new(SECRET, f"familyhub-pseudonym/1|{a.uuid}|s1".encode(), hashlib.sha256).digest()
    expected = base64.b32encode(hmac.new(key, str(person).encode(), hashlib.sha256).digest())
    assert pseudonyms.Pseudonymiser(a, SECRET)(person) == expected.decode()[:16]
    assert len(expected.decode()[:16]) == 16


@given(st.uuids(), st.text(min_size=0, max_size=20))
def test_stable_for_a_person_under_one_agreement(person, salt):
    a = _agreement(salt)
    assert pseudonyms.Pseudonymiser(a, SECRET)(person) == pseudonyms.Pseudonymiser(a, SECRET)(
        person
    )


@given(st.lists(st.uuids(), min_size=2, max_size=30, unique=True))
def test_two_agreements_give_unrelated_pseudonyms(people):
    """Recipient A's file and recipient B's share no pseudonym (they cannot be joined)."""
    a = pseudonyms.Pseudonymiser(_agreement("s", uuid.UUID(int=1)), SECRET)
    b = pseudonyms.Pseudonymiser(_agreement("s", uuid.UUID(int=2)), SECRET)
    first = {a(p) for p in people}
    second = {b(p) for p in people}
    assert len(first) == len(people)  # no collisions within one file
    assert not first & second


def test_new_salt_breaks_the_link_to_earlier_files():
    person = uuid.uuid4()
    assert pseudonyms.Pseudonymiser(_agreement("old"), SECRET)(person) != (
        pseudonyms.Pseudonymiser(_agreement("new"), SECRET)(person)
    )


def test_another_deployment_secret_gives_other_pseudonyms():
    person = uuid.uuid4()
    assert pseudonyms.Pseudonymiser(_agreement(), SECRET)(person) != (
        pseudonyms.Pseudonymiser(_agreement(), b"another-secret-of-enough-length-4")(person)
    )


@pytest.mark.parametrize("secret", ["", "short"])
def test_missing_key_is_refused(settings, secret):
    """'A pseudonym key missing' is one of issue 8's bad inputs: refused with the reason."""
    settings.FAMILYHUB_PSEUDONYM_SECRET = secret
    with pytest.raises(OutputRefused) as e:
        pseudonyms.Pseudonymiser(_agreement())
    assert "pseudonym key is missing" in e.value.reasons[0]


@given(st.lists(st.uuids(), max_size=40))
def test_many_at_once_equals_one_by_one(people):
    p = pseudonyms.Pseudonymiser(_agreement(), SECRET)
    assert p.many(people) == [p(u) for u in people]

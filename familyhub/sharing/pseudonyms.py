"""Keyed pseudonyms for de-personalised extracts (R-SHARE-3, ADR 0019).

    key       = HMAC-SHA256(FAMILYHUB_PSEUDONYM_SECRET, "familyhub-pseudonym/1|" + agreement.uuid
                            + "|" + agreement.pseudonym_salt)
    pseudonym = base32(HMAC-SHA256(key, person.uuid))[:16]   (80 bits, A-Z and 2-7)

The same person always gets the same pseudonym under one agreement (a recipient can follow a
child across monthly files); two agreements give unrelated pseudonyms (two recipients cannot join
their files), and changing an agreement's salt breaks the link to its earlier files. No key is
stored: it is derived when an extract is produced, from a deployment secret held outside the
database (an attacker with a copy of the database and a file cannot recompute pseudonyms).
Without the secret, extracts are refused ("pseudonym key missing", an issue 8 bad input).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings

from familyhub.sharing.guard import OutputRefused

PSEUDONYM_LENGTH = 16
KEY_MISSING = (
    "The pseudonym key is missing: set FAMILYHUB_PSEUDONYM_SECRET (at least 16 characters) "
    "before producing a de-personalised extract."
)
MIN_SECRET_LENGTH = 16


def master_secret() -> bytes:
    """The deployment's pseudonym secret; OutputRefused when it is missing or too short."""
    secret = getattr(settings, "FAMILYHUB_PSEUDONYM_SECRET", "") or ""
    if len(secret) < MIN_SECRET_LENGTH:
        raise OutputRefused([KEY_MISSING], field="pseudonym")
    return secret.encode("utf-8")


def agreement_key(agreement: Any, secret: bytes | None = None) -> bytes:
    """The agreement's pseudonym key: never stored, derived each time."""
    secret = master_secret() if secret is None else secret
    message = f"familyhub-pseudonym/1|{agreement.uuid}|{agreement.pseudonym_salt}"
    return hmac.new(secret, message.encode("utf-8"), hashlib.sha256).digest()


def pseudonym(key: bytes, person_uuid: UUID | str) -> str:
    """The person's pseudonym under `key` (16 characters of base32, 80 bits)."""
    digest = hmac.digest(key, str(person_uuid).encode("ascii"), "sha256")
    # Base32 encodes each 5 bytes as 8 characters: the first 10 bytes give the first 16.
    return base64.b32encode(digest[:10]).decode("ascii")


class Pseudonymiser:
    """`Pseudonymiser(agreement)(person_uuid)`: the key is derived once per extract."""

    def __init__(self, agreement: Any, secret: bytes | None = None) -> None:
        self._key = agreement_key(agreement, secret)

    def __call__(self, person_uuid: UUID | str) -> str:
        return pseudonym(self._key, person_uuid)

    def many(self, person_uuids: Iterable[UUID | str]) -> list[str]:
        """The pseudonyms of many people at once: the same values as one by one (base32 of
        concatenated 10-byte blocks is the concatenation of their encodings), in one encode."""
        key = self._key
        blocks = b"".join(
            hmac.digest(key, str(u).encode("ascii"), "sha256")[:10] for u in person_uuids
        )
        text = base64.b32encode(blocks).decode("ascii")
        n = PSEUDONYM_LENGTH
        return [text[i : i + n] for i in range(0, len(text), n)]

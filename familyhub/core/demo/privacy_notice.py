"""Demo: version 1 of the privacy notice, published by the demo DPO (R-NOTICE-1, ADR 0014).

A fresh install does not publish a notice by itself (publishing is the DPO's act, once the
register and the controller's contact details are checked); the demo does, so that the public
notice at /privacy-notice/ reads as it would in service, and consents recorded for the demo
families point at the version they were "shown". Safe to run again: nothing is published when a
version exists.
"""

from __future__ import annotations

from familyhub.access.models import Membership, User
from familyhub.access.roles import Role
from familyhub.core.errors import ApplicationError
from familyhub.privacy import registers
from familyhub.privacy.models import PrivacyNotice

SUMMARY = "First published version."


def ensure_published() -> str:
    """Publish version 1 unless a version exists; returns a line for the set-up's output."""
    current = PrivacyNotice.objects.order_by("-version").first()
    if current is not None:
        return f"Privacy notice: version {current.version} is published."
    registers.load_seed_purposes()
    dpo = (
        User.objects.filter(username="dpo").first()
        or User.objects.filter(
            pk__in=Membership.objects.filter(role=Role.DPO, active=True).values("user")
        ).first()
    )
    if dpo is None:
        raise ApplicationError("The demo has no DPO account to publish the privacy notice.")
    published = registers.notice_publish(actor=dpo, summary=SUMMARY)
    return f"Privacy notice: version {published.version} published at /privacy-notice/."

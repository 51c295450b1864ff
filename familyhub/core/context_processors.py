from typing import Any

from django.conf import settings
from django.http import HttpRequest

from familyhub.access.roles import Capability


def site(request: HttpRequest) -> dict[str, Any]:
    """`site.demo`, and `site.can.<capability>` so that pages offer only what the role may do."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    can = {c.value: signed_in and user.has_capability(c.value) for c in Capability}  # type: ignore[union-attr]
    return {"site": {"demo": settings.DEMO, "name": "familyhub", "can": can}}

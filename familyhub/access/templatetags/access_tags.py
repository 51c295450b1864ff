"""`{% break_glass_banner %}`: the banner on every page showing a family opened by break glass
(R-ACCESS-2, ADR 0010). The access helpers note which grants the page's records came through."""

from __future__ import annotations

from typing import Any

from django import template

from familyhub.access import breakglass

register = template.Library()


@register.inclusion_tag("access/_break_glass_banner.html", takes_context=True)
def break_glass_banner(context: Any) -> dict[str, Any]:
    request = context.get("request")
    return {
        "grants": breakglass.shown(),
        "user": getattr(request, "user", None),
        "csrf_token": context.get("csrf_token"),
    }

from typing import Any

from django import template

register = template.Library()


@register.filter
def run_total(run: Any, key: str) -> int:
    """The sum of one count over the run's sources (disposed, held, to_dispose...)."""
    return int(run.total(key))

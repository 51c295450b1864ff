"""Every write to the purposes register and the published privacy notices (invariant 1,
R-CONSENT-1, R-NOTICE-1).

The DPO keeps the register (capability MANAGE_PRIVACY): `purpose_create` and `purpose_update`
validate a purpose as a whole (a lawful basis, an Article 9 condition for special-category data,
only the data map's categories), write it in one transaction and record every changed field in the
change history; `purpose_update` takes the version the form was read at (optimistic locking,
ADR 0003). `notice_publish` freezes the live registers into the next `PrivacyNotice` (ADR 0014).
The starting register is data (`privacy/data/purposes.json`), loaded by `load_seed_purposes`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.core.datamap import Category
from familyhub.core.errors import ConcurrentEdit, ValidationFailed
from familyhub.core.models import ChangeRecord
from familyhub.core.services import ChangeSet, model_update
from familyhub.privacy import notice
from familyhub.privacy.models import LawfulBasis, PrivacyNotice, Purpose

SEED_FILE = Path(__file__).resolve().parent / "data" / "purposes.json"

# The fields the DPO edits, in the order the form asks for them.
PURPOSE_FIELDS = [
    "name",
    "description",
    "lawful_basis",
    "basis_detail",
    "data_categories",
    "special_category_condition",
    "recipients",
    "transfers",
    "retention",
    "parental_consent_for_children",
    "allowed_when_restricted",
    "source",
    "sort_order",
    "active",
]
TEXT_FIELDS = (
    "name",
    "description",
    "basis_detail",
    "special_category_condition",
    "recipients",
    "transfers",
    "retention",
    "source",
)
MAX_LENGTHS = {"name": 150, "retention": 120, "source": 200}

# The categories of personal data a purpose may use: the data map's, except "not personal".
PERSONAL_CATEGORIES = [c.value for c in Category if c is not Category.NOT_PERSONAL]
SPECIAL = Category.SPECIAL.value

# Bases for which the notice must name the law, the task or the interest relied on.
DETAIL_NEEDED = {
    LawfulBasis.PUBLIC_TASK: "the law that gives the task, for example 'Childcare Act 2006 "
    "section 3'",
    LawfulBasis.LEGAL_OBLIGATION: "the law that sets the obligation, for example 'Children Act "
    "2004 section 11'",
    LawfulBasis.LEGITIMATE_INTERESTS: "the interest relied on and where it was assessed",
}

# "Article 9(2)(h)": the condition letter. (b), (g), (h), (i) and (j) also need a condition from
# DPA 2018 Schedule 1 (section 10 of the Act); (a), (c), (d), (e) and (f) do not.
_ARTICLE_9 = re.compile(r"9\s*\(\s*2\s*\)\s*\(\s*([a-j])\s*\)", re.IGNORECASE)
NEEDS_SCHEDULE_1 = frozenset("bghij")


def article_9_conditions(text: str) -> list[str]:
    """The Article 9(2) condition letters named in `text`: 'Article 9(2)(h) ...' -> ['h']."""
    return [m.lower() for m in _ARTICLE_9.findall(text or "")]


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def clean_purpose_data(
    data: Mapping[str, Any], *, existing: Purpose | None = None
) -> dict[str, Any]:
    """A purpose's values, tidied and checked as a whole; every problem at once, at its field.

    Refused: no name; no lawful basis (or one that is not an Article 6 basis); no detail for a
    public task, legal obligation or legitimate interests; a data category the data map does not
    have; special-category data without an Article 9(2) condition, or an Article 9 condition that
    needs a DPA 2018 Schedule 1 condition without one; an Article 9 condition on a purpose that uses
    no special-category data; values longer than the register holds.
    """
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    clean: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        clean[name] = "" if value is None else str(value).strip()
    for name, limit in MAX_LENGTHS.items():
        if len(clean[name]) > limit:
            err(name, f"Use {limit} characters or fewer (this is {len(clean[name])}).")

    if not clean["name"]:
        err("name", "Enter the purpose's name, as families will read it in the privacy notice.")
    else:
        same = Purpose.objects.filter(name__iexact=clean["name"])
        if existing is not None:
            same = same.exclude(pk=existing.pk)
        if same.exists():
            err("name", f"There is already a purpose called '{clean['name']}'.")

    basis = str(data.get("lawful_basis") or "").strip()
    clean["lawful_basis"] = basis
    if not basis:
        err(
            "lawful_basis",
            "Choose the lawful basis under UK GDPR Article 6: a purpose without one cannot be "
            "used.",
        )
    elif basis not in LawfulBasis.values:
        err("lawful_basis", f"'{basis}' is not an Article 6 lawful basis: choose one of the list.")
    elif basis in DETAIL_NEEDED and not clean["basis_detail"]:
        label = LawfulBasis(basis).label.split(" (")[0].lower()
        err("basis_detail", f"For {label}, name {DETAIL_NEEDED[LawfulBasis(basis)]}.")

    raw = data.get("data_categories") or []
    if isinstance(raw, str):
        raw = [raw]
    categories: list[str] = []
    for value in raw:
        value = str(value).strip()
        if value and value not in categories:
            categories.append(value)
    unknown = [c for c in categories if c not in PERSONAL_CATEGORIES]
    if unknown:
        err(
            "data_categories",
            f"Not a category of personal data in the data map: {', '.join(unknown)}. "
            f"Choose from: {', '.join(PERSONAL_CATEGORIES)}.",
        )
    elif not categories:
        err("data_categories", "Choose the categories of data this purpose uses.")
    # Keep the data map's order, so that the same choice always reads (and compares) the same.
    clean["data_categories"] = [c for c in PERSONAL_CATEGORIES if c in categories] + [
        c for c in categories if c not in PERSONAL_CATEGORIES
    ]

    condition = clean["special_category_condition"]
    letters = article_9_conditions(condition)
    if SPECIAL in categories:
        if not condition:
            err(
                "special_category_condition",
                "This purpose uses special-category data: give the Article 9(2) condition and, "
                "where one is needed, the DPA 2018 Schedule 1 condition (for example 'Article "
                "9(2)(h) with DPA 2018 Schedule 1 Part 1 paragraph 2').",
            )
        elif not letters:
            err(
                "special_category_condition",
                "Name the Article 9(2) condition, for example 'Article 9(2)(h)' or "
                "'Article 9(2)(a): explicit consent'.",
            )
        else:
            needing = sorted(set(letters) & NEEDS_SCHEDULE_1)
            if needing and "schedule 1" not in condition.lower():
                named = ", ".join(f"9(2)({x})" for x in needing)
                err(
                    "special_category_condition",
                    f"Article {named} also needs a condition from DPA 2018 Schedule 1: name it, "
                    "for example 'Schedule 1 Part 1 paragraph 2 (health or social care "
                    "purposes)'.",
                )
    elif condition:
        err(
            "special_category_condition",
            "Only a purpose that uses special-category data has an Article 9 condition: choose "
            "'special category' under the data it uses, or remove the condition.",
        )

    for name in ("parental_consent_for_children", "allowed_when_restricted"):
        clean[name] = _as_bool(data.get(name, False))
    clean["active"] = _as_bool(data.get("active", True))
    order = data.get("sort_order")
    if order in (None, ""):
        clean["sort_order"] = existing.sort_order if existing is not None else 100
    else:
        try:
            clean["sort_order"] = int(order)
        except (TypeError, ValueError):
            clean["sort_order"] = 0
            err("sort_order", "Enter a whole number, like 10.")
        else:
            if not 0 <= clean["sort_order"] <= 32767:
                err("sort_order", "Enter a whole number from 0 to 32767.")
    if errors:
        raise ValidationFailed.from_errors(errors)
    return clean


@dataclass
class _RegisterChanges(ChangeSet):
    """A ChangeSet that writes list values (the data categories) as words, not as a Python list."""

    lists: dict[str, tuple[str, str]] = field(default_factory=dict)

    def record(self, instance: Any, *, field_name: str = "", **kwargs: Any) -> None:
        if field_name in self.lists:
            kwargs["old"], kwargs["new"] = self.lists[field_name]
        super().record(instance, field_name=field_name, **kwargs)


def _words(values: list[str]) -> str:
    return ", ".join(values)


def _unique_code(name: str, wanted: str = "") -> str:
    if wanted:
        code = slugify(wanted)[:60]
        if not code or code != wanted:
            raise ValidationFailed(
                "A code is lower-case letters, digits and hyphens, like 'receiving-information'.",
                field="code",
            )
        if Purpose.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"There is already a purpose with the code '{code}'.", field="code"
            )
        return code
    base = slugify(name)[:55] or "purpose"
    code, n = base, 1
    while Purpose.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def purpose_create(*, actor: Any, data: Mapping[str, Any], reason: str = "") -> Purpose:
    """A new purpose in the register (R-CONSENT-1). Its code comes from its name unless given, and
    never changes: code elsewhere refers to purposes by code (`privacy.purposes`)."""
    access.require(actor, Capability.MANAGE_PRIVACY)
    clean = clean_purpose_data(data)
    with transaction.atomic():
        code = _unique_code(clean["name"], str(data.get("code") or "").strip())
        purpose = Purpose.objects.create(code=code, **clean)
        changes = ChangeSet(actor=actor, reason=reason)
        changes.record(
            purpose,
            action=ChangeRecord.Action.CREATE,
            field_name="name",
            new=f"{purpose.name} ({purpose.get_lawful_basis_display()})",
        )
        changes.flush()
    return purpose


def purpose_update(
    *,
    actor: Any,
    purpose: Purpose,
    data: Mapping[str, Any],
    expected_version: int | None,
    reason: str = "",
) -> list[str]:
    """Change a purpose; returns the fields that changed. Fields missing from `data` keep their
    value. A stale `expected_version` (someone saved since the form was read) raises
    ConcurrentEdit and writes nothing; each changed field is a row of the purpose's history."""
    access.require(actor, Capability.MANAGE_PRIVACY)
    merged = {name: data.get(name, getattr(purpose, name)) for name in PURPOSE_FIELDS}
    clean = clean_purpose_data(merged, existing=purpose)
    changes = _RegisterChanges(
        actor=actor,
        reason=reason,
        lists={
            "data_categories": (
                _words(list(purpose.data_categories or [])),
                _words(clean["data_categories"]),
            )
        },
    )
    with transaction.atomic():
        return model_update(
            instance=purpose,
            fields=PURPOSE_FIELDS,
            data=clean,
            changes=changes,
            expected_version=expected_version,
        )


# --- the starting register -----------------------------------------------------------------------


def seed_purposes() -> list[dict[str, Any]]:
    """The purposes of the source documents (privacy/data/purposes.json)."""
    with SEED_FILE.open(encoding="utf-8") as fh:
        return list(json.load(fh)["purposes"])


def load_seed_purposes(purpose_model: Any = Purpose) -> int:
    """Add the seed purposes whose code is not in the register yet; returns how many were added.

    Never changes a purpose that exists, so running it again cannot undo the DPO's edits. Takes
    the model so that the data migration can pass its historical one.
    """
    existing = set(purpose_model.objects.values_list("code", flat=True))
    added = 0
    for row in seed_purposes():
        if row["code"] in existing:
            continue
        purpose_model.objects.create(**row)
        added += 1
    return added


# --- publishing the privacy notice (R-NOTICE-1) --------------------------------------------------


def notice_publish(
    *,
    actor: Any,
    summary: str,
    expected_version: int | None = None,
    expected_hash: str = "",
) -> PrivacyNotice:
    """Freeze the live registers and the data map into the next version of the privacy notice.

    Refused, with the reason, when an active purpose lacks a description, a lawful basis or a
    retention period (each named), when the controller's contact details are not set, when
    nothing has changed since the current version, or without a summary of the changes.
    `expected_version` is the version the DPO's preview was compared with and `expected_hash`
    the preview's fingerprint: if another version was published, or the registers changed, since
    the preview was shown, nothing is published (ConcurrentEdit) and the DPO sees the new preview.
    """
    access.require(actor, Capability.MANAGE_PRIVACY)
    summary = (summary or "").strip()
    with transaction.atomic():
        current = PrivacyNotice.objects.select_for_update().order_by("-version").first()
        current_version = current.version if current is not None else 0
        if expected_version is not None and expected_version != current_version:
            raise ConcurrentEdit(
                f"Version {current_version} of the privacy notice was published while you were "
                "looking at the preview. Check the new preview and publish again."
            )
        content = notice.build_content()
        problems = notice.publish_problems(content)
        if problems:
            raise ValidationFailed(
                "The notice cannot be published yet: " + problems[0].message,
                errors={"__all__": [p.message for p in problems]},
            )
        if current is not None and notice.diff(current.content, content).empty:
            raise ValidationFailed(
                f"Nothing has changed since version {current_version}: there is nothing to "
                "publish.",
                field="__all__",
            )
        if expected_hash and expected_hash != notice.content_hash(content):
            raise ConcurrentEdit(
                "The register changed while you were looking at the preview. Check the new "
                "preview and publish again."
            )
        if not summary:
            raise ValidationFailed(
                "Say what changed in this version, in plain English: families read it in the "
                "list of versions.",
                field="summary",
            )
        try:
            with transaction.atomic():
                published = PrivacyNotice.objects.create(
                    version=current_version + 1,
                    published_at=timezone.now(),
                    published_by=actor,
                    summary=summary,
                    content=content,
                )
        except IntegrityError:
            raise ConcurrentEdit(
                "Someone else published a version of the privacy notice at the same moment. "
                "Check the new preview and publish again."
            ) from None
        changes = ChangeSet(actor=actor, reason=summary)
        changes.record(
            published,
            action=ChangeRecord.Action.CREATE,
            field_name="version",
            new=f"Privacy notice version {published.version} published",
        )
        changes.flush()
    return published

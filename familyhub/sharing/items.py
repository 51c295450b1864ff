"""The data items an agreement can allow, and the least identifying level each needs (R-SHARE-1).

One vocabulary for the agreement register, the report builder and the extracts: an agreement lists
item codes; an output names the items it holds; `sharing.guard` refuses an output holding an item
its agreement does not list, or one whose level the agreement does not reach. The privacy notice's
"who we share with" reads the register through these labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from familyhub.sharing.models import Level


class ItemKind(StrEnum):
    DIMENSION = "dimension"  # what an aggregate report groups by
    MEASURE = "measure"  # what an aggregate report counts
    FIELD = "field"  # a column of a record-level extract


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    kind: ItemKind
    level: Level  # the least identifying level at which it may leave
    quasi_identifier: bool = False  # part of the re-identification risk of an extract


A, D, ID = Level.AGGREGATE, Level.DEPERSONALISED, Level.IDENTIFIABLE
_DIM, _MEAS, _FIELD = ItemKind.DIMENSION, ItemKind.MEASURE, ItemKind.FIELD

ITEMS: dict[str, Item] = {
    i.code: i
    for i in [
        # Aggregate dimensions (R-SHARE-2).
        Item("ward", "Ward", _DIM, A),
        Item("area", "Area (care delivery group)", _DIM, A),
        Item("service", "Service", _DIM, A),
        Item("session_type", "Type of session", _DIM, A),
        Item("period", "Period (month, quarter or year)", _DIM, A),
        Item("age_band", "Age band", _DIM, A),
        Item("sex", "Sex", _DIM, A),
        Item("ethnicity_group", "Ethnic group (ONS high-level)", _DIM, A),
        Item("ethnicity_detailed", "Ethnic group (ONS detailed)", _DIM, A),
        Item("parent_role", "Parent role (mother, father, carer)", _DIM, A),
        # Aggregate measures.
        Item("children", "Distinct children", _MEAS, A),
        Item("adults", "Distinct adults", _MEAS, A),
        Item("attendances", "Attendances", _MEAS, A),
        Item("visits", "Home visits", _MEAS, A),
        Item("registrations", "New registrations", _MEAS, A),
        # Record-level fields of a de-personalised extract (R-SHARE-3).
        Item("pseudonym", "Pseudonym (keyed per agreement)", _FIELD, D),
        Item("birth_month_year", "Month and year of birth", _FIELD, D, quasi_identifier=True),
        Item("age_band_field", "Age band", _FIELD, D, quasi_identifier=True),
        Item("sex_field", "Sex", _FIELD, D, quasi_identifier=True),
        Item("ethnicity_group_field", "Ethnic group", _FIELD, D, quasi_identifier=True),
        Item("ward_field", "Ward of residence", _FIELD, D, quasi_identifier=True),
        Item("area_field", "Area of residence", _FIELD, D, quasi_identifier=True),
        Item("services_attended", "Services attended", _FIELD, D),
        Item("attendance_count", "Number of attendances", _FIELD, D),
        Item("visit_count", "Number of home visits", _FIELD, D),
        Item("first_registered", "Month first registered", _FIELD, D),
        Item("outcome_scores", "Outcome scores", _FIELD, D),
        # Identifiable fields (R-SHARE-4): school census matching, Imagination Library.
        Item("name", "Name", _FIELD, ID),
        Item("date_of_birth", "Date of birth", _FIELD, ID),
        Item("address", "Address", _FIELD, ID),
        Item("postcode", "Postcode", _FIELD, ID),
        Item("nhs_number", "NHS number", _FIELD, ID),
        Item("parent_name", "Parent or carer's name", _FIELD, ID),
    ]
}


def label(code: str) -> str:
    item = ITEMS.get(code)
    return item.label if item else code


def choices(kind: ItemKind | None = None) -> list[tuple[str, str]]:
    return [(i.code, i.label) for i in ITEMS.values() if kind is None or i.kind == kind]

"""Loading the reference data that ships in places/data (idempotent: safe to run again)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

# Best Start care delivery groups follow area-committee boundaries; this grouping is illustrative
# for the demo and editable by administrators.
DEMO_AREAS: dict[str, list[str]] = {
    "Bulwell and Bestwood": ["Bulwell", "Bulwell Forest", "Bestwood", "Basford"],
    "Aspley and Bilborough": ["Aspley", "Bilborough", "Leen Valley", "Wollaton West"],
    "Central and Arboretum": [
        "Hyson Green & Arboretum",
        "Radford",
        "Castle",
        "Lenton & Wollaton East",
    ],
    "St Ann's and Mapperley": ["St. Ann's", "Mapperley", "Sherwood", "Berridge"],
    "Clifton and Meadows": ["Clifton East", "Clifton West", "Meadows", "Dales"],
}


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def load_wards(Ward: Any) -> int:
    n = 0
    for row in read_csv("nottingham_wards_2022.csv"):
        Ward.objects.update_or_create(
            code=row["ward_code"],
            defaults={
                "name": row["ward_name"],
                "lad_code": row["lad_code"],
                "lad_name": row["lad_name"],
            },
        )
        n += 1
    return n


ETHNICITY_FILE = "ethnicity_census2021_to_nhs.csv"
# The file's last line is 'Not asked / not known' (NHS Data Dictionary code 99). It is not loaded as
# a category: a person whose ethnicity was never asked has none (NULL), so that 'not asked' has one
# representation only and stays apart from 'prefer not to say' (asked and declined, code Z).
NOT_ASKED_NHS_CODE = "99"


def ethnicity_not_asked() -> dict[str, str]:
    """What an empty ethnicity stands for on export: the file's 'not asked' line (code 99)."""
    return next(r for r in read_csv(ETHNICITY_FILE) if r["nhs_dd_code"] == NOT_ASKED_NHS_CODE)


def load_ethnicity(EthnicityCategory: Any) -> int:
    """The 19 ONS categories and 'prefer not to say'; 'not asked' is NULL, never a row."""
    n = 0
    for i, row in enumerate(read_csv(ETHNICITY_FILE)):
        if row["ons_code"]:
            key, kind, code = f"ons-{row['ons_code']}", "category", int(row["ons_code"])
        elif row["nhs_dd_code"] == "Z":
            key, kind, code = "prefer-not-to-say", "prefer_not_to_say", None
        else:
            continue  # 'not asked' (see above)
        EthnicityCategory.objects.update_or_create(
            key=key,
            defaults={
                "ons_code": code,
                "label": row["ons_label"].replace(" (asked and declined)", ""),
                "high_level_group": row["high_level_group"],
                "nhs_code": row["nhs_dd_code"],
                "nhs_display": row["nhs_dd_display"],
                "mapping_note": row["mapping_note"],
                "kind": kind,
                "sort_order": i,
            },
        )
        n += 1
    return n


def load_areas(Area: Any, Ward: Any) -> None:
    for area_name, ward_names in DEMO_AREAS.items():
        area, _ = Area.objects.get_or_create(name=area_name)
        Ward.objects.filter(name__in=ward_names, area__isnull=True).update(area=area)

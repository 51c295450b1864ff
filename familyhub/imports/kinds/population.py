"""Population figures by ward (R-IMPORT-1, R-SHARE-6): into `places.PopulationEstimate`.

The columns and rules are those of `sharing.reach.population_load` (the reach report's loader):
ward_code (ONS, a ward familyhub holds), year, age_from <= age_to, sex and ethnic_group (blank:
all), count (a whole number, 0 or more) and source (the data set; when the file has no source
column or it is blank, the file's name). The row key is the estimate's unique key (ward, year,
ages, sex, group, source): a row already loaded with the same count changes nothing, a new count
replaces the old one.
"""

from __future__ import annotations

from typing import Any

from familyhub.access import helpers as access
from familyhub.access.roles import Capability
from familyhub.imports.kinds.base import ChunkOutcome, Column, Kind, Row, RowErrors
from familyhub.places.models import PopulationEstimate, Ward


def _whole(text: str) -> int:
    from familyhub.imports.values import BadValue

    t = (text or "").strip().replace(",", "")
    if not t.isdigit():
        raise BadValue(f"'{text}' is not a whole number (0 or more)")
    return int(t)


class PopulationKind(Kind):
    code = "population"
    label = "Population figures by ward"
    description = (
        "Population estimates (ONS mid-year estimates, Census 2021 tables): ward_code, year, "
        "age_from, age_to, sex, ethnic_group, count, source."
    )
    columns = (
        Column("ward_code", "Ward code", True, ("ward", "wardcode", "wd22cd", "osward")),
        Column("year", "Year", True, ("year", "period")),
        Column("age_from", "Age from", True, ("agefrom", "minage")),
        Column("age_to", "Age to", True, ("ageto", "maxage")),
        Column("sex", "Sex", False, ("sex",)),
        Column("ethnic_group", "Ethnic group", False, ("ethnicgroup", "ethnicity")),
        Column("count", "Count", True, ("count", "population", "observation", "value")),
        Column("source", "Source", False, ("source", "dataset")),
    )
    chunk_size = 5000
    personal = False

    def prepare(self, *, batch: Any, actor: Any, options: dict[str, Any]) -> Any:
        access.require(actor, Capability.IMPORT_DATA)
        return {"wards": {w.code: w.pk for w in Ward.objects.all()}}

    def process(self, *, batch: Any, actor: Any, ctx: Any, rows: list[Row]) -> ChunkOutcome:
        outcome = ChunkOutcome()
        wanted: dict[tuple[Any, ...], int] = {}
        for row in rows:
            errs = RowErrors()
            vals = row.values
            ward_id = ctx["wards"].get((vals.get("ward_code") or "").strip().upper())
            if ward_id is None:
                errs.add(
                    "ward_code", f"'{vals.get('ward_code', '')}' is not a ward familyhub holds"
                )
            year = errs.value("year", _whole, vals.get("year", ""))
            lo = errs.value("age_from", _whole, vals.get("age_from", ""))
            hi = errs.value("age_to", _whole, vals.get("age_to", ""))
            count = errs.value("count", _whole, vals.get("count", ""))
            if year is not None and not 1900 <= year <= 2100:
                errs.add("year", f"{year} is not a year we hold figures for")
            if lo is not None and hi is not None and lo > hi:
                errs.add("age_to", "The age band ends before it starts")
            if errs:
                outcome.reject(row, errs.items)
                continue
            source = ((vals.get("source") or "").strip() or batch.file_name)[:200]
            key = (
                ward_id,
                year,
                lo,
                hi,
                (vals.get("sex") or "").strip()[:10],
                (vals.get("ethnic_group") or "").strip()[:100],
                source,
            )
            wanted[key] = count
        existing: dict[tuple[Any, ...], PopulationEstimate] = {}
        if wanted:
            for e in PopulationEstimate.objects.filter(
                ward_id__in={k[0] for k in wanted}, year__in={k[1] for k in wanted}
            ):
                existing[
                    (e.ward_id, e.year, e.age_from, e.age_to, e.sex, e.ethnic_group, e.source)
                ] = e
        new: list[PopulationEstimate] = []
        changed: list[PopulationEstimate] = []
        for key, count in wanted.items():
            found = existing.get(key)
            if found is None:
                ward_id, year, lo, hi, sex, group, source = key
                new.append(
                    PopulationEstimate(
                        ward_id=ward_id,
                        year=year,
                        age_from=lo,
                        age_to=hi,
                        sex=sex,
                        ethnic_group=group,
                        count=count,
                        source=source,
                    )
                )
            elif found.count != count:
                found.count = count
                changed.append(found)
        PopulationEstimate.objects.bulk_create(new, batch_size=1000)
        if changed:
            PopulationEstimate.objects.bulk_update(changed, ["count"], batch_size=1000)
        outcome.loaded = len(new) + len(changed)
        outcome.unchanged = len(rows) - len(outcome.rejected) - outcome.loaded
        return outcome

"""Reach against differencing (R-SHARE-2, R-SHARE-6; docs/extracts-and-reach.md): a released reach
keeps its protected outputs, and a later reach from the same date for the same ages is audited
together with it, so subtracting the earlier release cannot narrow a suppressed cell."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from familyhub.core.testing import make_household
from familyhub.sharing import reach, sdc
from familyhub.sharing.models import Level, Output
from familyhub.sharing.testing import make_agreement

MARCH, APRIL = date(2026, 3, 31), date(2026, 4, 30)
WARDS = ["Bulwell", "Not known"]
GROUPS = ["Asian", "Black", "Mixed", "Not known", "Other", "White"]


def _shown(output: sdc.ProtectedOutput, table: str) -> dict[str, str]:
    return {cell.labels[0]: cell.display for cell in output.table(table)}


def _cube(counts: Counter) -> sdc.Cube:
    return sdc.Cube.build(
        {
            "ward": WARDS,
            "ethnicity": GROUPS,
            reach.COUNTED_FROM: [MARCH.isoformat(), APRIL.isoformat()],
        },
        dict(counts),
    )


def test_known_answer_a_suppressed_cell_cannot_be_worked_out_by_subtracting_march():
    """Threshold 10 (1-9 shown as '*', the rest exact; each '*' needs a feasible range at least
    4 wide). To 31 March: 30 Asian and 12 White children, published exactly. To 30 April: 1 more
    White child and 2 Other children (all new in April).

    Alone, April's release would show Other '*' and White '[c]' with the total 45: Other lies in
    1..5 (White is at least 10), which passes. But March published White = 12, and a count from the
    same start only grows, so White >= 12 and Other <= 45 - 30 - 12 = 3: 1..3, too narrow. With
    March passed as `previous`, the audit sees that and more is withheld (the totals), so that
    Other keeps its range."""
    rule = sdc.get_rule_set("threshold-10")
    march = Counter(
        {("Bulwell", "Asian", "2026-03-31"): 30, ("Bulwell", "White", "2026-03-31"): 12}
    )
    april = Counter(march)
    april[("Bulwell", "White", "2026-04-30")] += 1
    april[("Bulwell", "Other", "2026-04-30")] += 2

    released = reach._protect(march, WARDS, GROUPS, [MARCH], rule)
    assert _shown(released, "by-ethnicity") == {
        "Asian": "30",
        "Black": "0",
        "Mixed": "0",
        "Not known": "0",
        "Other": "0",
        "White": "12",
        "Total": "42",
    }
    # Stored with the release and read back, as a later reach does.
    stored = sdc.ProtectedOutput.from_dict(released.to_dict())
    earlier = reach.as_previous(stored, MARCH, [MARCH, APRIL])

    # Without `previous`: April alone passes its own audit...
    alone = reach._protect(april, WARDS, GROUPS, [MARCH, APRIL], rule)
    shown = _shown(alone, "by-ethnicity")
    assert shown["Other"] == "*" and shown["White"] == "[c]" and shown["Total"] == "45"
    assert alone.audit.passed
    # ... but subtracting March narrows Other to 1..3.
    attacked = sdc.verify(alone, _cube(april), previous=[earlier], full=True)
    other = next(c for c in attacked.cells if ("by-ethnicity", ("Other",)) in c.places)
    assert (other.lower, other.upper) == (1, 3)
    assert not other.passed and not attacked.passed

    # With `previous`: the release withholds the totals too, and Other keeps a wide range.
    safe = reach._protect(april, WARDS, GROUPS, [MARCH, APRIL], rule, [(MARCH, stored)])
    shown = _shown(safe, "by-ethnicity")
    assert shown["Other"] == "*" and shown["Total"] == "[c]"
    assert _shown(safe, "by-ward")["Bulwell"] == "[c]"
    assert safe.audit.passed and safe.audit.previous_outputs == 1
    checked = sdc.verify(safe, _cube(april), previous=[earlier], full=True)
    assert checked.passed
    other = next(c for c in checked.cells if ("by-ethnicity", ("Other",)) in c.places)
    assert other.lower == 1 and other.upper is not None and other.upper - other.lower >= 4
    assert all(not 1 <= int(v) <= 9 for v in shown.values() if v.isdigit())


def test_an_earlier_release_is_a_box_of_the_new_cube():
    """`as_previous`: March's cells sum only the children counted from 31 March, even if March
    was released knowing fewer end dates than April's cube has."""
    rule = sdc.get_rule_set("round-5-suppress-1-7")
    march = Counter({("Bulwell", "White", "2026-03-31"): 20})
    released = reach._protect(march, WARDS, GROUPS, [MARCH], rule)
    feb = date(2026, 2, 28)
    earlier = reach.as_previous(released, MARCH, [feb, MARCH, APRIL])
    assert earlier.domains[reach.COUNTED_FROM] == ("2026-02-28", "2026-03-31")
    cube = sdc.Cube.build(
        {
            "ward": WARDS,
            "ethnicity": GROUPS,
            reach.COUNTED_FROM: ["2026-02-28", "2026-03-31", "2026-04-30"],
        },
        {("Bulwell", "White", "2026-02-28"): 5, ("Bulwell", "White", "2026-03-31"): 15},
    )
    cells = earlier.previous_cells(cube)
    total = next(c for c in cells if c.label.startswith("by-ward") and "Total" in c.label)
    assert cube.total(total.box) == 20


# --- through the database and the pages ----------------------------------------------------------


@pytest.fixture
def children(personas):
    """12 children aged 0-4 in Bulwell registered with the lead organisation."""
    reach.load_example_population()
    for _ in range(11):
        make_household(organisation=personas.lead, ward=personas.ward, children=1)
    return personas


def _release(personas, agreement, date_from, date_to, **ages):
    result = reach.reach(
        actor=personas.dpo, agreement=agreement, date_from=date_from, date_to=date_to, **ages
    )
    return result, reach.reach_release(
        actor=personas.dpo,
        agreement=agreement,
        result=result,
        data=reach.reach_csv(result),
        name="r.csv",
    )


def test_a_release_keeps_what_a_later_reach_is_audited_against(children):
    personas = children
    agreement = make_agreement(level=Level.AGGREGATE)
    today = timezone.localdate()
    start = today - timedelta(days=200)
    first, output = _release(personas, agreement, start, today - timedelta(days=30))
    assert first.audit["previous_outputs"] == 0
    stored = output.protection
    for measure in ("registered", "engaged"):
        again = sdc.ProtectedOutput.from_dict(stored[measure])
        assert again.dimensions == reach.DIMENSIONS and again.audit.passed
    assert output.request["age_from"] == 0 and output.request["age_to"] == 4
    assert b"Reach: children aged 0-4" in bytes(output.content)[:40]

    # Same agreement, same start, same ages, a later end: audited against the release.
    later = reach.reach(actor=personas.dpo, agreement=agreement, date_from=start, date_to=today)
    assert later.audit["previous_outputs"] == 1 and later.previous_ids == [output.pk]
    registered = sdc.ProtectedOutput.from_dict(later.protection["registered"])
    assert registered.audit.previous_outputs == 1 and registered.audit.passed
    # Another start, other ages or another agreement: nothing to difference with.
    for kwargs in (
        {"agreement": agreement, "date_from": start + timedelta(days=1)},
        {"agreement": agreement, "date_from": start, "age_to": 3},
        {"agreement": make_agreement(level=Level.AGGREGATE), "date_from": start},
    ):
        other = reach.reach(actor=personas.dpo, date_to=today, **kwargs)
        assert other.audit["previous_outputs"] == 0, kwargs
    # An end before the release's: not nested (the release is not inside it).
    before = reach.reach(
        actor=personas.dpo, agreement=agreement, date_from=start, date_to=today - timedelta(days=60)
    )
    assert before.audit["previous_outputs"] == 0


def test_reach_csv_links_each_release_to_the_earlier_one(children, client_for):
    """The page's download: the second release (a later end) records the first as the release it
    was audited against, and both are in the disclosure log."""
    personas = children
    agreement = make_agreement(level=Level.AGGREGATE)
    today = timezone.localdate()
    start = today - timedelta(days=200)
    client = client_for(personas.team_manager)

    def download(end):
        return client.get(
            reverse("sharing:reach_csv"),
            {
                "agreement": agreement.reference,
                "date_from": start.strftime("%d/%m/%Y"),
                "date_to": end.strftime("%d/%m/%Y"),
            },
        )

    first = download(today - timedelta(days=30))
    assert first.status_code == 200 and first["Content-Type"].startswith("text/csv")
    second = download(today)
    assert second.status_code == 200
    rows = list(csv.reader(io.StringIO(second.content.decode())))
    assert rows[0][0].startswith("Reach: children aged 0-4")
    older, newer = Output.objects.filter(kind="reach", status="released").order_by("created_at")
    assert older.protection["linked_previous"] == []
    assert newer.protection["linked_previous"] == [older.pk]
    assert newer.protection["audit"]["previous_outputs"] == 1
    assert newer.disclosure is not None and older.disclosure is not None
    page = client.get(
        reverse("sharing:reach"),
        {
            "agreement": agreement.reference,
            "date_from": start.strftime("%d/%m/%Y"),
            "date_to": today.strftime("%d/%m/%Y"),
        },
    )
    assert "Checked together with 2 earlier reach releases" in page.content.decode()

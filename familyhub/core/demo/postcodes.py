"""The demo's postcode directory: every made-up postcode the demo families live at, with its ward.

So that the demo shows an address taking its ward from its postcode (`places.postcodes`) for any
postcode typed from the demo's sectors (NG1 to NG11), as a site with the ONS Postcode Directory
loaded would. The postcodes are invented (`demo.pools.postcode_pools`, the generator's own): each
row says so in `source`. Rows already there (a real directory) are left as they are.
"""

from __future__ import annotations

from familyhub.core.demo.pools import postcode_pools
from familyhub.core.demo.reference import build_reference
from familyhub.places.models import PostcodeWard, Ward

DEMO_SOURCE = "DEMO: made-up postcodes, not the ONS Postcode Directory"


def load_demo_postcodes(seed: int = 2026) -> str:
    wards = [(w.code, w.outward, w.weight) for w in build_reference().wards]
    ids = dict(Ward.objects.values_list("code", "pk"))
    before = PostcodeWard.objects.count()
    PostcodeWard.objects.bulk_create(
        (
            PostcodeWard(
                postcode_key=postcode.replace(" ", ""),
                postcode=postcode,
                ward_id=ids[code],
                source=DEMO_SOURCE,
            )
            for code, postcodes in postcode_pools(seed, wards).items()
            for postcode in postcodes
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    added = PostcodeWard.objects.count() - before
    return (
        f"Postcode directory: {added:,} made-up demo postcodes added (NG1 to NG11; an address "
        "left with its ward 'Not known' takes it from its postcode)."
    )

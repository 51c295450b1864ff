"""Which ward a postcode is in, from the loaded ONS Postcode Directory (R-PEOPLE-2, R-ENGAGE-2).

The ward decides which partner serves a family and which services it is eligible for, so staff
should not have to know it: an address takes its ward from its postcode (`people.services.
clean_address`). Nothing is known until an administrator loads the directory (the postcode-lookup
import, `familyhub import postcodes FILE`); until then the ward is what staff choose.
"""

from __future__ import annotations

from familyhub.places.models import PostcodeWard, Ward


def ward_for_postcode_key(postcode_key: str) -> Ward | None:
    """The ward of a postcode (its key: no spaces, upper case), or None when not in the directory."""
    if not postcode_key:
        return None
    found = PostcodeWard.objects.select_related("ward").filter(postcode_key=postcode_key).first()
    return found.ward if found else None

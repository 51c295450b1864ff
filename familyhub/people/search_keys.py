"""Keys that make name search typo tolerant in the database (ADR 0002).

Candidate generators feed the ranked search: two phonetic keys per name part (Soundex as well) (Metaphone, from
jellyfish: 'Smith' and 'Smyth' share 'SM0', 'Jon' and 'John' share 'JN') and trigram
matching of the whole normalised name (pg_trgm on PostgreSQL, FTS5 trigram on SQLite).
"""

from __future__ import annotations

import re
import unicodedata

import jellyfish

# Letters that Unicode does not decompose into a base letter and an accent: without this, 'Łukasz'
# would fold to 'ukasz' and not sound like 'Lukasz'.
_UNDECOMPOSABLE = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "ß": "ss",
        "Đ": "D",
        "đ": "d",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
        "ı": "i",
    }
)


def normalise_name(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces: 'O'Brien-Núñez' -> 'o brien nunez'."""
    text = (text or "").translate(_UNDECOMPOSABLE)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", folded.lower()).strip()


def phonetic_key(name: str) -> str:
    """The phonetic key of the first word of a name part ('' when there is none)."""
    words = normalise_name(name).split()
    if not words:
        return ""
    return jellyfish.metaphone(words[0])[:12].upper()


def sound_key(name: str) -> str:
    """Soundex of the first word: forgiving where Metaphone is not ('Ewdards' ~ 'Edwards')."""
    words = normalise_name(name).split()
    return jellyfish.soundex(words[0]) if words else ""


def person_search_fields(given_name: str, family_name: str, known_as: str = "") -> dict[str, str]:
    full = " ".join(p for p in (given_name, known_as, family_name) if p)
    return {
        "search_name": normalise_name(full)[:250],
        "given_key": phonetic_key(given_name or known_as),
        "family_key": phonetic_key(family_name),
        "given_sound": sound_key(given_name or known_as),
        "family_sound": sound_key(family_name),
    }

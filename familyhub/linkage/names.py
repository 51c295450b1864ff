"""Names as the linkage model sees them (R-LINK-1): normalised, placeholders dropped, nicknames
folded to one canonical form.

The nickname groups below were compiled by hand for this project from common English usage (no
third-party list is copied); each group's first name is the canonical form. 'Baby Smith',
'Unborn', 'Twin 1' and the like are placeholders a maternity or health visiting record uses
before a child is named: they say nothing about who the person is, so they compare as missing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from familyhub.people.search_keys import normalise_name

# Words that, alone or together, make a first name a placeholder ('Baby', 'Baby Girl', 'Twin 2').
PLACEHOLDER_WORDS = frozenset(
    {
        "baby",
        "babe",
        "bb",
        "bg",
        "bby",
        "unborn",
        "infant",
        "newborn",
        "unnamed",
        "unknown",
        "notknown",
        "not",
        "known",
        "named",
        "yet",
        "tbc",
        "tba",
        "na",
        "nk",
        "twin",
        "triplet",
        "boy",
        "girl",
        "son",
        "daughter",
        "of",
        "child",
        "male",
        "female",
        "a",
        "b",
        "c",
        "i",
        "ii",
        "iii",
        "one",
        "two",
        "three",
    }
)
_NUMBER = re.compile(r"^\d+$")

# (canonical, variants...). A name in two groups keeps its first group.
NICKNAME_GROUPS: tuple[tuple[str, ...], ...] = (
    ("alexander", "alex", "alec", "sandy", "xander", "alexandra", "alexa", "lexi", "lexie"),
    ("andrew", "andy", "drew"),
    ("anthony", "tony", "antony"),
    ("benjamin", "ben", "benji", "benny"),
    (
        "catherine",
        "cath",
        "cathy",
        "kate",
        "katie",
        "katy",
        "kath",
        "kathy",
        "katherine",
        "kathryn",
        "kat",
        "cate",
        "kay",
    ),
    ("charles", "charlie", "chas", "chuck"),
    ("charlotte", "lottie", "lotte", "charley"),
    ("christopher", "chris", "kit", "topher"),
    ("christine", "chrissie", "christina", "tina"),
    ("daniel", "dan", "danny"),
    ("david", "dave", "davy", "davey"),
    ("deborah", "debbie", "debra", "deb"),
    ("edward", "ed", "eddie", "ted", "teddy", "ned"),
    (
        "elizabeth",
        "liz",
        "lizzie",
        "beth",
        "betty",
        "bet",
        "libby",
        "eliza",
        "elsie",
        "lisa",
        "betsy",
        "bess",
        "bessie",
        "lilibet",
    ),
    ("eleanor", "ellie", "nell", "nellie", "elle", "elinor", "nora"),
    ("frederick", "fred", "freddie", "freddy"),
    ("gabriel", "gabe", "gabby", "gabrielle", "gabriella"),
    ("harold", "harry", "hal"),
    ("henry", "hank", "hal"),
    ("isabella", "isabel", "isabelle", "bella", "izzy", "izzie", "issy"),
    ("jacob", "jake", "jakey"),
    ("james", "jim", "jimmy", "jamie", "jimbo"),
    ("jennifer", "jen", "jenny", "jenna"),
    ("john", "jon", "johnny", "jack", "johnnie", "jonny"),
    ("jonathan", "jonny", "nathan"),
    ("joseph", "joe", "joey", "jo"),
    ("joshua", "josh"),
    ("margaret", "maggie", "meg", "peggy", "marge", "madge", "megan", "greta", "daisy"),
    ("matthew", "matt", "matty"),
    ("michael", "mike", "mick", "mickey", "micky", "mikey"),
    ("nicholas", "nick", "nicky", "nico", "nic"),
    ("nicola", "nikki", "nicky", "nicole"),
    ("oliver", "olly", "ollie", "noll"),
    ("patrick", "pat", "paddy"),
    ("patricia", "pat", "patsy", "trish", "tricia"),
    ("peter", "pete"),
    ("rebecca", "becky", "becca", "bex"),
    ("richard", "rich", "richie", "rick", "ricky", "dick"),
    ("robert", "rob", "robbie", "bob", "bobby", "bert", "robin"),
    ("samuel", "sam", "sammy"),
    ("samantha", "sam", "sammie", "sammy"),
    ("sarah", "sara", "sally", "sadie"),
    ("stephen", "steve", "steven", "stevie"),
    ("susan", "sue", "susie", "suzy", "suzanne"),
    ("theodore", "theo", "ted", "teddy"),
    ("thomas", "tom", "tommy"),
    ("victoria", "vicky", "vikki", "tori", "vic"),
    ("william", "will", "bill", "billy", "willie", "liam", "wills"),
    ("abigail", "abbie", "abby", "abi", "gail"),
    ("alfred", "alfie", "alf", "fred"),
    ("amelia", "millie", "amy", "mia"),
    ("emily", "emmy", "em", "milly"),
    ("emma", "em", "emmie"),
    ("florence", "flo", "flossie", "florrie"),
    ("jessica", "jess", "jessie"),
    ("mohammed", "muhammad", "mohammad", "mohamed", "muhammed", "mohamad", "mo"),
    ("zachary", "zach", "zack", "zak"),
    ("ruby", "rubie"),
    ("sophie", "sophia", "sofia", "soph"),
    ("lewis", "louis", "lou"),
    ("leonardo", "leo", "leon", "leonard", "len", "lenny"),
    ("maximilian", "max", "maxwell", "maxim"),
    ("timothy", "tim", "timmy"),
    ("gregory", "greg"),
    ("kenneth", "ken", "kenny"),
    ("ronald", "ron", "ronnie"),
    ("donald", "don", "donny"),
    ("gerald", "gerry", "jerry"),
    ("jacqueline", "jackie", "jacqui"),
    ("teresa", "theresa", "tess", "tessa", "terri"),
    ("philip", "phil", "phillip", "pip"),
    ("francesca", "fran", "frankie", "francis", "frances"),
    ("frank", "francis", "frankie"),
)


def _nickname_map() -> dict[str, str]:
    out: dict[str, str] = {}
    for group in NICKNAME_GROUPS:
        for name in group:
            out.setdefault(name, group[0])
    return out


NICKNAMES: dict[str, str] = _nickname_map()


@lru_cache(maxsize=200_000)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(normalise_name(text).split())


def name_tokens(text: str) -> list[str]:
    """Normalised words of a name: 'O'Brien-Núñez' -> ['o', 'brien', 'nunez']. Cached: a
    register repeats the same few thousand names, and the whole-database run derives them for
    every person."""
    return list(_tokens(text or ""))


@lru_cache(maxsize=200_000)
def is_placeholder(text: str) -> bool:
    """'Baby', 'Baby Girl', 'Unborn', 'Twin 1', '' -> True: the name says nothing."""
    words = name_tokens(text)
    return all(w in PLACEHOLDER_WORDS or _NUMBER.match(w) for w in words)


def first_name_of(given_name: str, known_as: str = "") -> str | None:
    """The first word of the given name (or the preferred name), None for a placeholder."""
    for candidate in (given_name, known_as):
        if candidate and not is_placeholder(candidate):
            return name_tokens(candidate)[0]
    return None


def canonical(first: str | None) -> str | None:
    """One form per nickname group: 'bob', 'robbie', 'robert' -> 'robert'."""
    if not first:
        return None
    return NICKNAMES.get(first, first)


def other_names(given_name: str, middle_names: str, known_as: str) -> list[str]:
    """Every other word a person may be called by: middle names, the preferred name, further
    given names (someone registered once by their middle name still matches)."""
    words: list[str] = []
    given = [] if is_placeholder(given_name) else name_tokens(given_name)
    words.extend(given[1:])
    for part in (middle_names, known_as):
        if part and not is_placeholder(part):
            words.extend(name_tokens(part))
    return sorted({w for w in words if len(w) > 1 and w not in PLACEHOLDER_WORDS})


def family_name_of(family_name: str) -> str | None:
    words = [w for w in name_tokens(family_name) if w not in {"unknown", "nk", "tbc"}]
    return " ".join(words) or None


def family_tokens(family_name: str) -> list[str]:
    """Parts of a double-barrelled name ('Smith-Jones' -> ['jones', 'smith']): one in common is
    evidence when one record has the hyphenated name and the other one half of it."""
    return sorted({w for w in name_tokens(family_name) if len(w) > 1})

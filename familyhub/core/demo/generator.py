"""Synthetic families, reproducible from a seed, as plain rows ready for a bulk insert.

Same seed, same reference data and same `today` give the same rows, byte for byte: every random
choice comes from one `random.Random(seed)` and names from Faker pools seeded the same way.

Rows are tuples in the column order of the *_COLS lists below. Ids are local to a chunk (0, 1, 2,
... per table); the writer swaps them for real ids. Dates are ISO strings and UUIDs 32-digit hex,
which both SQLite (as Django stores them) and PostgreSQL accept as they are.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from familyhub.core.demo.pools import (
    ADDITIONAL_NEEDS,
    GP_PRACTICES,
    HOUSEHOLD_NOTES,
    NamePool,
    Pools,
    Weighted,
    build_pools,
    nhs_numbers_999,
)
from familyhub.core.demo.reference import Reference, WardInfo
from familyhub.people import choices as c
from familyhub.people.search_keys import normalise_name, person_search_fields

HOUSEHOLD_COLS = ["id", "uuid", "name", "phone", "notes"]
ADDRESS_COLS = [
    "id",
    "uuid",
    "household_id",
    "line1",
    "line2",
    "town",
    "postcode",
    "postcode_key",
    "ward_id",
    "valid_from",
    "valid_to",
]
PERSON_COLS = [
    "id",
    "uuid",
    "given_name",
    "family_name",
    "middle_names",
    "date_of_birth",
    "is_unborn",
    "expected_date_of_delivery",
    "sex",
    "gender",
    "phone",
    "email",
    "nhs_number",
    "gp_practice",
    "main_language",
    "other_languages",
    "interpreter_needed",
    "relationship_status",
    "employment_status",
    "education_status",
    "housing_status",
    "ethnicity_id",
    "religion",
    "sexual_orientation",
    "disability",
    "additional_needs",
    "search_name",
    "given_key",
    "family_key",
    "given_sound",
    "family_sound",
    "log_key",
]
MEMBERSHIP_COLS = [
    "id",
    "uuid",
    "household_id",
    "person_id",
    "role",
    "lives_here",
    "joined_on",
    "left_on",
]
RELATIONSHIP_COLS = [
    "id",
    "uuid",
    "from_person_id",
    "to_person_id",
    "kind",
    "parental_responsibility",
    "ended_on",
]
ALLOCATION_COLS = [
    "id",
    "uuid",
    "household_id",
    "organisation_id",
    "team_id",
    "worker_id",
    "started_on",
    "ended_on",
]

# Index of the columns holding a chunk-local id, and which table each points into.
LOCAL_IDS = {
    "household": [(0, "household")],
    "person": [(0, "person")],
    "address": [(0, "address"), (2, "household")],
    "membership": [(0, "membership"), (2, "household"), (3, "person")],
    "relationship": [(0, "relationship"), (2, "person"), (3, "person")],
    "allocation": [(0, "allocation"), (2, "household")],
}
TABLE_ORDER = ("household", "person", "address", "membership", "relationship", "allocation")
TABLE_COLS = {
    "household": HOUSEHOLD_COLS,
    "person": PERSON_COLS,
    "address": ADDRESS_COLS,
    "membership": MEMBERSHIP_COLS,
    "relationship": RELATIONSHIP_COLS,
    "allocation": ALLOCATION_COLS,
}

_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_UUID_SET = (0x8000 << 48) | (4 << 76)

S, G, RS, ES, ED, HS, RE, SO, YN = (
    c.Sex,
    c.Gender,
    c.RelationshipStatus,
    c.EmploymentStatus,
    c.EducationStatus,
    c.HousingStatus,
    c.Religion,
    c.SexualOrientation,
    c.YesNoAnswer,
)
ROLE, KIND = c.MemberRole, c.RelationshipKind
NOT_ASKED = c.NOT_ASKED
PREFER_NOT = c.PREFER_NOT


@dataclass(frozen=True)
class Group:
    """A cultural background: which names, ethnic groups, languages and religions are likely."""

    name: str
    pool: str
    ethnicity: Weighted[str]
    language: Weighted[str]
    religion: Weighted[str]


def _religion(**w: float) -> Weighted[str]:
    base: dict[str, float] = {PREFER_NOT: 3, NOT_ASKED: 10}
    base.update(w)
    return Weighted(base)


# Loosely Nottingham-shaped (Census 2021), for a demo: not a statistical model.
GROUPS = Weighted(
    [
        (
            Group(
                "british",
                "gb",
                Weighted({"ons-13": 1}),
                Weighted({"English": 1}),
                _religion(none=45, christian=40, other=2),
            ),
            52,
        ),
        (
            Group(
                "mixed",
                "gb",
                Weighted({"ons-9": 2, "ons-10": 2, "ons-11": 4, "ons-12": 2}),
                Weighted({"English": 1}),
                _religion(none=45, christian=30, muslim=8, other=2),
            ),
            7,
        ),
        (
            Group(
                "caribbean",
                "gb",
                Weighted({"ons-7": 1}),
                Weighted({"English": 1}),
                _religion(christian=55, none=30, other=3),
            ),
            4,
        ),
        (
            Group(
                "african",
                "gb",
                Weighted({"ons-6": 1}),
                Weighted({"English": 85, "Arabic": 15}),
                _religion(christian=60, muslim=25, none=5),
            ),
            6,
        ),
        (
            Group(
                "other_white",
                "gb",
                Weighted({"ons-14": 2, "ons-17": 3, "ons-15": 1}),
                Weighted({"English": 1}),
                _religion(christian=55, none=35),
            ),
            3,
        ),
        (
            Group(
                "polish",
                "pl",
                Weighted({"ons-17": 1}),
                Weighted({"Polish": 75, "English": 25}),
                _religion(christian=75, none=15),
            ),
            5,
        ),
        (
            Group(
                "romanian",
                "ro",
                Weighted({"ons-17": 3, "ons-16": 1}),
                Weighted({"Romanian": 75, "English": 25}),
                _religion(christian=80, none=8),
            ),
            3,
        ),
        (
            Group(
                "pakistani",
                "pk",
                Weighted({"ons-4": 1}),
                Weighted({"Urdu": 35, "Punjabi": 15, "English": 50}),
                _religion(muslim=90, none=2),
            ),
            8,
        ),
        (
            Group(
                "indian",
                "in",
                Weighted({"ons-3": 1}),
                Weighted({"Punjabi": 40, "English": 60}),
                _religion(sikh=45, hindu=35, muslim=10, none=5),
            ),
            4,
        ),
        (
            Group(
                "other_asian",
                "in",
                Weighted({"ons-1": 1, "ons-5": 1}),
                Weighted({"English": 1}),
                _religion(muslim=50, hindu=20, buddhist=10, none=10),
            ),
            2,
        ),
        (
            Group(
                "arab_kurdish",
                "ar",
                Weighted({"ons-18": 2, "ons-19": 1}),
                Weighted({"Arabic": 55, "Kurdish": 30, "English": 15}),
                _religion(muslim=85, none=5),
            ),
            4,
        ),
        (
            Group(
                "chinese_other",
                "gb",
                Weighted({"ons-2": 1, "ons-19": 1}),
                Weighted({"English": 1}),
                _religion(none=55, christian=20, buddhist=15),
            ),
            2,
        ),
    ]
)

HOUSEHOLD_KINDS = Weighted(
    {
        "couple": 40,
        "single": 25,
        "apart": 10,
        "step": 5,
        "extended": 10,
        "expecting": 10,
    }
)
GENDER_FEMALE = Weighted({G.WOMAN: 85, NOT_ASKED: 12, PREFER_NOT: 2, G.NON_BINARY: 1})
GENDER_MALE = Weighted({G.MAN: 85, NOT_ASKED: 12, PREFER_NOT: 2, G.NON_BINARY: 1})
EMPLOYMENT = Weighted(
    {
        ES.EMPLOYED: 42,
        ES.SELF_EMPLOYED: 6,
        ES.UNEMPLOYED: 8,
        ES.NOT_LOOKING: 10,
        ES.PARENTAL_LEAVE: 10,
        ES.STUDENT: 4,
        ES.UNABLE: 3,
        PREFER_NOT: 2,
        NOT_ASKED: 15,
    }
)
EDUCATION = Weighted(
    {
        ED.NONE: 8,
        ED.GCSE: 30,
        ED.A_LEVEL: 22,
        ED.DEGREE: 22,
        ED.IN_EDUCATION: 3,
        PREFER_NOT: 2,
        NOT_ASKED: 13,
    }
)
HOUSING = Weighted(
    {
        HS.OWNER: 22,
        HS.SOCIAL_RENT: 30,
        HS.PRIVATE_RENT: 30,
        HS.WITH_FAMILY: 8,
        HS.TEMPORARY: 3,
        HS.HOMELESS: 0.5,
        PREFER_NOT: 1.5,
        NOT_ASKED: 5,
    }
)
ORIENTATION = Weighted(
    {NOT_ASKED: 60, SO.STRAIGHT: 33, SO.GAY_LESBIAN: 1.5, SO.BISEXUAL: 1.5, PREFER_NOT: 4}
)
DISABILITY_ADULT = Weighted({NOT_ASKED: 50, YN.NO: 42, YN.YES: 5, PREFER_NOT: 3})
DISABILITY_CHILD = Weighted({NOT_ASKED: 60, YN.NO: 34, YN.YES: 6})
CHILDREN = Weighted({1: 50, 2: 35, 3: 12, 4: 3})

MOBILES = tuple(f"07700 900{i:03d}" for i in range(1000))  # Ofcom drama numbers
LANDLINES = tuple(f"0115 496 0{i:03d}" for i in range(1000))
EMAIL_DOMAINS = ("example.com", "example.org")
YEAR = 365

# Names repeat (pools of a few thousand), so the keys of a (given, family) pair are worked out once.
_search_fields = functools.lru_cache(maxsize=1 << 18)(person_search_fields)


@dataclass
class Chunk:
    """Rows for a batch of whole families; ids are local to the chunk."""

    household: list[tuple] = field(default_factory=list)
    person: list[tuple] = field(default_factory=list)
    address: list[tuple] = field(default_factory=list)
    membership: list[tuple] = field(default_factory=list)
    relationship: list[tuple] = field(default_factory=list)
    allocation: list[tuple] = field(default_factory=list)
    families: int = 0

    def rows(self, table: str) -> list[tuple]:
        return getattr(self, table)

    def counts(self) -> dict[str, int]:
        return {t: len(self.rows(t)) for t in TABLE_ORDER}


class FamilyGenerator:
    """Yields `Chunk`s of families; `chunks()` may be called once per generator."""

    def __init__(
        self, seed: int, reference: Reference, *, today: date, pools: Pools | None = None
    ) -> None:
        self.seed = seed
        self.ref = reference
        self.today = today
        self.rng = random.Random(seed)
        self.pools = pools or build_pools(
            seed, [(w.code, w.outward, w.weight) for w in reference.wards]
        )
        self.wards = Weighted([(w, w.weight) for w in reference.wards])
        # Day n before (or after) today, as ISO text: a list lookup instead of date arithmetic.
        self.past = [(today - timedelta(days=n)).isoformat() for n in range(100 * YEAR)]
        self.future = [(today + timedelta(days=n)).isoformat() for n in range(400)]
        self.nhs = nhs_numbers_999((seed * 7919) % 1_000_000)
        self.eth_prefer = reference.ethnicity.get("prefer-not-to-say")
        self._slugs: dict[str, str] = {}
        self.families = 0
        self.people = 0

    # -- small helpers -------------------------------------------------------------------------

    def _uuid(self) -> str:
        """Same value as uuid.UUID(int=rng.getrandbits(128), version=4).hex, built faster."""
        return "%032x" % ((self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET)

    def _nhs(self) -> str:
        return next(self.nhs, "")

    def _slug(self, name: str) -> str:
        s = self._slugs.get(name)
        if s is None:
            s = self._slugs[name] = normalise_name(name).replace(" ", "") or "parent"
        return s

    def _surname(self, pool: NamePool) -> str:
        rng = self.rng
        name = pool.family[int(rng.random() * len(pool.family))]
        if rng.random() < 0.03:  # double-barrelled
            name = f"{name}-{pool.family[int(rng.random() * len(pool.family))]}"
        return name

    def _given(self, pool: NamePool, sex: str) -> str:
        names = pool.female if sex == S.FEMALE else pool.male
        return names[int(self.rng.random() * len(names))]

    # -- people --------------------------------------------------------------------------------

    def _adult(
        self,
        ch: Chunk,
        *,
        sex: str,
        family: str,
        pool: NamePool,
        group: Group,
        age_days: int,
        status: str,
        housing: str,
        gp: str,
        resident: bool = True,
    ) -> int:
        rng = self.rng
        rand = rng.random
        given = self._given(pool, sex)
        middle = self._given(pool, sex) if rand() < 0.25 else ""
        lang = group.language.pick(rand())
        if lang != "English":
            other = "English" if rand() < 0.6 else ""
            interpreter = rand() < 0.35
        else:
            group_lang = group.language.items[0]
            other = group_lang if group_lang != "English" and rand() < 0.4 else ""
            interpreter = False
        r = rand()
        if r < 0.08:
            ethnicity = self.eth_prefer
        elif r < 0.18:
            ethnicity = None  # not asked
        else:
            ethnicity = self.ref.ethnicity.get(group.ethnicity.pick(rand()))
        phone = MOBILES[int(rand() * 1000)] if rand() < 0.9 else ""
        email = (
            (
                f"{self._slug(given)}.{self._slug(family)}{int(rand() * 1000)}@"
                f"{EMAIL_DOMAINS[int(rand() * 2)]}"
            )
            if rand() < 0.65
            else ""
        )
        keys = _search_fields(given, family)
        pid = len(ch.person)
        age_days = max(16 * YEAR, min(age_days, len(self.past) - 1))
        ch.person.append(
            (
                pid,
                self._uuid(),
                given,
                family,
                middle,
                self.past[age_days],
                False,
                None,
                sex,
                (GENDER_FEMALE if sex == S.FEMALE else GENDER_MALE).pick(rand()),
                phone,
                email,
                self._nhs() if rand() < 0.85 else "",
                gp if rand() < 0.95 else "",
                lang,
                other,
                interpreter,
                status,
                EMPLOYMENT.pick(rand()),
                EDUCATION.pick(rand()),
                housing if resident else NOT_ASKED,
                ethnicity,
                group.religion.pick(rand()),
                ORIENTATION.pick(rand()),
                DISABILITY_ADULT.pick(rand()),
                "",
                keys["search_name"],
                keys["given_key"],
                keys["family_key"],
                keys["given_sound"],
                keys["family_sound"],
                self._uuid(),
            )
        )
        return pid

    def _child(
        self, ch: Chunk, *, family: str, pool: NamePool, age_days: int, mother: tuple
    ) -> int:
        rand = self.rng.random
        sex = S.FEMALE if rand() < 0.49 else S.MALE
        given = self._given(pool, sex)
        middle = self._given(pool, sex) if rand() < 0.5 else ""
        if age_days < 2 * YEAR:
            education = ED.NOT_APPLICABLE
        elif age_days < 5 * YEAR:
            education = ED.EARLY_YEARS if rand() < 0.7 else ED.NOT_APPLICABLE
        else:
            education = ED.IN_EDUCATION
        disability = DISABILITY_CHILD.pick(rand())
        needs = (
            ADDITIONAL_NEEDS[int(rand() * len(ADDITIONAL_NEEDS))]
            if disability == YN.YES and rand() < 0.7
            else ""
        )
        keys = _search_fields(given, family)
        pid = len(ch.person)
        ch.person.append(
            (
                pid,
                self._uuid(),
                given,
                family,
                middle,
                self.past[age_days],
                False,
                None,
                sex,
                NOT_ASKED,
                "",
                "",
                self._nhs() if rand() < 0.85 else "",
                mother[13],
                mother[14],
                "",
                False,
                NOT_ASKED,
                ES.NOT_APPLICABLE,
                education,
                NOT_ASKED,
                mother[21],
                mother[22] if rand() < 0.8 else NOT_ASKED,
                NOT_ASKED,
                disability,
                needs,
                keys["search_name"],
                keys["given_key"],
                keys["family_key"],
                keys["given_sound"],
                keys["family_sound"],
                self._uuid(),
            )
        )
        return pid

    def _unborn(self, ch: Chunk, *, family: str, due_in_days: int, mother: tuple) -> int:
        keys = _search_fields("", family)
        pid = len(ch.person)
        ch.person.append(
            (
                pid,
                self._uuid(),
                "",
                family,
                "",
                None,
                True,
                self.future[due_in_days],
                S.NOT_YET_KNOWN,
                NOT_ASKED,
                "",
                "",
                "",
                "",
                mother[14],
                "",
                False,
                NOT_ASKED,
                ES.NOT_APPLICABLE,
                ED.NOT_APPLICABLE,
                NOT_ASKED,
                None,
                NOT_ASKED,
                NOT_ASKED,
                NOT_ASKED,
                "",
                keys["search_name"],
                keys["given_key"],
                keys["family_key"],
                keys["given_sound"],
                keys["family_sound"],
                self._uuid(),
            )
        )
        return pid

    # -- households ----------------------------------------------------------------------------

    def _household_row(self, ch: Chunk, name: str) -> int:
        rand = self.rng.random
        hid = len(ch.household)
        phone = LANDLINES[int(rand() * 1000)] if rand() < 0.25 else ""
        notes = HOUSEHOLD_NOTES[int(rand() * len(HOUSEHOLD_NOTES))] if rand() < 0.08 else ""
        ch.household.append((hid, self._uuid(), name, phone, notes))
        return hid

    def _address(
        self, ch: Chunk, hid: int, ward: WardInfo, valid_from: int, valid_to: int | None
    ) -> None:
        rand = self.rng.random
        line1, line2 = self.pools.streets[int(rand() * len(self.pools.streets))]
        codes = self.pools.postcodes[ward.code]
        postcode = codes[int(rand() * len(codes))]
        ch.address.append(
            (
                len(ch.address),
                self._uuid(),
                hid,
                line1,
                line2,
                "Nottingham",
                postcode,
                postcode.replace(" ", ""),
                ward.id,
                self.past[valid_from],
                None if valid_to is None else self.past[valid_to],
            )
        )

    def _place(self, ch: Chunk, hid: int, *, infant: bool, started: int) -> WardInfo:
        """Current address (and sometimes a previous one) and the allocation to the ward's org."""
        rand = self.rng.random
        ward = self.wards.pick(rand())
        moved_in = started + int(rand() * 6 * YEAR)
        if rand() < 0.10:
            previous = self.wards.pick(rand())
            self._address(ch, hid, previous, moved_in + 30 + int(rand() * 5 * YEAR), moved_in + 1)
        self._address(ch, hid, ward, moved_in, None)
        team = ward.infant_team_id if infant else ward.general_team_id
        workers = ward.infant_workers if infant else ward.general_workers
        worker = workers[int(rand() * len(workers))] if workers else None
        ch.allocation.append(
            (
                len(ch.allocation),
                self._uuid(),
                hid,
                ward.org_id,
                team,
                worker,
                self.past[started],
                None,
            )
        )
        return ward

    def _member(
        self, ch: Chunk, hid: int, pid: int, role: str, joined: str, lives_here: bool = True
    ) -> None:
        ch.membership.append(
            (len(ch.membership), self._uuid(), hid, pid, role, lives_here, joined, None)
        )

    def _rel(self, ch: Chunk, a: int, b: int, kind: str, pr: bool = False) -> None:
        ch.relationship.append((len(ch.relationship), self._uuid(), a, b, kind, pr, None))

    def _family(self, ch: Chunk) -> None:
        rng = self.rng
        rand = rng.random
        group = GROUPS.pick(rand())
        pool = self.pools.names[group.pool]
        kind = HOUSEHOLD_KINDS.pick(rand())
        housing = HOUSING.pick(rand())
        gp = GP_PRACTICES[int(rand() * len(GP_PRACTICES))]

        n_children = 0 if kind == "expecting" else CHILDREN.pick(rand())
        ages: list[int] = []
        age = int(rand() * 5 * YEAR)
        for _ in range(n_children):
            ages.append(age)
            age += YEAR + int(rand() * 3 * YEAR)
        unborn = kind == "expecting" or rand() < 0.06
        due = 7 + int(rand() * 204) if unborn else 0  # 1 to 30 weeks away
        oldest_years = ages[-1] // YEAR if ages else 0
        mother_age = (oldest_years + min(45, max(17, int(rng.gauss(28, 5.5))))) * YEAR + int(
            rand() * YEAR
        )
        partner_age = mother_age + int(rng.gauss(2.5, 4) * YEAR)
        partner_age = max(18 * YEAR, min(partner_age, 65 * YEAR))
        infant = unborn or (bool(ages) and ages[0] < YEAR)
        started = int(rand() * (210 if kind == "expecting" else 2 * YEAR))
        joined = self.past[started]

        single_father = kind == "single" and rand() < 0.1
        mother_family = self._surname(pool)
        together = kind in ("couple", "step", "extended") or (kind == "expecting" and rand() < 0.6)
        if kind == "extended" and rand() < 0.4:
            together = False
        partner_family = mother_family if together and rand() < 0.55 else self._surname(pool)
        if kind == "step":
            bio_family = self._surname(pool) if rand() < 0.5 else mother_family
            child_family = bio_family
        elif (
            kind in ("couple", "apart", "extended", "expecting") and partner_family != mother_family
        ):
            r = rand()
            child_family = (
                partner_family
                if r < 0.6
                else mother_family
                if r < 0.9
                else f"{partner_family}-{mother_family}"
            )
        else:
            child_family = partner_family if single_father else mother_family
        main_family = partner_family if single_father else mother_family

        hid = self._household_row(ch, f"{main_family} family")
        self._place(ch, hid, infant=infant, started=started)

        if together:
            status: str = RS.MARRIED if partner_family == mother_family else RS.COHABITING
        elif kind == "apart":
            status = RS.SEPARATED if rand() < 0.6 else RS.PARTNER_NOT_LIVING
        else:
            status = RS.SINGLE if rand() < 0.7 else RS.SEPARATED
        if rand() < 0.08:
            status = NOT_ASKED if rand() < 0.7 else PREFER_NOT

        parents: list[tuple[int, str, bool]] = []  # (person id, relationship kind, parental resp.)
        main = mother = None
        if not single_father:
            main = mother = self._adult(
                ch,
                sex=S.FEMALE,
                family=mother_family,
                pool=pool,
                group=group,
                age_days=mother_age,
                status=status,
                housing=housing,
                gp=gp,
            )
            self._member(ch, hid, mother, ROLE.PARENT_CARER, joined)
            parents.append((mother, KIND.MOTHER, True))
        partner = None
        if together or single_father or kind == "apart":
            partner = self._adult(
                ch,
                sex=S.MALE,
                family=partner_family,
                pool=pool,
                group=group,
                age_days=partner_age,
                status=status,
                housing=housing,
                gp=gp,
                resident=kind != "apart",
            )
            main = main if main is not None else partner
            self._member(ch, hid, partner, ROLE.PARENT_CARER, joined, lives_here=kind != "apart")
            parents.append(
                (partner, KIND.STEP_PARENT if kind == "step" else KIND.FATHER, kind != "step")
            )
            if mother is not None:
                self._rel(
                    ch, mother, partner, KIND.FORMER_PARTNER if kind == "apart" else KIND.PARTNER
                )
        assert main is not None  # every family has at least one adult
        main_row = ch.person[main]

        children: list[int] = []
        for a in reversed(ages):  # oldest first
            pid = self._child(ch, family=child_family, pool=pool, age_days=a, mother=main_row)
            self._member(ch, hid, pid, ROLE.CHILD, joined)
            children.append(pid)
        if unborn:
            pid = self._unborn(ch, family=child_family, due_in_days=due, mother=main_row)
            self._member(ch, hid, pid, ROLE.CHILD, joined)
            children.append(pid)
        for parent, rel_kind, pr in parents:
            for child in children:
                self._rel(ch, parent, child, rel_kind, pr)
        for i, a in enumerate(children):
            for b in children[i + 1 :]:
                self._rel(ch, a, b, KIND.SIBLING)

        if kind == "extended":  # a grandparent lives with the family
            gran = self._adult(
                ch,
                sex=S.FEMALE if rand() < 0.7 else S.MALE,
                family=main_row[3],
                pool=pool,
                group=group,
                age_days=mother_age + (20 + int(rand() * 12)) * YEAR,
                status=RS.WIDOWED if rand() < 0.3 else NOT_ASKED,
                housing=housing,
                gp=gp,
            )
            self._member(ch, hid, gran, ROLE.OTHER_MEMBER, joined)
            for child in children:
                self._rel(ch, gran, child, KIND.GRANDPARENT)
        if rand() < 0.30:  # emergency contact
            if rand() < 0.65:
                ec = self._adult(
                    ch,
                    sex=S.FEMALE if rand() < 0.75 else S.MALE,
                    family=main_row[3] if rand() < 0.6 else self._surname(pool),
                    pool=pool,
                    group=group,
                    age_days=mother_age + (20 + int(rand() * 14)) * YEAR,
                    status=NOT_ASKED,
                    housing=NOT_ASKED,
                    gp="",
                    resident=False,
                )
                for child in children:
                    self._rel(ch, ec, child, KIND.GRANDPARENT)
            else:
                ec = self._adult(
                    ch,
                    sex=S.FEMALE if rand() < 0.6 else S.MALE,
                    family=self._surname(pool),
                    pool=pool,
                    group=group,
                    age_days=mother_age + int(rng.gauss(0, 4) * YEAR),
                    status=NOT_ASKED,
                    housing=NOT_ASKED,
                    gp="",
                    resident=False,
                )
                self._rel(ch, ec, main, KIND.FRIEND)
            self._member(ch, hid, ec, ROLE.EMERGENCY_CONTACT, joined, lives_here=False)

        if kind == "apart" and partner is not None and rand() < 0.4:
            # The father's own household, allocated to whoever serves his ward.
            own = self._household_row(ch, f"{partner_family} household")
            self._place(ch, own, infant=False, started=int(rand() * 2 * YEAR))
            self._member(ch, own, partner, ROLE.PARENT_CARER, joined)

    # -- the stream ----------------------------------------------------------------------------

    def chunks(
        self, *, families: int | None = None, people: int | None = None, batch: int = 5000
    ) -> Iterator[Chunk]:
        """Whole families until `families` (or at least `people`) are made, `batch` families a chunk."""
        if families is None and people is None:
            raise ValueError("Give families or people")
        ch = Chunk()
        while (families is None or self.families < families) and (
            people is None or self.people < people
        ):
            before = len(ch.person)
            self._family(ch)
            self.families += 1
            ch.families += 1
            self.people += len(ch.person) - before
            if ch.families >= batch:
                yield ch
                ch = Chunk()
        if ch.household:
            yield ch

"""Examples shown in the OpenAPI schema and the docs page (R-IMPORT-2). Synthetic data only: the
names are made up and NHS numbers are from the 999 test range. A list's example is one row; the
schema wraps it in a page (`count`, `next`, `previous`, `results`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

JONES = "3f0c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
CARYS = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
BABY = "0b5e8a2c-3d4f-4e6a-8b9c-1d2e3f4a5b6c"
LEAD_ORG = "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f"
PARTNER_ORG = "1e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
WHEN = "2026-11-27T10:30:00Z"
SERVICE = {"code": "family-mentor-service", "name": "Family Mentor Service"}
LEAD = {"id": LEAD_ORG, "name": "Small Steps Big Changes"}
PARTNER = {"id": PARTNER_ORG, "name": "Nottinghamshire Healthcare NHS Foundation Trust"}

_ADDRESS = {
    "line1": "2 Test Road",
    "line2": "",
    "town": "Nottingham",
    "postcode": "NG7 5HY",
    "ward": "E05012275",
    "ward_name": "Hyson Green & Arboretum",
    "valid_from": "2026-11-20",
}
_CARYS_SUMMARY = {
    "id": CARYS,
    "version": 1,
    "display_name": "Carys Jones",
    "given_name": "Carys",
    "family_name": "Jones",
    "known_as": "",
    "date_of_birth": "1992-03-04",
    "is_unborn": False,
    "expected_date_of_delivery": None,
    "sex": "female",
    "nhs_number": "9990000026",
}
_HOUSEHOLD = {
    "id": JONES,
    "version": 1,
    "name": "Jones family",
    "phone": "01154960000",
    "notes": "",
    "address": _ADDRESS,
    "organisations": ["Small Steps Big Changes"],
    "members": [
        {
            "person": _CARYS_SUMMARY,
            "role": "parent_carer",
            "lives_here": True,
            "joined_on": None,
            "left_on": None,
        }
    ],
    "created_at": "2026-11-20T09:12:00Z",
    "updated_at": "2026-11-20T09:12:00Z",
}

HOUSEHOLD_CREATE = OpenApiExample(
    "A mother and her unborn baby",
    request_only=True,
    value={
        "name": "Jones family",
        "phone": "0115 496 0000",
        "address": {"line1": "2 Test Road", "postcode": "NG7 5HY", "ward": "E05012275"},
        "members": [
            {
                "role": "parent_carer",
                "person": {
                    "given_name": "Carys",
                    "family_name": "Jones",
                    "date_of_birth": "1992-03-04",
                    "nhs_number": "999 000 0026",
                },
            },
            {
                "role": "child",
                "person": {
                    "family_name": "Jones",
                    "is_unborn": True,
                    "expected_date_of_delivery": "2027-01-09",
                },
            },
        ],
        "relationships": [{"from": 0, "to": 1, "kind": "mother", "parental_responsibility": True}],
    },
)
HOUSEHOLDS_PAGE = OpenApiExample("A family", response_only=True, value=_HOUSEHOLD)
HOUSEHOLD = OpenApiExample(
    "A family, with the relationships between its members",
    response_only=True,
    value={**_HOUSEHOLD, "relationships": []},
)
HOUSEHOLD_UPDATE = OpenApiExample(
    "A new phone number", request_only=True, value={"version": 1, "phone": "0115 496 0999"}
)
HOUSEHOLD_MOVE = OpenApiExample(
    "Moved across the ward",
    request_only=True,
    value={
        "address": {"line1": "14 Example Street", "postcode": "NG7 6AB"},
        "moved_on": "2026-11-25",
        "reason": "Told us at Stay and Play",
    },
)
MEMBER_ADD = OpenApiExample(
    "A new partner joins the family",
    request_only=True,
    value={
        "role": "parent_carer",
        "person": {"given_name": "Rhys", "family_name": "Jones", "date_of_birth": "1990-07-15"},
    },
)
MEMBER_UPDATE = OpenApiExample(
    "A parent moved out but stays in the family",
    request_only=True,
    value={"version": 3, "lives_here": False, "reason": "Parents separated; told us at the visit"},
)
_PERSON = {
    **_CARYS_SUMMARY,
    "identifiers": [{"scheme": "early_help", "value": "EH-20417"}],
    "households": [
        {"id": JONES, "name": "Jones family", "role": "parent_carer", "lives_here": True}
    ],
    "disputed": True,
    "created_at": "2026-11-20T09:12:00Z",
    "updated_at": "2026-11-20T09:12:00Z",
}
PEOPLE_PAGE = OpenApiExample("A person", response_only=True, value=_PERSON)
ACCURACY_CHALLENGE = OpenApiExample(
    "Carys says her date of birth is wrong; it was checked and not corrected",
    response_only=True,
    value={
        "id": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
        "target": "field",
        "field_name": "date_of_birth",
        "field_label": "date of birth",
        "contact": None,
        "outcome_record": None,
        "statement": "I was born on the 4th of March, not the 3rd.",
        "received_on": "2026-11-23",
        "outcome": "not_corrected",
        "outcome_reason": "The birth certificate seen at registration gives the 3rd of March.",
        "decided_at": "2026-11-27T14:05:00Z",
        "disputed": True,
        "created_at": "2026-11-23T11:20:00Z",
        "updated_at": "2026-11-27T14:05:00Z",
    },
)
PERSON = OpenApiExample("A person", response_only=True, value=_PERSON)
PERSON_UPDATE = OpenApiExample(
    "Known as Cari",
    request_only=True,
    value={"version": 1, "known_as": "Cari", "reason": "Asked at the visit"},
)
BIRTH = OpenApiExample(
    "Born on 5 January",
    request_only=True,
    value={"version": 1, "date_of_birth": "2027-01-05", "given_name": "Mali", "sex": "female"},
)
RELATIONSHIP_CREATE = OpenApiExample(
    "A mother with parental responsibility",
    request_only=True,
    value={"from": CARYS, "to": BABY, "kind": "mother", "parental_responsibility": True},
)
RELATIONSHIP = OpenApiExample(
    "A mother",
    response_only=True,
    value={
        "id": "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "from": {"id": CARYS, "display_name": "Carys Jones"},
        "to": {"id": BABY, "display_name": "Unborn baby Jones"},
        "kind": "mother",
        "parental_responsibility": True,
        "ended_on": None,
    },
)

# --- sessions and attendance -----------------------------------------------------------------------

_SESSION = {
    "id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
    "version": 1,
    "service": {"code": "cook-and-play", "name": "Cook and Play"},
    "title": "Cook and Play",
    "date": "2026-12-02",
    "start_time": "10:00",
    "end_time": "11:30",
    "venue": "Hyson Green Children's Centre",
    "ward": "E05012275",
    "organisation": LEAD,
    "capacity": 12,
    "cancelled": False,
    "cancel_reason": "",
    "created_at": "2026-11-01T08:00:00Z",
    "updated_at": "2026-11-01T08:00:00Z",
}
SESSIONS_PAGE = OpenApiExample("A weekly group session", response_only=True, value=_SESSION)
SESSION = OpenApiExample("A weekly group session", response_only=True, value=_SESSION)
_ATTENDANCE = {
    "id": "4d5e6f70-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
    "person": {"id": CARYS, "display_name": "Carys Jones"},
    "present": True,
    "as_child": False,
    "recorded_at": "2026-12-02T10:04:00Z",
    "updated_at": "2026-12-02T10:04:00Z",
}
ATTENDANCE_PAGE = OpenApiExample("At the session", response_only=True, value=_ATTENDANCE)
ATTENDANCE = OpenApiExample("Recorded as present", response_only=True, value=_ATTENDANCE)
ATTENDANCE_IN = OpenApiExample(
    "Carys came",
    request_only=True,
    value={"person": CARYS, "present": True, "at": "2026-12-02T10:04:00Z"},
)

# --- contacts, referrals, outcomes -----------------------------------------------------------------

_CONTACT = {
    "id": "6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c",
    "household": JONES,
    "person": {"id": CARYS, "display_name": "Carys Jones"},
    "kind": "home_visit",
    "status": "done",
    "occurred_at": WHEN,
    "duration_minutes": 60,
    "organisation": LEAD,
    "service": SERVICE,
    "worker": "Sam Example",
    "notes": "Talked about sleep routines.",
    "cancelled_reason": "",
    "created_at": "2026-11-27T12:00:00Z",
    "updated_at": "2026-11-27T12:00:00Z",
}
CONTACTS_PAGE = OpenApiExample("A home visit", response_only=True, value=_CONTACT)
CONTACT = OpenApiExample("A home visit", response_only=True, value=_CONTACT)
CONTACT_IN = OpenApiExample(
    "An hour's home visit with Carys",
    request_only=True,
    value={
        "kind": "home_visit",
        "occurred_at": WHEN,
        "duration_minutes": 60,
        "person": CARYS,
        "service": "family-mentor-service",
        "notes": "Talked about sleep routines.",
    },
)
_REFERRAL = {
    "id": "8b9c0d1e-2f3a-4b4c-8d5e-6f7a8b9c0d1e",
    "kind": "referral",
    "status": "sent",
    "service": {"code": "hometalk", "name": "Hometalk"},
    "from_organisation": LEAD,
    "to_organisation": PARTNER,
    "referred_on": "2026-11-27",
    "household": JONES,
    "person": None,
    "reason": "Isolated since the move; would like a volunteer visitor.",
    "decided_at": None,
    "decision_reason": "",
    "created_at": "2026-11-27T12:05:00Z",
    "updated_at": "2026-11-27T12:05:00Z",
}
REFERRALS_PAGE = OpenApiExample(
    "A referral waiting for a decision", response_only=True, value=_REFERRAL
)
REFERRAL = OpenApiExample("A referral waiting for a decision", response_only=True, value=_REFERRAL)
REFERRAL_IN = OpenApiExample(
    "Refer the family to Hometalk, as Carys agreed",
    request_only=True,
    value={
        "service": "hometalk",
        "to_organisation": PARTNER_ORG,
        "reason": "Isolated since the move; would like a volunteer visitor.",
        "agreed_by": CARYS,
        "agreed_on": "2026-11-27",
        "agreement_method": "in_person",
    },
)
_OUTCOME_RECORD = {
    "id": "0d1e2f3a-4b5c-4d6e-8f7a-8b9c0d1e2f3a",
    "household": JONES,
    "person": None,
    "outcome": "family-hub/secure-housing",
    "outcome_name": "Secure housing",
    "kind": "goal",
    "description": "Get the damp in the back bedroom fixed",
    "service": SERVICE,
    "organisation": LEAD,
    "recorded_on": "2026-11-27",
    "closed_on": None,
    "created_at": "2026-11-27T12:10:00Z",
    "updated_at": "2026-11-27T12:10:00Z",
}
OUTCOME_RECORDS_PAGE = OpenApiExample("A goal", response_only=True, value=_OUTCOME_RECORD)
OUTCOME_RECORD = OpenApiExample("A goal", response_only=True, value=_OUTCOME_RECORD)
OUTCOME_RECORD_IN = OpenApiExample(
    "A goal about housing",
    request_only=True,
    value={
        "outcome": "family-hub/secure-housing",
        "kind": "goal",
        "description": "Get the damp in the back bedroom fixed",
        "service": "family-mentor-service",
    },
)
_OUTCOME_REVIEW = {
    "id": "2f3a4b5c-6d7e-4f8a-9b0c-1d2e3f4a5b6c",
    "household": JONES,
    "reviewed_on": "2026-11-27",
    "service": SERVICE,
    "organisation": LEAD,
    "with_family": "Carys",
    "scores": [{"outcome": "family-hub/secure-housing", "score": 2}],
    "notes": "",
    "created_at": "2026-11-27T12:15:00Z",
    "updated_at": "2026-11-27T12:15:00Z",
}
OUTCOME_REVIEWS_PAGE = OpenApiExample("A first review", response_only=True, value=_OUTCOME_REVIEW)
OUTCOME_REVIEW = OpenApiExample("A first review", response_only=True, value=_OUTCOME_REVIEW)
OUTCOME_REVIEW_IN = OpenApiExample(
    "Housing scored 2",
    request_only=True,
    value={
        "reviewed_on": "2026-11-27",
        "scores": [{"outcome": "family-hub/secure-housing", "score": 2}],
        "service": "family-mentor-service",
        "with_family": "Carys",
    },
)
REFERRAL_ACCEPT = OpenApiExample(
    "Take the family on, reviewing in six weeks",
    request_only=True,
    value={"single_point_of_contact": True, "review_due_on": "2027-01-08"},
)
REFERRAL_DECLINE = OpenApiExample(
    "Declined: outside the area",
    request_only=True,
    value={"reason": "The family lives outside the wards we serve; signposted to the city team."},
)
REFERRAL_WITHDRAW = OpenApiExample(
    "Withdrawn: the family changed its mind",
    request_only=True,
    value={"reason": "Carys phoned: she has found a group nearer home."},
)

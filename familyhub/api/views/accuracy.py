"""What a person says is wrong on their record (R-RIGHTS-1, R-IMPORT-2; UK GDPR Articles 16 and
18(1)(a); ADR 0027, ADR 0028): their challenges, current and decided, newest first, so that a
partner system reading the person can say that a detail is disputed when it shows or passes it on.

Read as the person is read: the person through `access.person_for` (scope in SQL, 404 alike for
missing and out of scope), then their challenges through `rights.selectors_accuracy.of_person`, as
the person page does; logged as a view of the person's challenges. Recorded and decided in the
staff pages only.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from familyhub.access import helpers as access
from familyhub.access import log
from familyhub.access.models import AccessLogEntry
from familyhub.api import examples as ex
from familyhub.api.pagination import Pagination
from familyhub.api.schema import PAGE_PARAMETERS, id_parameter, problems
from familyhub.api.serializers_accuracy import AccuracyChallengeOut
from familyhub.api.views.base import PeopleApiView
from familyhub.rights import selectors_accuracy


class PersonAccuracyChallengesView(PeopleApiView):
    pagination_class = Pagination

    @extend_schema(
        tags=["people"],
        operation_id="people_accuracy_challenges_list",
        summary="What the person says is wrong on their record",
        description=(
            "Their challenges to the accuracy of their record, newest first: still being checked, "
            "corrected, or not corrected (their statement then stays with the record). While a "
            "challenge is `disputed`, say that the data is disputed wherever you show or pass it "
            "on. A statement about a case note or a special-category detail, and the reason they "
            "were told, are null for roles without permission to see special-category data. "
            "Recorded and decided in the staff pages."
        ),
        parameters=[id_parameter("person"), *PAGE_PARAMETERS],
        responses={200: AccuracyChallengeOut(many=True), **problems(400, 401, 403, 404)},
        examples=[ex.ACCURACY_CHALLENGE],
    )
    def get(self, request: Request, id: str) -> Response:
        person = access.person_for(request.user, id, log_view=False)
        rows = selectors_accuracy.of_person(person)

        def shown(page: list[Any]) -> None:
            log.record(
                user=request.user,
                action=AccessLogEntry.Action.VIEW_PERSON,
                object_type="accuracy challenge",
                person_keys=[person.log_key],
                detail="api challenges to the accuracy of the record",
            )

        return self.paginated(rows, AccuracyChallengeOut, log=shown)

"""The import pages and the command (R-IMPORT-1): upload, match columns, progress, rejects file,
allowed and denied by role (the full matrix is in familyhub/core/tests)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from familyhub.engagement.models import Attendance
from familyhub.engagement.testing import a_session
from familyhub.imports.models import ColumnMapping, ImportBatch
from familyhub.imports.testing import csv_bytes, import_file

pytestmark = pytest.mark.django_db


def _file(data: bytes, name="register.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="text/csv")


def _register(personas):
    session = a_session(organisation=personas.lead)
    people = [m.person for m in personas.household.memberships.order_by("id")]
    return session, people


def test_upload_match_columns_run_and_download_rejects(
    personas, client_for, django_capture_on_commit_callbacks
):
    session, people = _register(personas)
    data = csv_bytes(
        [
            ["Sesh", "Person", "Attended"],
            [session.uuid, people[0].uuid, "yes"],
            [session.uuid, "nobody", "yes"],
        ]
    )
    client = client_for(personas.team_manager)
    r = client.post(reverse("imports:upload"), {"kind": "attendance", "file": _file(data)})
    batch = ImportBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("imports:mapping", args=[batch.uuid])
    page = client.get(r["Location"])
    assert b"Match the columns" in page.content
    # 'Sesh' is not recognised: the page says which field is missing and keeps what was chosen.
    r = client.post(r["Location"], {"person_id": "Person", "attended": "Attended"})
    assert r.status_code == 200 and b"session" in r.content.lower()
    assert b'<option value="Person" selected>' in r.content
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            reverse("imports:mapping", args=[batch.uuid]),
            {"session_id": "Sesh", "person_id": "Person", "attended": "Attended"},
        )
    assert r.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMPLETED
    assert (batch.rows_loaded, batch.rows_rejected) == (1, 1)
    assert Attendance.objects.filter(session=session).count() == 1
    detail = client.get(reverse("imports:batch_detail", args=[batch.uuid]))
    assert b"Rejected rows" in detail.content and b"is not a familyhub id" in detail.content
    progress = client.get(reverse("imports:progress", args=[batch.uuid]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    download = client.get(reverse("imports:rejects_csv", args=[batch.uuid]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Row", "Sesh", "Person", "Attended", "Problems"]
    assert rows[1][:3] == ["3", str(session.uuid), "nobody"] and "Person:" in rows[1][4]
    assert ColumnMapping.objects.get(organisation=personas.lead).mapping["session_id"] == "Sesh"
    # The same file again: refused, with a link to the earlier batch.
    again = client.post(reverse("imports:upload"), {"kind": "attendance", "file": _file(data)})
    assert again.status_code == 200
    assert reverse("imports:batch_detail", args=[batch.uuid]).encode() in again.content


def test_upload_errors_are_shown_at_the_field(personas, client_for):
    client = client_for(personas.team_manager)
    r = client.post(reverse("imports:upload"), {"kind": "attendance", "file": _file(b"")})
    assert r.status_code == 200 and b"govuk-error-summary" in r.content
    r = client.post(
        reverse("imports:upload"), {"kind": "attendance", "file": _file(b"a\n\x81\x8d\n")}
    )
    assert b"encoding could not be read" in r.content
    assert ImportBatch.objects.filter(status=ImportBatch.Status.FAILED).count() == 1


@pytest.mark.parametrize(
    "persona,status", [("team_manager", 200), ("admin", 200), ("practitioner", 403), ("dpo", 403)]
)
def test_who_may_import(personas, client_for, persona, status):
    assert (
        client_for(getattr(personas, persona)).get(reverse("imports:upload")).status_code == status
    )


def test_another_organisations_batch_is_not_found(personas, client_for):
    batch = ImportBatch.objects.create(
        kind="attendance",
        organisation=personas.partner,
        file_name="x.csv",
        file_format="csv",
        sha256="0",
    )
    r = client_for(personas.team_manager).get(reverse("imports:batch_detail", args=[batch.uuid]))
    assert r.status_code == 404


def test_list_page_query_count_is_bounded(personas, client_for, django_assert_max_num_queries):
    for i in range(30):
        ImportBatch.objects.create(
            kind="attendance",
            organisation=personas.lead,
            uploaded_by=personas.team_manager,
            file_name=f"f{i}.csv",
            file_format="csv",
            sha256=str(i),
        )
    client = client_for(personas.team_manager)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("imports:batch_list"))
    assert r.content.count(b"f2") >= 1


def test_command_imports_resumes_and_refuses_a_completed_file(personas, tmp_path):
    session, people = _register(personas)
    path = tmp_path / "march.csv"
    path.write_bytes(csv_bytes([["session", "person"], *[[session.uuid, p.uuid] for p in people]]))
    out = io.StringIO()
    call_command("import", "attendance", str(path), "--user", "manager", stdout=out)
    assert f"{len(people)} loaded" in out.getvalue()
    with pytest.raises(CommandError, match="was imported"):
        call_command("import", "attendance", str(path), "--user", "manager")
    with pytest.raises(CommandError, match="No active user"):
        call_command("import", "attendance", str(path), "--user", "nobody")


def test_command_mapping_option(personas, tmp_path):
    session, people = _register(personas)
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes([["S", "P"], [session.uuid, people[0].uuid]]))
    with pytest.raises(CommandError, match="Choose the column"):
        call_command("import_data", "attendance", str(path), "--user", "manager")
    # The refused mapping left the batch waiting for columns: naming them continues it.
    out = io.StringIO()
    call_command(
        "import_data",
        "attendance",
        str(path),
        "--user",
        "manager",
        "--mapping",
        "session_id=S,person_id=P",
        stdout=out,
    )
    assert "1 loaded" in out.getvalue()


def test_import_file_helper_runs(personas):
    session, people = _register(personas)
    batch = import_file(
        personas.team_manager,
        "attendance",
        csv_bytes([["session_id", "person_id"], [session.uuid, people[0].uuid]]),
    )
    assert batch.status == ImportBatch.Status.COMPLETED

from django.urls import path

from familyhub.sharing.views import agreements, disclosures, extracts, reach, reports

app_name = "sharing"

urlpatterns: list = [
    # The register of data sharing agreements (R-SHARE-1): the DPO and administrators.
    path("sharing/agreements/", agreements.agreement_list, name="agreement_list"),
    path("sharing/agreements/new/", agreements.agreement_new, name="agreement_new"),
    path(
        "sharing/agreements/<uuid:agreement_id>/",
        agreements.agreement_detail,
        name="agreement_detail",
    ),
    path(
        "sharing/agreements/<uuid:agreement_id>/edit/",
        agreements.agreement_edit,
        name="agreement_edit",
    ),
    path(
        "sharing/agreements/<uuid:agreement_id>/suspend/",
        agreements.agreement_suspend,
        name="agreement_suspend",
    ),
    path(
        "sharing/agreements/<uuid:agreement_id>/resume/",
        agreements.agreement_resume,
        name="agreement_resume",
    ),
    # Aggregate reports with disclosure control (R-SHARE-2, R-SHARE-7).
    path("sharing/reports/", reports.report_list, name="report_list"),
    path("sharing/reports/new/", reports.report_builder, name="report_builder"),
    path("sharing/reports/<uuid:output_id>/", reports.report_output, name="report_output"),
    path("sharing/reports/<uuid:output_id>/csv/", reports.report_csv, name="report_csv"),
    path("sharing/reports/<uuid:output_id>/xlsx/", reports.report_xlsx, name="report_xlsx"),
    path(
        "sharing/reports/<uuid:output_id>/sent/",
        reports.report_mark_sent,
        name="report_mark_sent",
    ),
    # Extracts (R-SHARE-3, R-SHARE-4) and the disclosure log (R-SHARE-5); ADR 0019.
    path("sharing/extracts/", extracts.extract_list, name="extract_list"),
    path("sharing/extracts/new/", extracts.extract_new, name="extract_new"),
    path("sharing/extracts/<uuid:output_id>/", extracts.extract_detail, name="extract_detail"),
    path(
        "sharing/extracts/<uuid:output_id>/file/",
        extracts.extract_download,
        name="extract_download",
    ),
    path("sharing/log/", disclosures.log_list, name="log_list"),
    path("sharing/log/csv/", disclosures.log_csv, name="log_csv"),
    path("sharing/log/new/", disclosures.log_new, name="log_new"),
    path("sharing/log/<uuid:disclosure_id>/", disclosures.log_detail, name="log_detail"),
    # Reach by ward and ethnic group (R-SHARE-6).
    path("sharing/reach/", reach.reach, name="reach"),
    path("sharing/reach/csv/", reach.reach_csv, name="reach_csv"),
]

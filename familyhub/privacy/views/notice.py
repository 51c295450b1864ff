"""The privacy notice: public pages for families (no sign-in) and the DPO's preview-and-publish
page (R-NOTICE-1, ADR 0014).

Public: /privacy-notice/ (the current version), /privacy-notice/versions/ (every version),
/privacy-notice/v<N>/ (one version as published) and /privacy-notice/changes/<a>/<b>/ (what changed
from version a to version b). They show only published notices, which hold no personal data.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from familyhub.access.roles import Capability
from familyhub.core.decorators import staff_view
from familyhub.core.errors import ConcurrentEdit, NotFound, ValidationFailed
from familyhub.core.http import posted
from familyhub.people.forms import apply_errors
from familyhub.privacy import notice, registers, selectors
from familyhub.privacy.models import PrivacyNotice


def _version(version: int) -> PrivacyNotice:
    try:
        return selectors.notice_by_version(version)
    except NotFound:
        raise Http404("There is no such version of the privacy notice.")


@require_GET
def notice_current(request: HttpRequest) -> HttpResponse:
    current = selectors.current_notice()
    return render(
        request,
        "privacy/notice_public.html",
        {"notice": current, "content": current.content if current else None, "is_current": True},
    )


@require_GET
def notice_version(request: HttpRequest, version: int) -> HttpResponse:
    shown = _version(version)
    current = selectors.current_notice()
    return render(
        request,
        "privacy/notice_public.html",
        {
            "notice": shown,
            "content": shown.content,
            "is_current": current is not None and current.pk == shown.pk,
            "current": current,
        },
    )


@require_GET
def notice_versions(request: HttpRequest) -> HttpResponse:
    return render(
        request, "privacy/notice_versions.html", {"versions": selectors.notice_versions()}
    )


@require_GET
def notice_changes(request: HttpRequest, a: int, b: int) -> HttpResponse:
    old, new = _version(a), _version(b)
    return render(
        request,
        "privacy/notice_changes.html",
        {"old": old, "new": new, "diff": notice.diff(old.content, new.content)},
    )


class PublishForm(forms.Form):
    summary = forms.CharField(
        required=False,
        label="What changed, in plain English",
        help_text="Families read this in the list of versions",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    summary.hide_optional = True  # type: ignore[attr-defined]  # the service requires it
    expected_version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": "The preview was incomplete: open this page again."},
    )
    expected_hash = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": "The preview was incomplete: open this page again."},
    )


def _preview() -> dict[str, Any]:
    current = selectors.current_notice()
    draft = notice.build_content()
    changes = notice.diff(current.content if current else None, draft)
    return {
        "current": current,
        "draft": draft,
        "diff": changes,
        "problems": notice.publish_problems(draft),
        "unchanged": current is not None and changes.empty,
        "next_version": (current.version if current else 0) + 1,
        "draft_hash": notice.content_hash(draft),
        "suggested_summary": notice.summary_of(changes, first=current is None),
    }


@staff_view(Capability.MANAGE_PRIVACY)
def notice_manage(request: HttpRequest) -> HttpResponse:
    """The DPO's page: the next version against the current one, what stops publishing, the
    publish form, and how many people need to be asked for consent again."""
    preview = _preview()
    form = PublishForm(
        posted(request),
        initial={
            "summary": preview["suggested_summary"],
            "expected_version": preview["next_version"] - 1,
            "expected_hash": preview["draft_hash"],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            published = registers.notice_publish(
                actor=request.user,
                summary=form.cleaned_data["summary"],
                expected_version=form.cleaned_data["expected_version"],
                expected_hash=form.cleaned_data["expected_hash"],
            )
        except ConcurrentEdit as e:
            messages.error(request, e.message)
            return redirect("privacy:notice_manage")
        except ValidationFailed as e:
            apply_errors(form, e.errors)
        else:
            messages.success(
                request,
                f"Version {published.version} of the privacy notice is published.",
            )
            return redirect("privacy:notice_manage")
    return render(
        request,
        "privacy/notice_manage.html",
        {**preview, "form": form, "reconsent": selectors.reconsent_counts()},
    )

"""Licences in the admin: types are made by the services (demo data, imports) and shown here; licences and
keys are read-only (issuance, versions and status changes go through the services, with their audit).
Private keys are never shown."""

import logging

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from tongban.core.admin import ReadOnlyAdmin
from tongban.licences.imports import ImportFileError, import_licences
from tongban.licences.models import IssuerKey, Licence, LicenceType, ShareGrant, Verifier

logger = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 10 * 1024 * 1024  # larger files: `tongban licences import`
IMPORT_ROWS_SHOWN = 500  # rejected rows listed on the page


class LicenceImportForm(forms.Form):
    file = forms.FileField(
        label=_("文件"), help_text=_("JSON Lines（.jsonl）或 CSV（.csv，UTF-8），不超过 10 MB")
    )
    format = forms.ChoiceField(
        label=_("格式"),
        required=False,
        choices=[("", _("按扩展名判断")), ("jsonl", "JSON Lines"), ("csv", "CSV")],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件超过 10 MB：请使用命令行 tongban licences import 导入"))
        return upload


@admin.register(LicenceType)
class LicenceTypeAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "name",
        "define_authority_name",
        "holder_kind",
        "validity_years",
        "multiple_per_holder",
        "required_assurance_level",
    )
    search_fields = ("code", "name")
    fields = (
        "code",
        "name",
        "define_authority_name",
        "holder_kind",
        "validity_years",
        "multiple_per_holder",
        "required_assurance_level",
        "issuer_department_uuids",
        "face_schema",
        "scene_fields",
    )


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "type",
        "holder_name",
        "issuer_name",
        "issue_date",
        "valid_until",
        "status",
        "version",
    )
    list_filter = ("status", "current", "type")
    search_fields = ("identifier", "number")
    list_select_related = ("type",)
    show_full_result_count = False
    exclude = ("holder_code",)  # personal identifier: not shown here
    change_list_template = "admin/licences/licence/change_list.html"

    def has_import_permission(self, request) -> bool:
        """Collecting licences (归集) writes them: staff with the licence add permission."""
        return (
            request.user.is_active and request.user.is_staff and request.user.has_perm("licences.add_licence")
        )

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name=f"{prefix}_import"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        """导入电子证照: a small file through the page (the rows are checked as by the command line)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        report, error = None, ""
        form = LicenceImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # ≤ 10 MB, read in this process: a gunicorn worker is never forked.
                report = import_licences(
                    upload.file,
                    fmt=form.cleaned_data["format"] or None,
                    name=upload.name,
                    actor=request.actor,
                    fork=False,
                )
            except ImportFileError as exc:
                error = str(exc)
            except DatabaseError:
                logger.exception("licence import from the admin failed")
                error = _("写入数据库时出错，本次导入没有写入任何数据，请稍后重试")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("导入电子证照"),
            "form": form,
            "report": report,
            "error": error,
            "rejected_shown": report.rejected[:IMPORT_ROWS_SHOWN] if report else [],
            "rows_shown_max": IMPORT_ROWS_SHOWN,
        }
        return TemplateResponse(request, "admin/licences/licence_import.html", context)


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyAdmin):
    list_display = ("department_name", "kid", "algorithm", "active", "created_at", "retired_at")
    exclude = ("private_key_encrypted",)


@admin.register(Verifier)
class VerifierAdmin(admin.ModelAdmin):
    """Verifiers (用证单位) are registered with `tongban licences add-verifier`, which shows the key once; here
    they are listed and can be switched off (a switched-off verifier's key and access tokens stop working)."""

    list_display = ("name", "kind", "scenes", "active", "last_used_at", "created_at")
    list_filter = ("kind", "active")
    search_fields = ("name", "uscc")
    fields = ("name", "kind", "uscc", "area_code", "scenes", "active", "key_id", "last_used_at", "created_at")
    readonly_fields = ("key_id", "last_used_at", "created_at")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ShareGrant)
class ShareGrantAdmin(ReadOnlyAdmin):
    list_display = ("client_name", "type", "created_at")
    search_fields = ("client_name",)

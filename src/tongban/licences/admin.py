"""Licences in the admin: types are made by the services (demo data, imports) and shown here; licences and
keys are read-only (issuance, versions and status changes go through the services, with their audit).
Private keys are never shown."""

from django.contrib import admin

from tongban.core.admin import ReadOnlyAdmin
from tongban.licences.models import IssuerKey, Licence, LicenceType


@admin.register(LicenceType)
class LicenceTypeAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "name",
        "define_authority_name",
        "holder_kind",
        "validity_years",
        "multiple_per_holder",
    )
    search_fields = ("code", "name")
    fields = (
        "code",
        "name",
        "define_authority_name",
        "holder_kind",
        "validity_years",
        "multiple_per_holder",
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


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyAdmin):
    list_display = ("department_name", "kid", "algorithm", "active", "created_at", "retired_at")
    exclude = ("private_key_encrypted",)

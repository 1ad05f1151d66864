"""Seals in the admin, read-only: the lifecycle goes through the services (with their audit and the
owner's notice). Private keys are never shown."""

from django.contrib import admin

from tongban.core.admin import ReadOnlyAdmin
from tongban.seals.models import IssuedCertificate, PkiKey, Seal, SealApplication, SealUse


@admin.register(PkiKey)
class PkiKeyAdmin(ReadOnlyAdmin):
    list_display = ("label", "role", "active", "created_at", "retired_at", "crl_number")
    exclude = ("private_key_encrypted", "certificate_der", "crl_der")


@admin.register(IssuedCertificate)
class IssuedCertificateAdmin(ReadOnlyAdmin):
    list_display = (
        "serial",
        "subject",
        "purpose",
        "not_before",
        "not_after",
        "revoked_at",
        "revocation_reason",
    )
    list_filter = ("purpose",)
    search_fields = ("serial", "subject")
    exclude = ("certificate_der",)


@admin.register(Seal)
class SealAdmin(ReadOnlyAdmin):
    list_display = ("owner_name", "kind", "status", "valid_from", "valid_until", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("owner_name", "owner_code")
    exclude = (
        "private_key_encrypted",
        "image_png",
        "sm2_private_key_encrypted",
        "sm2_certificate_der",
        "seseal_der",
    )


@admin.register(SealApplication)
class SealApplicationAdmin(ReadOnlyAdmin):
    list_display = ("owner_name", "status", "applicant_label", "reviewer_label", "created_at", "decided_at")
    list_filter = ("status",)


@admin.register(SealUse)
class SealUseAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "purpose", "document_sha256")

"""The federation in the admin, read only: this member's keys (public halves), the trust anchors and lists it
accepted, the outbox and inbox with each message's state, the message log, the licence recognition list and the
partners' status lists cached here. Changes go through the
`tongban federation` command (docs/operations.md §21), which checks them."""

from django.contrib import admin

from tongban.core.admin import ReadOnlyAdmin
from tongban.federation.models import (
    InboundMessage,
    LicenceTypeMapping,
    LogEntry,
    OutboundMessage,
    OwnKey,
    StatusListCache,
    TrustAnchor,
    TrustList,
)


@admin.register(OwnKey)
class OwnKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "purpose", "state", "created_at", "activated_at", "retired_at")
    list_filter = ("purpose", "state")
    exclude = ("private_key_encrypted",)


@admin.register(TrustAnchor)
class TrustAnchorAdmin(ReadOnlyAdmin):
    list_display = ("kid", "thumbprint", "source", "active", "added_at")


@admin.register(TrustList)
class TrustListAdmin(ReadOnlyAdmin):
    list_display = ("region", "version", "issued_at", "accepted_at")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "type",
        "to_member",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
    list_filter = ("status", "to_member", "type")
    search_fields = ("=uuid", "=correlation")


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ("type", "from_member", "status", "attempts", "last_error", "received_at")
    list_filter = ("status", "from_member", "type")
    search_fields = ("=uuid", "=correlation")


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "direction", "peer", "type", "digest")
    list_filter = ("direction", "peer")
    search_fields = ("=message_id", "=digest")


@admin.register(LicenceTypeMapping)
class LicenceTypeMappingAdmin(ReadOnlyAdmin):
    list_display = ("member", "partner_type_code", "partner_type_name", "local_type_code", "local_type_name")
    list_filter = ("member",)
    search_fields = ("partner_type_code", "partner_type_name", "local_type_code", "local_type_name")


@admin.register(StatusListCache)
class StatusListCacheAdmin(ReadOnlyAdmin):
    list_display = ("member", "uri", "ttl", "fetched_at", "expires_at")
    list_filter = ("member",)
    exclude = ("token",)

"""The federation in the admin, read only: this member's keys (public halves), the trust anchors and lists it
accepted, the outbox and inbox with each message's state, and the message log. Changes go through the
`tongban federation` command (docs/operations.md §21), which checks them."""

from django.contrib import admin

from tongban.core.admin import ReadOnlyAdmin
from tongban.federation.models import (
    InboundMessage,
    LogEntry,
    OutboundMessage,
    OwnKey,
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
        "uuid",
        "to_member",
        "type",
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
    list_display = ("uuid", "from_member", "type", "status", "attempts", "last_error", "received_at")
    list_filter = ("status", "from_member", "type")
    search_fields = ("=uuid", "=correlation")


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "direction", "peer", "type", "message_id", "digest")
    list_filter = ("direction", "peer")
    search_fields = ("=message_id", "=digest")

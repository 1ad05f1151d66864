"""The federation in the admin, read only: this member's keys (public halves), the trust anchors and lists it
accepted, the outbox and inbox with each message's state, the message log, the licence recognition list and the
partners' status lists cached here. Changes go through the
`tongban federation` command (docs/operations.md §21), which checks them."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tongban.core.admin import ReadOnlyAdmin
from tongban.federation.models import (
    CatalogueEntry,
    CatalogueVersion,
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


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(ReadOnlyAdmin):
    """长三角通办事项目录: the versions accepted here; a version's page lists this member's entries that do not
    match its own catalog (as `tongban federation catalogue-check` does)."""

    list_display = ("quarter", "region", "coordinator", "entry_count", "issued_at", "accepted_at")
    fields = ("quarter", "region", "coordinator", "issued_at", "accepted_at", "mismatches")
    readonly_fields = fields

    @admin.display(description=_("事项数"))
    def entry_count(self, obj):
        return len(obj.payload.get("entries", []))

    @admin.display(description=_("本成员事项核对"))
    def mismatches(self, obj):
        from tongban.federation.catalogue import catalogue_check

        found = catalogue_check(quarter=obj.quarter)
        if not found:
            return _("本成员办理的事项与本地事项目录一致")
        rows = format_html_join(
            "",
            "<tr><td>{} {}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
            ((m.entry_code, m.entry_name, m.item_code, m.item_name, m.label, m.local_name) for m in found),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("目录事项"),
            _("本地实施编码"),
            _("问题"),
            _("本地名称"),
            rows,
        )


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "modes", "version")
    list_filter = ("version", "kind")
    search_fields = ("code", "name", "handlers__item_code")
    exclude = ("search_text",)

from django.contrib import admin

from tongban.core.models import AuditEvent, OutboxMessage, WorkCalendarDay


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name", "source_notice", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "source_notice")
    date_hierarchy = "date"
    list_editable = ("kind", "name")
    list_per_page = 62

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.has_perm("core.change_workcalendarday")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "action", "object_type", "object_id", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "request_id", "actor_label")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "subject")
    exclude = ("recipient",)

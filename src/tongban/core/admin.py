from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from tongban.core.models import AuditEvent, OutboxMessage, SmsMessage, WorkCalendarDay
from tongban.core.workdays import calendar_changed_send


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

    # An edited day changes the deadlines counted over it: the open cases' are recomputed (calendar_changed),
    # in the admin's transaction.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed_send([obj.date.year])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed_send([obj.date.year])

    def delete_queryset(self, request, queryset):
        years = sorted({d.year for d in queryset.values_list("date", flat=True)})
        super().delete_queryset(request, queryset)
        if years:
            calendar_changed_send(years)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor_label", "action", "object_type", "object_name", "request_id")

    @admin.display(description=_("对象"))
    def object_name(self, obj):
        """The object's name as the event recorded it; its identifier (searchable) only when none was."""
        for data in (obj.after, obj.before):
            if isinstance(data, dict):
                name = data.get("name") or data.get("target") or data.get("identifier")
                if name:
                    return name
        return f"{obj.object_id[:8]}…" if len(obj.object_id) > 12 else obj.object_id

    list_filter = ("action", "object_type")
    search_fields = ("object_id", "request_id", "actor_label")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "channel", "subject")
    # The body is stored encrypted; shown decrypted, read-only.
    exclude = ("recipient", "body_encrypted", "key")
    readonly_fields = ("body",)


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    """The durable SMS outbox: delivery state only (phone numbers and texts are not shown)."""

    list_display = ("created_at", "kind", "status", "attempts", "sent_at", "last_error")
    list_filter = ("kind", "status")
    exclude = ("phone", "body_encrypted")


# django-tasks-db's list leads with the result's UUID; the task's name says more.
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (
        "task",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description=_("任务"), ordering="task_path")
    def task(self, obj):
        return obj.task_name

    @admin.display(description=_("错误堆栈"))
    def formatted_traceback(self, obj):
        return super().formatted_traceback(obj)

    @admin.display(description=_("计划执行时间"))
    def display_run_after(self, obj):
        return super().display_run_after(obj)

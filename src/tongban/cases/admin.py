"""Cases in the admin: read-only (every change goes through the services, with its event and audit)."""

from django.contrib import admin

from tongban.cases.models import Case, CaseEvent, CaseStep, SupervisionEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = CaseStep
    extra = 0
    fields = ("key", "name", "department_name", "status", "due_on", "light", "claimed_by_name", "opinion")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    fields = ("at", "action", "step_key", "department_name", "actor_label", "opinion")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ("number", "name", "status", "lead_department_name", "submitted_at", "due_on", "light")
    list_filter = ("status", "light", "target_kind")
    search_fields = ("number",)
    exclude = ("form_data", "idempotency_key")
    inlines = [StepInline, EventInline]


@admin.register(SupervisionEvent)
class SupervisionEventAdmin(ReadOnly):
    list_display = ("case", "rule", "light", "department_name", "days_overdue", "created_at")
    list_filter = ("light", "rule")

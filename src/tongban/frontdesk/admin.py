from django.contrib import admin

from tongban.frontdesk.models import AppointmentSlot, ServiceCentre, Window, WindowShift


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    fields = ("number", "name", "kind", "categories", "department_name", "active")


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "division_code", "slug", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "slug")
    readonly_fields = ("org_uuid", "org_path")
    inlines = [WindowInline]


@admin.register(WindowShift)
class WindowShiftAdmin(admin.ModelAdmin):
    list_display = ("window", "day", "staff_label")
    list_filter = ("day",)


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    list_display = ("centre", "day", "start", "end", "category", "capacity", "booked")
    list_filter = ("day", "category")

from django.contrib import admin, messages

from tongban.catalog.models import ItemVersion, Material, ServiceItem


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ("order", "key", "name", "required", "source", "licence_type_code", "exempt_when_obtainable")

    # ``obj`` is the version: materials change only in drafts.
    def has_add_permission(self, request, obj=None):
        return obj is None or obj.status == "draft"

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status == "draft"

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == "draft"


@admin.register(ItemVersion)
class ItemVersionAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "item",
        "number",
        "status",
        "department_name",
        "legal_limit_days",
        "promised_limit_days",
    )
    list_filter = ("status", "item_type", "online_depth")
    search_fields = ("name", "item__implementation_code", "item__basic_code")
    inlines = [MaterialInline]
    actions = ["publish", "new_draft"]

    @admin.action(description="发布所选草稿（运行质量校验）")
    def publish(self, request, queryset):
        from tongban.catalog.services import version_publish
        from tongban.core.errors import DomainError

        for version in queryset:
            try:
                version_publish(actor=request.user, version=version)
                self.message_user(request, f"已发布：{version}", messages.SUCCESS)
            except DomainError as exc:
                problems = "；".join(v["message"] for v in exc.details.get("violations", [])) or str(
                    exc.message
                )
                self.message_user(request, f"{version} 未发布：{problems}", messages.ERROR)

    @admin.action(description="为所选事项新建草稿")
    def new_draft(self, request, queryset):
        from tongban.catalog.services import version_new_draft
        from tongban.core.errors import DomainError

        for version in queryset:
            try:
                draft = version_new_draft(actor=request.user, item=version.item)
                self.message_user(request, f"已新建草稿：{draft}", messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"{version}：{exc.message}", messages.ERROR)

    def get_readonly_fields(self, request, obj=None):
        # A published or retired version never changes; publishing goes through the service (quality rules).
        if obj is None or obj.status == "draft":
            return ("status", "published_at", "retired_at", "department_name", "department_uscc")
        return [f.name for f in obj._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == "draft"


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("implementation_code", "basic_code", "created_at")
    search_fields = ("implementation_code", "basic_code")

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.catalog.models import Bundle, BundleStep, ItemVersion, Material, ServiceItem


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
                version_publish(actor=request.actor, version=version)
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
                draft = version_new_draft(actor=request.actor, item=version.item)
                self.message_user(request, f"已新建草稿：{draft}", messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"{version}：{exc.message}", messages.ERROR)

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{prefix}_compare",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from tongban.catalog.compare import version_previous

        version = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "previous_version": version_previous(version) if version is not None else None,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def compare_view(self, request, object_id):
        """The differences between a version and the one before it (与上一版本比较)."""
        from tongban.catalog.compare import version_diff, version_previous

        version = self.get_object(request, unquote(object_id))
        if version is None:
            raise Http404
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        previous = version_previous(version)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("与上一版本比较：%(version)s") % {"version": version},
            "version": version,
            "previous": previous,
            "differences": version_diff(previous, version) if previous is not None else [],
        }
        return TemplateResponse(request, "admin/catalog/itemversion_compare.html", context)

    def get_readonly_fields(self, request, obj=None):
        # A published or retired version never changes; publishing goes through the service (quality rules).
        if obj is None or obj.status == "draft":
            return ("status", "published_at", "retired_at", "department_name", "department_uscc")
        return [f.name for f in obj._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == "draft"


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("implementation_code", "basic_code", "featured_rank", "created_at")
    list_editable = ("featured_rank",)
    search_fields = ("implementation_code", "basic_code")
    fields = ("implementation_code", "basic_code", "featured_rank")

    def get_readonly_fields(self, request, obj=None):
        # The codes identify the item everywhere (cases, exchange tables): only the home-page rank changes.
        return ("implementation_code", "basic_code") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        from tongban.core.audit import audit_record

        before = ServiceItem.objects.filter(pk=obj.pk).values_list("featured_rank", flat=True).first()
        super().save_model(request, obj, form, change)
        if change and before != obj.featured_rank:
            audit_record(
                actor=request.actor,
                action="catalog.featured_rank",
                object_type="service_item",
                object_id=obj.uuid,
                before={"featured_rank": before},
                after={"featured_rank": obj.featured_rank},
            )

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "export/json/",
                self.admin_site.admin_view(self.export_json_view),
                name=f"{prefix}_export_json",
            ),
            path(
                "export/exchange/",
                self.admin_site.admin_view(self.export_exchange_view),
                name=f"{prefix}_export_exchange",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _download(content: bytes, content_type: str, name: str, extension: str) -> HttpResponse:
        response = HttpResponse(content, content_type=content_type)
        filename = f"tongban-{name}-{timezone.localdate():%Y%m%d}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def export_json_view(self, request):
        """The whole catalog (every version) as the JSON `tongban catalog import` reads."""
        from tongban.catalog.services import catalog_export

        if not self.has_view_permission(request):
            raise PermissionDenied
        content = json.dumps(catalog_export(), ensure_ascii=False, indent=1).encode()
        return self._download(content, "application/json; charset=utf-8", "catalog", "json")

    def export_exchange_view(self, request):
        """The published catalog as the national exchange tables, one CSV per table, zipped."""
        from tongban.catalog.exchange import exchange_zip

        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._download(exchange_zip(), "application/zip", "exchange", "zip")


class BundleStepInline(admin.TabularInline):
    model = BundleStep
    extra = 0
    fields = ("order", "key", "name", "item_version", "department_name", "budget_days", "depends_on")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    """Bundles are made by `catalog.services.bundle_create` (plan validated, figures computed); the admin
    shows them with their computed figures, form and material list, read-only."""

    list_display = ("name", "theme", "lead_department_name", "promised_days", "double_halving")
    search_fields = ("name", "keywords")
    inlines = [BundleStepInline]

    @admin.display(description=_("承诺时限（工作日）"))
    def promised_days(self, obj):
        return obj.figures.get("time", {}).get("promised_days")

    @admin.display(description=_("双减半"), boolean=True)
    def double_halving(self, obj):
        return bool(obj.figures.get("double_halving"))

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Bundle._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

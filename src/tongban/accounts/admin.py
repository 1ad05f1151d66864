from django.contrib import admin

from tongban.accounts.models import (
    ApiClient,
    Authorisation,
    Enterprise,
    Organisation,
    Person,
    PopulationRegisterEntry,
    StaffMembership,
    User,
)


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ("organisation",)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "display_name", "is_active", "is_staff", "date_joined")
    search_fields = ("username", "display_name")
    exclude = ("password", "user_permissions", "groups", "phone")
    readonly_fields = ("last_login", "date_joined", "locked_until")
    inlines = [MembershipInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("real_name", "id_kind", "masked_id", "assurance_level", "created_at")
    list_filter = ("assurance_level", "id_kind")
    exclude = ("id_number", "phone")
    readonly_fields = ("user", "masked_id", "register_matched_at", "verified_in_person_at")

    @admin.display(description="证件号码")
    def masked_id(self, obj):
        from tongban.core.identifiers import mask_id_number

        return mask_id_number(obj.id_number)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "division_code", "uscc", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "division_code", "uscc")
    readonly_fields = ("path",)

    def get_readonly_fields(self, request, obj=None):
        # A node never moves (its materialised path scopes every permission below it).
        return ("path", "parent", "kind") if obj else ("path",)


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "kind")
    search_fields = ("name", "uscc")
    raw_id_fields = ("legal_representative",)


@admin.register(Authorisation)
class AuthorisationAdmin(admin.ModelAdmin):
    list_display = ("uuid", "enterprise", "valid_from", "valid_until", "revoked_at")
    raw_id_fields = ("enterprise", "principal_person", "agent", "granted_by", "revoked_by")


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "key_id", "is_active", "last_used_at")
    readonly_fields = ("key_id", "secret_hash")


admin.site.register(StaffMembership)
admin.site.register(PopulationRegisterEntry)
admin.site.site_header = "通办 · 管理后台"
admin.site.site_title = "通办管理后台"
admin.site.index_title = "平台管理"

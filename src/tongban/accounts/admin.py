from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from tongban.accounts.models import (
    ApiClient,
    Authorisation,
    BusinessRegisterEntry,
    Enterprise,
    OidcClientPolicy,
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


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ("kind", "name", "parent", "division_code", "uscc")

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            from tongban.accounts.services import organisation_validate
            from tongban.core.errors import InvalidInput

            try:
                organisation_validate(
                    kind=data.get("kind", ""),
                    parent=data.get("parent"),
                    division_code=data.get("division_code", ""),
                    uscc=data.get("uscc", ""),
                )
            except InvalidInput as exc:
                raise forms.ValidationError(str(exc.message)) from exc
        return data


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = OrganisationForm

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # New nodes go through the service: tree rules, code checks, audit event.
        from tongban.accounts.services import organisation_create

        created = organisation_create(
            actor=request.actor,
            kind=obj.kind,
            name=obj.name,
            parent=obj.parent,
            division_code=obj.division_code,
            uscc=obj.uscc,
        )
        obj.pk, obj.path, obj.uuid = created.pk, created.path, created.uuid

    list_display = ("name", "kind", "division_code", "uscc", "parent")
    list_select_related = ("parent",)  # nullable: Django's default select_related() leaves it out
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
    list_display = ("principal", "agent", "valid_from", "valid_until", "revoked_at")
    list_select_related = ("enterprise", "principal_person", "agent")  # nullable, as above

    @admin.display(description=_("委托方"))
    def principal(self, obj):
        return obj.enterprise or obj.principal_person

    raw_id_fields = ("enterprise", "principal_person", "agent", "granted_by", "revoked_by")


class ApiClientForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ("name", "organisation", "scopes", "is_active")

    def clean_scopes(self):
        from tongban.accounts.constants import ApiScope

        scopes = self.cleaned_data.get("scopes") or []
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise forms.ValidationError('权限范围应为字符串列表，例如 ["orgs:read"]')
        unknown = sorted(set(scopes) - set(ApiScope.values))
        if unknown:
            raise forms.ValidationError(
                f"未知的权限范围：{', '.join(unknown)}；可用：{', '.join(ApiScope.values)}"
            )
        return scopes


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ("name", "organisation", "key_id", "is_active", "last_used_at")
    readonly_fields = ("key_id", "secret_hash", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        from django.contrib import messages

        from tongban.accounts.services import api_client_create

        created, key = api_client_create(
            actor=request.actor, name=obj.name, organisation=obj.organisation, scopes=list(obj.scopes or [])
        )
        obj.pk, obj.uuid, obj.key_id, obj.secret_hash = (
            created.pk,
            created.uuid,
            created.key_id,
            created.secret_hash,
        )
        messages.warning(request, f"接口密钥（只显示这一次，请立即妥善保存）: {key}")


admin.site.register(StaffMembership)
admin.site.register(PopulationRegisterEntry)
admin.site.register(BusinessRegisterEntry)
admin.site.site_header = "通办 · 管理后台"
admin.site.site_title = "通办管理后台"
admin.site.index_title = "平台管理"

# --- the OpenID Connect provider's clients (django-oauth-toolkit) ----------------------------------------------
# Its tokens, codes and ID tokens are not shown (they live minutes; a client is switched off by deleting it or,
# for a verifier, in 用证单位); its clients are, under Chinese labels (accounts.oidc_app), with the policy.
for _model in (Application, AccessToken, Grant, IDToken, RefreshToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class OidcClientForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = (
            "name",
            "client_id",
            "client_type",
            "authorization_grant_type",
            "redirect_uris",
            "algorithm",
            "skip_authorization",
            "client_secret",
            "hash_client_secret",
        )
        labels = {
            "name": _("名称"),
            "client_id": _("客户端标识（client_id）"),
            "client_type": _("客户端类型"),
            "authorization_grant_type": _("授权方式"),
            "redirect_uris": _("回调地址（每行一个）"),
            "algorithm": _("签名算法（OIDC 选 RS256）"),
            "skip_authorization": _("受信任（免授权确认页）"),
            "client_secret": _("客户端密钥"),
            "hash_client_secret": _("只保存密钥摘要"),
        }


class OidcClientPolicyInline(admin.StackedInline):
    model = OidcClientPolicy
    fk_name = "application"
    can_delete = False
    fields = ("may_read_identity",)


@admin.register(Application)
class OidcClientAdmin(admin.ModelAdmin):
    form = OidcClientForm
    list_display = ("client_name", "client_identifier", "kind", "member", "trusted")
    list_select_related = ("tongban_policy",)
    search_fields = ("name", "client_id")
    inlines = [OidcClientPolicyInline]

    @admin.display(description=_("名称"), ordering="name")
    def client_name(self, obj):
        return obj.name or "—"

    @admin.display(description=_("客户端标识"), ordering="client_id")
    def client_identifier(self, obj):
        return obj.client_id

    @admin.display(description=_("类别"))
    def kind(self, obj):
        policy = getattr(obj, "tongban_policy", None)
        if policy is not None and policy.source == "verifier":
            return _("用证单位（客户端凭证）")
        return (
            _("登录客户端（授权码）") if obj.authorization_grant_type == "authorization-code" else _("其他")
        )

    @admin.display(description=_("联邦成员"), boolean=True)
    def member(self, obj):
        policy = getattr(obj, "tongban_policy", None)
        return bool(policy and policy.may_read_identity)

    @admin.display(description=_("免授权确认"), boolean=True)
    def trusted(self, obj):
        return obj.skip_authorization

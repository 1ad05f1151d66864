"""The service-item catalog (事项清单): items, their versions (GB/T 39046 表4 fields) and materials.

A published version never changes: editing makes a new draft, and cases point at the version they were
made under."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.catalog.constants import (
    CaseType,
    CrossRegionScope,
    ExerciseLevel,
    ItemType,
    MaterialFormat,
    MaterialSource,
    OnlineDepth,
    ResultKind,
    VersionStatus,
)


class ServiceItem(models.Model):
    """One item of the implementation list, identified by its implementation code (实施编码)."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    implementation_code = models.CharField(_("实施编码"), max_length=64, unique=True)
    basic_code = models.CharField(_("基本编码"), max_length=64, db_index=True)
    # Not part of a version: the catalog admins pick the items the home page lists as popular (热门事项).
    featured_rank = models.PositiveSmallIntegerField(
        _("首页热门排序"), null=True, blank=True, help_text=_("填写后在首页“热门事项”中按此顺序显示")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")

    def __str__(self) -> str:
        return self.implementation_code


class ItemVersion(models.Model):
    """A version of an item with the GB/T 39046 表4 fields."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )

    name = models.CharField(_("事项名称"), max_length=200)
    keywords = models.JSONField(_("同义词与关键词"), default=list, blank=True)
    handle_item_code = models.CharField(_("业务办理项编码"), max_length=64, blank=True)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    exercise_level = models.CharField(_("行使层级"), max_length=1, choices=ExerciseLevel.choices)
    department_uuid = models.UUIDField(_("实施主体"), db_index=True)
    department_name = models.CharField(_("实施主体名称"), max_length=200)
    department_uscc = models.CharField(_("实施主体代码"), max_length=18, blank=True)
    legal_limit_days = models.PositiveIntegerField(_("法定办结时限（工作日）"))
    legal_limit_note = models.CharField(_("法定办结时限说明"), max_length=500, blank=True)
    promised_limit_days = models.PositiveIntegerField(_("承诺办结时限（工作日）"))
    promised_limit_note = models.CharField(_("承诺办结时限说明"), max_length=500, blank=True)
    visits = models.PositiveSmallIntegerField(_("到办事现场次数"))
    visits_reason = models.CharField(_("必须现场办理原因"), max_length=500, blank=True)
    handling_forms = models.JSONField(_("办理形式"), default=list)
    case_type = models.CharField(_("办件类型"), max_length=1, choices=CaseType.choices)
    online_depth = models.PositiveSmallIntegerField(_("网上办理深度"), choices=OnlineDepth.choices)
    fee_charged = models.BooleanField(_("是否收费"), default=False)
    fee_basis = models.CharField(_("收费依据"), max_length=500, blank=True)
    fee_amount = models.DecimalField(
        _("收费金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    fee_online_payment = models.BooleanField(_("是否支持网上支付"), default=False)
    service_objects = models.JSONField(_("服务对象"), default=list)
    person_themes = models.JSONField(_("自然人主题"), default=list, blank=True)
    enterprise_themes = models.JSONField(_("法人主题"), default=list, blank=True)
    cross_region_scope = models.CharField(
        _("通办范围"), max_length=20, choices=CrossRegionScope.choices, default=CrossRegionScope.CITY
    )
    locations = models.TextField(_("办理地点"), blank=True)
    hours = models.CharField(_("办理时间"), max_length=300, blank=True)
    consultation_phone = models.CharField(_("咨询电话"), max_length=50, blank=True)
    supervision_phone = models.CharField(_("监督电话"), max_length=50, blank=True)
    faq = models.JSONField(_("常见问题"), default=list, blank=True)
    acceptance_conditions = models.TextField(_("受理条件"), blank=True)
    result_name = models.CharField(_("结果名称"), max_length=200, blank=True)
    result_kind = models.CharField(
        _("结果类型"), max_length=20, choices=ResultKind.choices, default=ResultKind.OTHER
    )
    # The licence type table arrives with the licence issue; the code links to it then.
    result_licence_type_code = models.CharField(_("结果证照类型代码"), max_length=30, blank=True)
    required_assurance_level = models.PositiveSmallIntegerField(_("所需实名等级"), default=1)
    form_schema = models.JSONField(_("申请表（JSON Schema）"), default=dict, blank=True)

    # Derived on save: name, keywords, department, themes, their pinyin and pinyin initials (for search).
    search_text = models.TextField(_("检索文本"), editable=False, blank=True)
    # Derived by the services whenever a draft's fields are saved (services.version_save): the browse facets, one per line between newlines ("\naudience:person\ntheme:出生\n").
    facets = models.TextField(_("浏览分面"), editable=False, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    retired_at = models.DateTimeField(_("废止时间"), null=True, blank=True)

    class Meta:
        ordering = ["item_id", "number"]
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_number_unique"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="published"), name="item_one_published_version"
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="draft"), name="item_one_draft_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class Material(models.Model):
    """A material (申请材料) of a version."""

    version = models.ForeignKey(
        ItemVersion, verbose_name=_("事项版本"), on_delete=models.CASCADE, related_name="materials"
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    key = models.SlugField(
        _("材料标识"), max_length=64, help_text=_("同一材料在不同事项中用同一标识，一件事据此合并")
    )
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("是否必备"), default=True)
    originals = models.PositiveSmallIntegerField(_("原件份数"), default=0)
    copies = models.PositiveSmallIntegerField(_("复印件份数"), default=0)
    format = models.CharField(
        _("材料形式"), max_length=12, choices=MaterialFormat.choices, default=MaterialFormat.BOTH
    )
    source = models.CharField(
        _("来源渠道"), max_length=12, choices=MaterialSource.choices, default=MaterialSource.UPLOAD
    )
    licence_type_code = models.CharField(_("电子证照类型代码"), max_length=30, blank=True)
    shared_data_source = models.CharField(_("共享数据提供部门"), max_length=200, blank=True)
    exempt_when_obtainable = models.BooleanField(_("平台可获取时免于提交"), default=False)
    commitment_allowed = models.BooleanField(
        _("可容缺受理"),
        default=False,
        help_text=_("缺少此材料时，申请人书面承诺限期补交即可受理（告知承诺）"),
    )
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/", blank=True)
    sample_file = models.FileField(_("示例样表"), upload_to="catalog/samples/", blank=True)
    acceptance_standard = models.TextField(_("受理标准"), blank=True)

    class Meta:
        ordering = ["version_id", "order", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="material_key_unique")]

    def __str__(self) -> str:
        return self.name


class SearchMiss(models.Model):
    """A search that found nothing (turned into the "service blind spots" report by a later issue)."""

    query = models.CharField(_("搜索词"), max_length=200, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("无结果搜索")
        verbose_name_plural = _("无结果搜索")

    def __str__(self) -> str:
        return self.query


class Bundle(models.Model):
    """A "one thing" (一件事): several published item versions behind one form, one plan, one result.

    ``figures`` (双减半) are computed from the plan and the items, never typed in (see bundles.py)."""

    uuid = models.UUIDField(_("唯一标识"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("一件事名称"), max_length=200)
    theme = models.CharField(_("主题"), max_length=50, blank=True)
    audience = models.CharField(_("服务对象"), max_length=10, default="1")  # A.4: 1 person, 2 enterprise
    lead_department_uuid = models.UUIDField(_("牵头部门"))
    lead_department_name = models.CharField(_("牵头部门名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.JSONField(_("同义词与关键词"), default=list, blank=True)
    delivery_methods = models.JSONField(_("结果送达方式"), default=list)
    # Computed when the bundle is made (bundles.py), never typed in:
    form_schema = models.JSONField(_("合并申请表（JSON Schema）"), default=dict, editable=False)
    materials = models.JSONField(_("合并材料清单"), default=list, editable=False)
    figures = models.JSONField(_("双减半指标"), default=dict, editable=False)
    search_text = models.TextField(_("检索文本"), editable=False, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")

    def __str__(self) -> str:
        return self.name


class BundleStep(models.Model):
    """A step of a bundle's plan, owned by a department, after the steps it depends on."""

    bundle = models.ForeignKey(
        Bundle, verbose_name=_("一件事"), on_delete=models.CASCADE, related_name="steps"
    )
    key = models.SlugField(_("环节标识"), max_length=64)
    name = models.CharField(_("环节名称"), max_length=200)
    item_version = models.ForeignKey(
        ItemVersion, verbose_name=_("事项版本"), on_delete=models.PROTECT, related_name="bundle_steps"
    )
    department_uuid = models.UUIDField(_("办理部门"))
    department_name = models.CharField(_("办理部门名称"), max_length=200)
    budget_days = models.PositiveIntegerField(_("环节时限（工作日）"))
    depends_on = models.JSONField(_("前置环节"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("一件事环节")
        verbose_name_plural = _("一件事环节")
        ordering = ["bundle_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "key"], name="bundle_step_key_unique")]

    def __str__(self) -> str:
        return f"{self.bundle.name}: {self.name}"


class ServiceTimeStats(models.Model):
    """Actual vs promised time of concluded cases, per item or bundle: the second half of 双减半 (actual ≤ ½
    promised). Written by the cases context through the facade when a case concludes."""

    target_kind = models.CharField(_("对象类型"), max_length=10)
    target_uuid = models.UUIDField(
        _("对象标识"),
    )
    concluded = models.PositiveIntegerField(_("办结件数"), default=0)
    actual_days_total = models.PositiveBigIntegerField(_("实际用时合计（工作日）"), default=0)
    promised_days_total = models.PositiveBigIntegerField(_("承诺时限合计（工作日）"), default=0)
    within_half = models.PositiveIntegerField(_("半数时限内办结件数"), default=0)  # actual ≤ ½ promised
    within_promise = models.PositiveIntegerField(_("承诺时限内办结件数"), default=0)

    class Meta:
        verbose_name = _("办理用时统计")
        verbose_name_plural = _("办理用时统计")
        constraints = [
            models.UniqueConstraint(fields=["target_kind", "target_uuid"], name="service_time_stats_unique")
        ]

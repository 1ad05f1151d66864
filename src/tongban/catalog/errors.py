from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, ErrorCode, InvalidInput, NotFound


class CatalogError(ErrorCode):
    """The catalog's error codes (items, versions, bundles, imports)."""

    BUNDLE_NOT_FOUND = "bundle_not_found"
    CATALOG_IMPORT_REFUSED = "catalog_import_refused"
    DRAFT_EXISTS = "draft_exists"
    DUPLICATE_STEP = "duplicate_step"
    EMPTY_PLAN = "empty_plan"
    FORM_FIELD_CONFLICT = "form_field_conflict"
    INVALID_DELIVERY = "invalid_delivery"
    INVALID_DEPARTMENT = "invalid_department"
    ITEM_EXISTS = "item_exists"
    ITEM_NOT_FOUND = "item_not_found"
    ITEM_NOT_PUBLISHED = "item_not_published"
    NOT_A_DRAFT = "not_a_draft"
    NOT_PUBLISHED = "not_published"
    PLAN_CYCLE = "plan_cycle"
    QUALITY_RULES_FAILED = "quality_rules_failed"
    UNKNOWN_DEPENDENCY = "unknown_dependency"
    UNKNOWN_FIELDS = "unknown_fields"
    UNKNOWN_ITEM_VERSION = "unknown_item_version"


class ItemNotFound(NotFound):
    code = CatalogError.ITEM_NOT_FOUND
    default_message = _("未找到该事项")


class NotADraft(Conflict):
    code = CatalogError.NOT_A_DRAFT
    default_message = _("只有草稿可以修改或发布；已发布的版本不可更改，请先新建草稿")


class QualityRulesFailed(InvalidInput):
    code = CatalogError.QUALITY_RULES_FAILED
    default_message = _("事项未通过质量校验，不能发布")


class ImportRefused(InvalidInput):
    code = CatalogError.CATALOG_IMPORT_REFUSED
    default_message = _("事项目录导入文件无效")


class BundleNotFound(NotFound):
    code = CatalogError.BUNDLE_NOT_FOUND
    default_message = _("未找到该一件事")

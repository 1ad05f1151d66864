from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, InvalidInput, NotFound


class ItemNotFound(NotFound):
    code = "item_not_found"
    default_message = _("未找到该事项")


class NotADraft(Conflict):
    code = "not_a_draft"
    default_message = _("只有草稿可以修改或发布；已发布的版本不可更改，请先新建草稿")


class QualityRulesFailed(InvalidInput):
    code = "quality_rules_failed"
    default_message = _("事项未通过质量校验，不能发布")


class ImportRefused(InvalidInput):
    code = "catalogue_import_refused"
    default_message = _("事项目录导入文件无效")


class BundleNotFound(NotFound):
    code = "bundle_not_found"
    default_message = _("未找到该一件事")

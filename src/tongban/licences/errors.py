from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError, NotFound


class LicenceNotFound(NotFound):
    code = "licence_not_found"
    default_message = _("证照不存在")


class LicenceConflict(DomainError):
    status = 409
    code = "licence_conflict"
    default_message = _("证照状态不允许此操作")

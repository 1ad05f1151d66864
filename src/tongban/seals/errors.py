from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError, ErrorCode, NotFound


class SealError(ErrorCode):
    """The seals context's error codes (the PKI, the registry, sealing and verification)."""

    SEAL_NOT_FOUND = "seal_not_found"


class SealsError(DomainError):
    status = 400


class SealNotFound(NotFound):
    code = SealError.SEAL_NOT_FOUND
    default_message = _("电子印章不存在")

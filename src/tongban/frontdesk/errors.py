from django.utils.translation import gettext_lazy as _

from tongban.core.errors import DomainError, ErrorCode, NotFound


class FrontdeskError(ErrorCode):
    """The front desk's error codes (centres, windows, queues, the counter, hand-out)."""

    CENTRE_NOT_FOUND = "centre_not_found"
    WINDOW_NOT_FOUND = "window_not_found"
    TICKET_NOT_FOUND = "ticket_not_found"
    NOT_CENTRE_STAFF = "not_centre_staff"
    # the counter (综合窗口 受理)
    APPLICANT_NAME_MISMATCH = "applicant_name_mismatch"
    APPLICANT_NOT_IDENTIFIED = "applicant_not_identified"
    INVALID_SCAN = "invalid_scan"
    LICENCE_NOT_PERSONAL = "licence_not_personal"
    PERSON_NOT_FOUND = "person_not_found"
    SERVICE_ALREADY_OPEN = "service_already_open"
    SERVICE_FINISHED = "service_finished"
    SERVICE_NOT_FOUND = "service_not_found"
    WINDOW_NOT_COMPREHENSIVE = "window_not_comprehensive"


class FrontdeskErrorBase(DomainError):
    status = 400


class CentreNotFound(NotFound):
    code = FrontdeskError.CENTRE_NOT_FOUND
    default_message = _("服务中心不存在")


class WindowNotFound(NotFound):
    code = FrontdeskError.WINDOW_NOT_FOUND
    default_message = _("窗口不存在")


class TicketNotFound(NotFound):
    code = FrontdeskError.TICKET_NOT_FOUND
    default_message = _("号票不存在")


class ServiceNotFound(NotFound):
    code = FrontdeskError.SERVICE_NOT_FOUND
    default_message = _("窗口服务不存在")

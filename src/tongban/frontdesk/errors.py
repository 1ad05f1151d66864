from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, DomainError, ErrorCode, InvalidInput, NotFound, PermissionDenied


class FrontdeskError(ErrorCode):
    """The front desk's error codes (centres, windows, queues, the counter, hand-out)."""

    APPOINTMENT_EXISTS = "appointment_exists"
    APPOINTMENT_MISSED = "appointment_missed"
    APPOINTMENT_NOT_FOUND = "appointment_not_found"
    APPOINTMENT_NOT_TODAY = "appointment_not_today"
    APPOINTMENT_TOO_EARLY = "appointment_too_early"
    CENTRE_CLOSED = "centre_closed"
    CENTRE_NOT_FOUND = "centre_not_found"
    SLOT_FULL = "slot_full"
    SLOT_NOT_FOUND = "slot_not_found"
    SLOT_PAST = "slot_past"
    TICKET_CATEGORY_INVALID = "ticket_category_invalid"
    TICKET_STATE = "ticket_state"
    TOO_MANY_APPOINTMENTS = "too_many_appointments"
    TOO_MANY_TICKETS = "too_many_tickets"
    WINDOW_BUSY = "window_busy"
    WINDOW_NO_CATEGORIES = "window_no_categories"
    WINDOW_NOT_ON_SHIFT = "window_not_on_shift"
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
    # hand-out, paper tracking, the evaluation pad (services/handout.py, papers.py, pad)
    HANDOUT_CASE_NOT_FOUND = "handout_case_not_found"
    HANDOUT_METHOD_INVALID = "handout_method_invalid"
    PAD_ALREADY_RATED = "pad_already_rated"
    PAD_COMMENT_TOO_LONG = "pad_comment_too_long"
    PAD_SCORE_INVALID = "pad_score_invalid"
    PAD_SESSION_EXPIRED = "pad_session_expired"
    PAD_SESSION_NOT_FOUND = "pad_session_not_found"
    PAD_STAFF = "pad_staff"
    PAPER_NOT_FOUND = "paper_not_found"
    PAPER_STEP_NOT_ALLOWED = "paper_step_not_allowed"
    RECEIVER_MISMATCH = "receiver_mismatch"
    SIGNATURE_BLANK = "signature_blank"
    SIGNATURE_INVALID = "signature_invalid"
    SIGNATURE_TOO_LARGE = "signature_too_large"
    TRACKING_NUMBER_REQUIRED = "tracking_number_required"


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


class AppointmentNotFound(NotFound):
    code = FrontdeskError.APPOINTMENT_NOT_FOUND
    default_message = _("预约不存在")


class SlotNotFound(NotFound):
    code = FrontdeskError.SLOT_NOT_FOUND
    default_message = _("预约时段不存在")


class CentreClosed(Conflict):
    """Outside the centre's opening hours (a ticket, a check-in): the message says today's hours."""

    code = FrontdeskError.CENTRE_CLOSED
    default_message = _("服务中心当前不在开放时间")


class QueueConflict(Conflict):
    """A queue action the ticket's, the slot's or the window's state does not allow (raised with a member)."""


class NotOnShift(PermissionDenied):
    code = FrontdeskError.WINDOW_NOT_ON_SHIFT
    default_message = _("您今天不在该窗口值班，不能在此叫号")


class CategoryInvalid(InvalidInput):
    code = FrontdeskError.TICKET_CATEGORY_INVALID
    default_message = _("号票类别无效")


class ServiceNotFound(NotFound):
    code = FrontdeskError.SERVICE_NOT_FOUND
    default_message = _("窗口服务不存在")


class HandoutCaseNotFound(NotFound):
    code = FrontdeskError.HANDOUT_CASE_NOT_FOUND
    default_message = _("本中心没有该待领取的办理结果")


class PaperNotFound(NotFound):
    code = FrontdeskError.PAPER_NOT_FOUND
    default_message = _("纸质材料流转记录不存在")


class PadSessionNotFound(NotFound):
    code = FrontdeskError.PAD_SESSION_NOT_FOUND
    default_message = _("当前没有待评价的服务")


class PadAlreadyRated(Conflict):
    code = FrontdeskError.PAD_ALREADY_RATED
    default_message = _("本次服务已评价，每次服务只能评价一次")


class PadSessionExpired(Conflict):
    code = FrontdeskError.PAD_SESSION_EXPIRED
    default_message = _("本次服务已结束超过 15 分钟，评价已关闭")


class PadStaff(PermissionDenied):
    code = FrontdeskError.PAD_STAFF
    default_message = _("本中心工作人员不能在评价器上评价服务")


class PaperStepNotAllowed(Conflict):
    code = FrontdeskError.PAPER_STEP_NOT_ALLOWED
    default_message = _("纸质材料只能按“收件—寄送—签收—归档”的顺序流转")

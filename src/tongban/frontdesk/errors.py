from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, DomainError, ErrorCode, NotFound


class FrontdeskError(ErrorCode):
    """The front desk's error codes (centres, windows, queues, the counter, hand-out)."""

    CENTRE_NOT_FOUND = "centre_not_found"
    WINDOW_NOT_FOUND = "window_not_found"
    TICKET_NOT_FOUND = "ticket_not_found"
    NOT_CENTRE_STAFF = "not_centre_staff"
    # hand-out, paper tracking, the evaluation pad (services/handout.py, papers.py, pad)
    HANDOUT_CASE_NOT_FOUND = "handout_case_not_found"
    HANDOUT_METHOD_INVALID = "handout_method_invalid"
    PAD_ALREADY_RATED = "pad_already_rated"
    PAD_COMMENT_TOO_LONG = "pad_comment_too_long"
    PAD_SCORE_INVALID = "pad_score_invalid"
    PAD_SESSION_NOT_FOUND = "pad_session_not_found"
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


class PaperStepNotAllowed(Conflict):
    code = FrontdeskError.PAPER_STEP_NOT_ALLOWED
    default_message = _("纸质材料只能按“收件—寄送—签收—归档”的顺序流转")

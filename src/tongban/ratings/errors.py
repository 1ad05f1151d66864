from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied


class RatingError(ErrorCode):
    """The ratings context's error codes (好差评: evaluations)."""

    ALREADY_RATED = "already_rated"
    CASE_NOT_ENDED = "case_not_ended"
    RATING_INDICATOR_INVALID = "rating_indicator_invalid"
    RATING_LEVEL_INVALID = "rating_level_invalid"
    RATING_OWN_SERVICE = "rating_own_service"
    RATING_REASON_REQUIRED = "rating_reason_required"
    RATING_ROUND_INVALID = "rating_round_invalid"
    RATING_ROUNDS_USED = "rating_rounds_used"
    RATING_SECOND_ROUND_CLOSED = "rating_second_round_closed"
    RATING_TEXT_TOO_LONG = "rating_text_too_long"
    TICKET_STATE = "rating_ticket_state"
    TICKET_TEXT_REQUIRED = "rating_ticket_text_required"
    TICKET_TEXT_TOO_LONG = "rating_ticket_text_too_long"
    TICKET_KIND_INVALID = "rating_ticket_kind_invalid"
    TICKET_UNIT_INVALID = "rating_ticket_unit_invalid"
    TICKET_OUTCOME_INVALID = "rating_ticket_outcome_invalid"
    TICKET_LEDGER_DUE_INVALID = "rating_ticket_ledger_due_invalid"
    TICKET_MERGE_INVALID = "rating_ticket_merge_invalid"
    TICKET_PHONE_INVALID = "rating_ticket_phone_invalid"
    TICKET_TOPIC_INVALID = "rating_ticket_topic_invalid"
    REGION_NOT_FEDERATED = "region_not_federated"
    APPEAL_EXISTS = "appeal_exists"
    APPEAL_CLOSED = "appeal_closed"
    APPEAL_REASON_INVALID = "appeal_reason_invalid"
    APPEAL_EVIDENCE_INVALID = "appeal_evidence_invalid"
    APPEAL_OWN_UNIT = "appeal_own_unit"
    MARK_INVALID = "mark_invalid"
    TICKET_NOT_FOUND = "rating_ticket_not_found"
    TICKET_STEP_INVALID = "rating_ticket_step_invalid"
    SMS_INBOUND_FORBIDDEN = "sms_inbound_forbidden"
    TICKET_EXTENSION_INVALID = "rating_ticket_extension_invalid"
    RATING_EXPORT_FORBIDDEN = "rating_export_forbidden"
    RATING_EXPORT_FORMAT_INVALID = "rating_export_format_invalid"
    RATING_EXPORT_PERIOD_INVALID = "rating_export_period_invalid"
    RATING_EXPORT_PROFILE_INVALID = "rating_export_profile_invalid"


class AlreadyRated(Conflict):
    code = RatingError.ALREADY_RATED
    default_message = _("您已评价过该轮次，每轮只能评价一次")


class RoundsUsed(Conflict):
    code = RatingError.RATING_ROUNDS_USED
    default_message = _("该办件您已评价两次（首次评价和追评），不能再评价")


class SecondRoundClosed(Conflict):
    code = RatingError.RATING_SECOND_ROUND_CLOSED
    default_message = _("追评须在首次评价后 30 天内进行")


class CaseNotEnded(Conflict):
    code = RatingError.CASE_NOT_ENDED
    default_message = _("办件尚未办结，办结后才能评价")


class RatingOwnService(PermissionDenied):
    code = RatingError.RATING_OWN_SERVICE
    default_message = _("工作人员不能评价本人或本部门提供的服务")


class RatingInvalid(InvalidInput):
    """Bad input of an evaluation (raised with a member and the field)."""


class TicketState(Conflict):
    """The ticket is not in a state that allows the step (someone else moved it, or the step is out of turn)."""

    code = RatingError.TICKET_STATE
    default_message = _("工单当前状态不允许此操作，请刷新后重试")

    def __init__(self, *, current: str = "", message=None):
        super().__init__(message=message, current=current)


class NotFederated(Conflict):
    code = RatingError.REGION_NOT_FEDERATED
    default_message = _("该地区尚未接入转办，请告知来电人拨打当地12345")


class AppealExists(Conflict):
    code = RatingError.APPEAL_EXISTS
    default_message = _("该评价已申诉过，每条评价只能申诉一次")


class AppealClosed(Conflict):
    code = RatingError.APPEAL_CLOSED
    default_message = _("申诉须在工单接收后 5 个工作日内、答复之前提出")


class AppealOwnUnit(PermissionDenied):
    code = RatingError.APPEAL_OWN_UNIT
    default_message = _("被评价单位的人员不能复核本单位的申诉")


class TicketNotFound(NotFound):
    code = RatingError.TICKET_NOT_FOUND
    default_message = _("未找到该工单")


class RatingExportForbidden(PermissionDenied):
    code = RatingError.RATING_EXPORT_FORBIDDEN
    default_message = _("只有监察人员和平台管理员可以导出评价数据")


class SmsInboundForbidden(PermissionDenied):
    code = RatingError.SMS_INBOUND_FORBIDDEN
    default_message = _("短信回复接口仅供短信服务商调用")

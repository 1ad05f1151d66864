from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, ErrorCode, InvalidInput, PermissionDenied


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


class RatingExportForbidden(PermissionDenied):
    code = RatingError.RATING_EXPORT_FORBIDDEN
    default_message = _("只有监察人员和平台管理员可以导出评价数据")

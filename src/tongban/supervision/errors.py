from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ErrorCode, InvalidInput


class SupervisionError(ErrorCode):
    """The supervision context's error codes (监督考核)."""

    PERIOD_INVALID = "supervision_period_invalid"
    DIMENSION_INVALID = "supervision_dimension_invalid"
    MONTH_INVALID = "supervision_month_invalid"


class SupervisionPeriodInvalid(InvalidInput):
    code = SupervisionError.PERIOD_INVALID
    default_message = _("统计期间无效：日期格式为 YYYY-MM-DD，起始不晚于截止，且不超过 366 天")


class SupervisionDimensionInvalid(InvalidInput):
    code = SupervisionError.DIMENSION_INVALID
    default_message = _("统计维度无效")


class SupervisionMonthInvalid(InvalidInput):
    code = SupervisionError.MONTH_INVALID
    default_message = _("月份无效：格式为 YYYY-MM（如 2026-11），且不晚于本月")

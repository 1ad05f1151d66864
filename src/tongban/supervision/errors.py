from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, ErrorCode, InvalidInput, NotFound, PermissionDenied


class SupervisionError(ErrorCode):
    """The supervision context's error codes (监督考核)."""

    PERIOD_INVALID = "supervision_period_invalid"
    DIMENSION_INVALID = "supervision_dimension_invalid"
    MONTH_INVALID = "supervision_month_invalid"
    # assessments, rankings, circulars (docs/domain/supervision-assessments.md)
    ASSESSMENT_PERIOD_INVALID = "supervision_assessment_period_invalid"
    ASSESSMENT_NOT_FOUND = "supervision_assessment_not_found"
    PERIOD_NOT_ENDED = "supervision_period_not_ended"
    PERIOD_FROZEN = "supervision_period_frozen"
    SCHEME_INVALID = "supervision_scheme_invalid"
    SCHEME_BACKDATED = "supervision_scheme_backdated"
    SCHEME_FORBIDDEN = "supervision_scheme_forbidden"
    CIRCULAR_NOT_FOUND = "supervision_circular_not_found"
    CIRCULAR_FORBIDDEN = "supervision_circular_forbidden"
    CIRCULAR_ISSUED = "supervision_circular_issued"
    CIRCULAR_TEXT_INVALID = "supervision_circular_text_invalid"


class SupervisionPeriodInvalid(InvalidInput):
    code = SupervisionError.PERIOD_INVALID
    default_message = _("统计期间无效：日期格式为 YYYY-MM-DD，起始不晚于截止，且不超过 366 天")


class SupervisionDimensionInvalid(InvalidInput):
    code = SupervisionError.DIMENSION_INVALID
    default_message = _("统计维度无效")


class SupervisionMonthInvalid(InvalidInput):
    code = SupervisionError.MONTH_INVALID
    default_message = _("月份无效：格式为 YYYY-MM（如 2026-11），且不晚于本月")


class AssessmentPeriodInvalid(InvalidInput):
    code = SupervisionError.ASSESSMENT_PERIOD_INVALID
    default_message = _("考核期间无效：月度写作 2026-11，季度写作 2026Q4")


class AssessmentNotFound(NotFound):
    """The period has not been assessed, or the caller may see none of its rankings."""

    code = SupervisionError.ASSESSMENT_NOT_FOUND
    default_message = _("该期间尚无考核结果")


class PeriodNotEnded(Conflict):
    code = SupervisionError.PERIOD_NOT_ENDED
    default_message = _("考核期间尚未结束，结束后才能考核")


class PeriodFrozen(Conflict):
    code = SupervisionError.PERIOD_FROZEN
    default_message = _("该期间的考核通报已印发，考核结果不再重新计算")


class SchemeInvalid(InvalidInput):
    code = SupervisionError.SCHEME_INVALID
    default_message = _("考核权重无效：每项为 0–100 的数，至少一项大于 0")


class SchemeBackdated(InvalidInput):
    code = SupervisionError.SCHEME_BACKDATED
    default_message = _("新考核方案的生效日期须为下月或以后某月的 1 日：已开始的考核期间不受新方案影响")


class SchemeForbidden(PermissionDenied):
    code = SupervisionError.SCHEME_FORBIDDEN
    default_message = _("只有市级监察人员或平台管理员可以调整考核方案")


class CircularNotFound(NotFound):
    code = SupervisionError.CIRCULAR_NOT_FOUND
    default_message = _("未找到该考核通报")


class CircularForbidden(PermissionDenied):
    code = SupervisionError.CIRCULAR_FORBIDDEN
    default_message = _("只有本级监察人员可以起草、修改和印发本级的考核通报")


class CircularIssued(Conflict):
    code = SupervisionError.CIRCULAR_ISSUED
    default_message = _("通报已印发，不能再修改")


class CircularTextInvalid(InvalidInput):
    code = SupervisionError.CIRCULAR_TEXT_INVALID
    default_message = _("通报标题和正文不能为空，且不超过规定长度")

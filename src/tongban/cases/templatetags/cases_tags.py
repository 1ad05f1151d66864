from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS = {
    "submit": _("提交申请"),
    "window_submit": _("窗口代办"),
    "federated_online": _("长三角全程网办"),
    "federated_proxy": _("长三角异地代收"),
    "federated_multi_site": _("长三角多地联办"),
    "window_conclude": _("窗口即办"),
    "accept": _("受理"),
    "deemed_accept": _("逾期未告知补正，视为受理"),
    "refuse": _("不予受理"),
    "urge": _("督办"),
    "request_supplement": _("一次性告知补正"),
    "supplement": _("申请人补正"),
    "claim": _("认领"),
    "release": _("退回待办"),
    "step_pass": _("审核通过"),
    "step_return": _("退回申请人"),
    "step_refuse": _("不予许可"),
    "conclude": _("办结"),
    "special_start": _("进入特别程序"),
    "special_end": _("特别程序结束"),
    "withdraw": _("申请人撤回"),
    "application_signed": _("申请人以电子签名签署申请书"),
    "deliver": _("送达"),
    "licence_issued": _("电子证照已签发，可在卡包查看"),
    "licence_not_issued": _("电子证照未能自动签发，由发证部门另行签发"),
    "enterprise_established": _("企业设立登记完成，已赋予统一社会信用代码"),
    "result_recorded": _("办理结果已生成"),
    "seals_made": _("企业电子印章已制作，法定代表人可在「我的电子印章」使用和授权"),
    "deadline_recomputed": _("工作日历更新（国务院节假日安排），办理期限重新计算"),
}


@register.filter
def case_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def step_result(result) -> str:
    """A step's result in words, as the result document says it."""
    from tongban.cases.documents import step_result_text

    return step_result_text(result or {})


@register.filter
def dictget(mapping, key):
    return (mapping or {}).get(key)


@register.simple_tag
def provisional_calendar():
    """The staff banner's facts (deadlines.provisional_calendar_warning), or None."""
    from tongban.cases.deadlines import provisional_calendar_warning

    return provisional_calendar_warning()

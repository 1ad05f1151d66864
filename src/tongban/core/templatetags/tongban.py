import json

from django import template

from tongban.core.audit import audit_action_label
from tongban.core.identifiers import mask_id_number, mask_name, mask_phone

register = template.Library()

register.filter("mask_id", mask_id_number)
register.filter("mask_phone", mask_phone)
register.filter("mask_name", mask_name)
register.filter("audit_action", audit_action_label)


@register.filter
def pretty_json(value) -> str:
    if value in (None, "", {}):
        return ""
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


@register.simple_tag
def calendar_warnings() -> list[dict]:
    from tongban.core.workdays import calendar_missing_years

    return [
        {
            "year": year,
            "text": f"工作日历缺少 {year} 年的国务院节假日安排通知，该年暂按法定节假日推算工作日（无调休），"
            f"据此计算的办件期限均为暂定。"
            f"请运维人员用 tongban calendar notice 录入该年通知，或在『工作日历』中录入节假日与调休上班日。",
        }
        for year in calendar_missing_years()
    ]

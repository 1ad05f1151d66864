from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontdeskConfig(AppConfig):
    name = "tongban.frontdesk"
    label = "frontdesk"
    verbose_name = _("综合窗口")

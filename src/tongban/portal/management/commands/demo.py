from django.core.management.base import BaseCommand

from tongban.accounts.facade import demo_load
from tongban.cases.facade import demo_load_case_history, demo_load_cases
from tongban.catalog.facade import demo_load_catalog
from tongban.frontdesk.facade import demo_load_frontdesk
from tongban.licences.facade import DEMO_VERIFIER_KEY, demo_load_licences
from tongban.ratings.facade import demo_load_ratings
from tongban.seals.facade import demo_load_seals
from tongban.supervision.facade import demo_load_supervision


class Command(BaseCommand):
    help = "Load the demo data of every context (safe to run again) and print the demo accounts."

    def handle(self, *args, **options):
        accounts = demo_load()
        created = demo_load_catalog()
        self.stdout.write(f"事项目录 catalog: {created} new demo items published")
        self.stdout.write(f"电子证照 licences: {demo_load_licences()} new demo licence types and licences")
        self.stdout.write(
            f"办件 cases: {demo_load_cases()} new demo cases (预警/超期 on the supervision board)"
        )
        self.stdout.write(
            f"办件历史 case history: {demo_load_case_history()} new past cases of the last 90 days (监督考核 figures)"
        )
        self.stdout.write(f"电子印章 seals: {demo_load_seals()} new demo seals (上海通办示范科技有限公司)")
        self.stdout.write(
            f"综合窗口 front desk: {demo_load_frontdesk()} new windows (黄浦区行政服务中心 /hall/huangpu/)"
        )
        ratings = demo_load_ratings()
        self.stdout.write(
            f"好差评 ratings: {ratings.evaluations} new demo evaluations, {ratings.bad_tickets} 差评 tickets,"
            f" {ratings.hotline_tickets} 12345 complaints"
        )
        self.stdout.write(
            f"监督考核 supervision: {demo_load_supervision()} days of figures rolled up (/supervision/dashboard/)"
        )
        self.stdout.write("")
        self.stdout.write("演示账号 Demo accounts (密码 password 见下 / below):")
        width = max(len(a.role) for a in accounts)
        for a in accounts:
            self.stdout.write(f"  {a.role.ljust(width)}  {a.username:<12}  {a.password}  {a.description}")
        self.stdout.write(
            f"  用证单位 verifier（/verify/ 接口密钥 key）: {DEMO_VERIFIER_KEY}  示范大酒店（演示）"
        )
        self.stdout.write("")

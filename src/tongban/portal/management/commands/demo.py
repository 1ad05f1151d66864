from django.core.management.base import BaseCommand

from tongban.accounts.facade import demo_load


class Command(BaseCommand):
    help = "Load the demo data of every context (safe to run again) and print the demo accounts."

    def handle(self, *args, **options):
        accounts = demo_load()
        self.stdout.write("")
        self.stdout.write("演示账号 Demo accounts (密码 password 见下 / below):")
        width = max(len(a.role) for a in accounts)
        for a in accounts:
            self.stdout.write(f"  {a.role.ljust(width)}  {a.username:<12}  {a.password}  {a.description}")
        self.stdout.write("")

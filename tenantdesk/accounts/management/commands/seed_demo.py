from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenantdesk.accounts.models import User
from tenantdesk.accounts.services import manager_create, organisation_register

# Local demo only: refused unless DEMO_DATA is on (it is forced off in production).
DEMO_CUSTOMER = ("demo-customer", "demo-pass-2024")
DEMO_MANAGER = ("demo-manager", "demo-pass-2024")


class Command(BaseCommand):
    help = "Create a demo organisation account and a demo manager (DEBUG/DEMO_DATA only)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA:
            raise CommandError(
                "Demo data is off (DEMO_DATA=false); refusing to create demo accounts."
            )
        if not User.objects.filter(username=DEMO_CUSTOMER[0]).exists():
            organisation_register(
                username=DEMO_CUSTOMER[0],
                email="customer@example.com",
                password=DEMO_CUSTOMER[1],
                organisation_name="Demo Tenant LLC",
                organisation_address="Office 101, 1 Example Street",
                organisation_phone="+79090951670",
            )
        if not User.objects.filter(username=DEMO_MANAGER[0]).exists():
            manager_create(
                username=DEMO_MANAGER[0], email="manager@example.com", password=DEMO_MANAGER[1]
            )
        line = "=" * 64
        self.stdout.write(
            f"{line}\nDemo accounts (local use only):\n"
            f"  customer: {DEMO_CUSTOMER[0]} / {DEMO_CUSTOMER[1]}\n"
            f"  manager:  {DEMO_MANAGER[0]} / {DEMO_MANAGER[1]}\n"
            f"Open http://127.0.0.1:8000/\n{line}"
        )

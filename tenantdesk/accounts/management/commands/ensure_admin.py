from django.conf import settings
from django.core.management.base import BaseCommand

from tenantdesk.accounts.services import admin_ensure


class Command(BaseCommand):
    help = (
        "Create the administrator from ADMIN_LOGIN, ADMIN_EMAIL and ADMIN_PASS when all are "
        "set. Safe to run at every start: an existing account is left as it is."
    )

    def handle(self, *args, **options):
        login, email, password = settings.ADMIN_LOGIN, settings.ADMIN_EMAIL, settings.ADMIN_PASS
        if not (login and email and password):
            self.stdout.write(
                "ADMIN_LOGIN/ADMIN_EMAIL/ADMIN_PASS not all set: no administrator made."
            )
            return
        _, created = admin_ensure(username=login, email=email, password=password)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Administrator {login!r} created."))
        else:
            self.stdout.write(f"Administrator {login!r} already exists; left unchanged.")

import getpass
import os

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.accounts.services import manager_create


class Command(BaseCommand):
    help = (
        "Create a manager (a member of the `manager` group). The password is read from "
        "MANAGER_PASSWORD when set, otherwise asked for at a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        if not Group.objects.filter(name=MANAGER_GROUP).exists():
            raise CommandError(
                f"The {MANAGER_GROUP!r} group does not exist: run `manage.py migrate` first."
            )
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        password = os.environ.get("MANAGER_PASSWORD") or self._prompt_password()
        try:
            password_validation.validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        manager_create(username=username, email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"Manager {username!r} created."))

    def _prompt_password(self) -> str:
        if not os.isatty(0):
            raise CommandError("No terminal to ask for a password: set MANAGER_PASSWORD.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first

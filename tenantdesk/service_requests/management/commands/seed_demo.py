import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image, ImageDraw

from tenantdesk.accounts.models import User
from tenantdesk.accounts.services import manager_create, organisation_register
from tenantdesk.announcements.demo import seed_announcement
from tenantdesk.service_requests.management.commands.demo_places import (
    DEMO_REQUEST_PLACE,
    demo_places,
)
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.create import CHANNEL_DEMO, service_request_create

# Local demo only: refused unless DEMO_DATA is on (it is forced off in production).
DEMO_CUSTOMER = ("demo-customer", "demo-pass-2024")  # the organisation's admin
DEMO_MANAGER = ("demo-manager", "demo-pass-2024")
# More people, so that a newcomer can try every role: the organisation's members and two
# more managers (login, e-mail, first name, last name).
DEMO_MEMBERS = (
    ("demo-member", "member@example.com", "Maria", "Sokolova"),
    ("demo-member-2", "member2@example.com", "Dmitry", "Kozlov"),
)
DEMO_MANAGERS = (
    ("demo-manager-2", "manager2@example.com", "Sergey", "Volkov"),
    ("demo-manager-3", "manager3@example.com", "Elena", "Morozova"),
)


def _demo_photo() -> SimpleUploadedFile:
    """A drawn picture of a lamp, so the demo needs no image file in the repository."""
    image = Image.new("RGB", (800, 600), (236, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 420, 800, 600), fill=(190, 170, 140))
    draw.line((400, 0, 400, 160), fill=(60, 60, 60), width=6)
    draw.polygon([(300, 260), (500, 260), (440, 160), (360, 160)], fill=(70, 90, 120))
    draw.ellipse((370, 250, 430, 310), fill=(120, 120, 120))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return SimpleUploadedFile("lamp.jpg", buffer.getvalue(), content_type="image/jpeg")


def create_demo_request(customer, location=None) -> ServiceRequest:
    """The demo's request of `customer` (the screenshots show the same one)."""
    return service_request_create(
        location=location,
        author=customer,
        type=ServiceRequest.Type.ELECTRICAL,
        title="The ceiling light in the meeting room flickers",
        description="Since Monday the lamp over the table flickers and buzzes.",
        office="101",
        photos=[_demo_photo()],
        channel=CHANNEL_DEMO,
    )


class Command(BaseCommand):
    help = "Create a demo organisation account, a demo manager and one request (DEMO_DATA only)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="printed address")

    def handle(self, *args, url, **options):
        if not settings.DEMO_DATA:
            raise CommandError(
                "Demo data is off (DEMO_DATA=false); refusing to create demo accounts."
            )
        customer = User.objects.filter(username=DEMO_CUSTOMER[0]).first()
        if customer is None:
            customer = organisation_register(
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
        # People are shown by their names (User.display_name); the demo's have names.
        User.objects.filter(username=DEMO_CUSTOMER[0], first_name="").update(
            first_name="Ivan", last_name="Petrov"
        )
        User.objects.filter(username=DEMO_MANAGER[0], first_name="").update(
            first_name="Anna", last_name="Ivanova"
        )
        # The demo manager runs the company's team (/company/team).
        User.objects.filter(username=DEMO_MANAGER[0]).update(company_admin=True)
        # The demo's addresses are example.com ones, printed on the console: confirmed, so
        # the demo shows every e-mail.
        demo_names = [DEMO_CUSTOMER[0], DEMO_MANAGER[0]]
        demo_names += [person[0] for person in (*DEMO_MEMBERS, *DEMO_MANAGERS)]
        User.objects.filter(username__in=demo_names, email_confirmed_at=None).update(
            email_confirmed_at=timezone.now()
        )
        for username, email, first_name, last_name in DEMO_MEMBERS:
            if not User.objects.filter(username=username).exists():
                User.objects.create_user(
                    username=username,
                    email=email,
                    password=DEMO_CUSTOMER[1],
                    first_name=first_name,
                    last_name=last_name,
                    organisation_id=customer.organisation_id,
                )
        for username, email, first_name, last_name in DEMO_MANAGERS:
            if not User.objects.filter(username=username).exists():
                User.objects.filter(
                    pk=manager_create(username=username, email=email, password=DEMO_MANAGER[1]).pk
                ).update(first_name=first_name, last_name=last_name)
        # Two buildings, their premises, the organisation's leases; the demo manager looks
        # after Riverside Tower (issue 22).
        places = demo_places(
            organisation=customer.organisation, manager=User.objects.get(username=DEMO_MANAGER[0])
        )
        if not ServiceRequest.objects.filter(organisation_id=customer.organisation_id).exists():
            create_demo_request(customer, location=places[DEMO_REQUEST_PLACE])
        # Every demo request is somewhere: requests seeded before the buildings existed get
        # the demo's office too.
        ServiceRequest.objects.filter(
            organisation_id=customer.organisation_id, location__isnull=True
        ).update(location=places[DEMO_REQUEST_PLACE])
        # A current announcement for the demo's buildings (the announcements app).
        seed_announcement(
            User.objects.filter(username=DEMO_MANAGER[0]).first(), customer.organisation_id
        )
        line = "=" * 64
        people = [
            ("organisation admin", DEMO_CUSTOMER[0], DEMO_CUSTOMER[1]),
            *(("member", member[0], DEMO_CUSTOMER[1]) for member in DEMO_MEMBERS),
            ("company admin", DEMO_MANAGER[0], DEMO_MANAGER[1]),
            *(("manager", manager[0], DEMO_MANAGER[1]) for manager in DEMO_MANAGERS),
        ]
        rows = "".join(
            f"  {role + ':':20}{login} / {password}\n" for role, login, password in people
        )
        self.stdout.write(
            f"{line}\nDemo accounts (local use only), Demo Tenant LLC and the company:\n"
            f"{rows}Open {url}\n{line}"
        )

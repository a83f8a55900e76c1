"""factory_boy factories shared by every test layer."""

import io

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.places.models import Building, Lease, Premises

PASSWORD = "correct-horse-battery-9"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Tenant {n} LLC")
    address = factory.Sequence(lambda n: f"Office {100 + n}, 1 Example Street")
    phone = "+79090951670"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    # Confirmed, as every address that has been in use: the e-mail tests are about what is
    # sent to people; the tests of confirmation make unconfirmed ones.
    email_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)


class CustomerFactory(UserFactory):
    organisation = factory.SubFactory(OrganisationFactory)


class ManagerFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def manager_group(obj, create, extracted, **kwargs):
        if create:
            # get_or_create: a transactional test flushes the group the migration made.
            obj.groups.add(Group.objects.get_or_create(name=MANAGER_GROUP)[0])


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    name = factory.Sequence(lambda n: f"Building {n}")
    address = factory.Sequence(lambda n: f"{n} Example Avenue")


class PremisesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Premises

    building = factory.SubFactory(BuildingFactory)
    unit = factory.Sequence(lambda n: f"{100 + n}")
    floor = "1"


class LeaseFactory(factory.django.DjangoModelFactory):
    """A lease running since a month ago, open-ended."""

    class Meta:
        model = Lease

    organisation = factory.SubFactory(OrganisationFactory)
    premises = factory.SubFactory(PremisesFactory)
    start = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=30))
    end = None


def image_bytes(width=640, height=480, fmt="JPEG", color=(200, 80, 40), **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt, **save_kwargs)
    return buffer.getvalue()


def image_upload(name="photo.jpg", width=640, height=480, fmt="JPEG", content_type="image/jpeg"):
    return SimpleUploadedFile(name, image_bytes(width, height, fmt), content_type=content_type)


# --- announcements (issue 22) ----------------------------------------------------------------

from tenantdesk.announcements.models import Announcement  # noqa: E402


class AnnouncementFactory(factory.django.DjangoModelFactory):
    """A current announcement (started an hour ago, ends in a day) for one new building;
    `buildings=[...]` names others."""

    class Meta:
        model = Announcement
        skip_postgeneration_save = True

    title_en = factory.Sequence(lambda n: f"Water off {n}")
    title_ru = factory.Sequence(lambda n: f"Нет воды {n}")
    text_en = "The pipes are being replaced."
    text_ru = "Меняем трубы."
    starts_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=1))
    time_zone = "Europe/Moscow"
    published_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def buildings(obj, create, extracted, **kwargs):
        if create:
            obj.buildings.set(extracted if extracted is not None else [BuildingFactory()])


# --- incidents (issue 22) --------------------------------------------------------------------


class IncidentFactory(factory.django.DjangoModelFactory):
    """An open incident of a building, opened by a manager."""

    class Meta:
        model = "incidents.Incident"

    title = factory.Sequence(lambda n: f"Lift {n} out of order")
    building = factory.SubFactory(BuildingFactory)
    type = "electrical"
    created_by = factory.SubFactory(ManagerFactory)

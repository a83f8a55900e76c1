"""Reply by e-mail end to end: `manage.py receive_email` and POST /email/inbound turn a raw
message into a chat message of its person, or refuse it and store nothing."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import subprocess
from email.message import EmailMessage
from pathlib import Path
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import Client

from config.asgi import application
from tenantdesk.accounts.models import Organisation
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.notifications import tokens
from tenantdesk.notifications.inbound import services
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory, image_bytes
from tests.unit.chat.helpers import make_service_request, session_cookie
from tests.unit.core import test_body_limit as body
from tests.unit.core import test_nginx_body_sizes as nginx

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"
DOMAIN = "reply.example.com"
EMAIL = "ivan.petrov@example.com"
URL = "/email/inbound"
SECRET = "s3cret-inbound-token-0123456789"


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.REPLY_DOMAIN = DOMAIN
    settings.INBOUND_EMAIL_TOKEN = SECRET
    settings.DEFAULT_FROM_EMAIL = "Tenant Desk <noreply@desk.example.com>"


@pytest.fixture(autouse=True)
def _manager_group(db):
    Group.objects.get_or_create(name=MANAGER_GROUP)


@pytest.fixture
def person(organisation):
    return CustomerFactory(organisation=organisation, email=EMAIL)


@pytest.fixture
def service_request(person):
    return make_service_request(person)


def address(user, service_request) -> str:
    return tokens.reply_address(user_id=user.pk, service_request_id=service_request.pk)


def fixture_mail(name: str, reply_address: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(b"{{reply_address}}", reply_address.encode())


def plain_mail(
    reply_address: str,
    text: str = "The tap still drips.",
    *,
    sender: str = EMAIL,
    message_id: str = "<reply-1@example.com>",
    headers: dict | None = None,
    photos: tuple = (),
    others: tuple = (),
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Ivan Petrov <{sender}>"
    message["To"] = f"Tenant Desk <{reply_address}>"
    message["Subject"] = "Re: [Tenant Desk] New messages"
    message["Date"] = "Fri, 27 Nov 2026 14:20:11 +0300"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    for name, data in photos:
        message.add_attachment(data, maintype="image", subtype="jpeg", filename=name)
    for name, data, content_type in others:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def receive(raw: bytes, *args) -> str:
    out = io.StringIO()
    call_command("receive_email", *args, stdin=io.BytesIO(raw), stdout=out)
    return out.getvalue()


def media_files(settings) -> set[Path]:
    """The chat's stored files (requests made by a test add their own photos elsewhere)."""
    root = Path(settings.MEDIA_ROOT) / "chat"
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


@pytest.fixture
def nothing_stored(settings):
    """Asserts, at the end of the test, that no message, attachment or file was added."""
    before = (Message.objects.count(), Attachment.objects.count(), media_files(settings))
    yield
    after = (Message.objects.count(), Attachment.objects.count(), media_files(settings))
    assert after == before


def refused(raw: bytes, code: str, recipient: str | None = None) -> services.Outcome:
    outcome = services.inbound_email_receive(raw=raw, recipient=recipient)
    assert (outcome.code, outcome.stored) == (code, False), outcome.detail
    return outcome


# --- stored -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["gmail_ru.eml", "outlook_en.eml", "thunderbird_en.eml"])
def test_a_reply_through_receive_email_becomes_the_persons_chat_message(
    name, person, service_request
):
    output = receive(fixture_mail(name, address(person, service_request)))
    message = Message.objects.get()
    assert output == f"stored: chat message {message.pk}\n"
    assert (message.author, message.service_request, message.kind) == (
        person,
        service_request,
        Message.Kind.USER,
    )
    assert "Manager" not in message.text and "Менеджер" not in message.text
    assert message.client_id is not None and not message.by_manager


def test_a_mail_delivered_twice_is_stored_once(person, service_request):
    raw = fixture_mail("gmail_en.eml", address(person, service_request))
    assert receive(raw).startswith("stored:")
    assert receive(raw).startswith("duplicate:")
    assert Message.objects.count() == 1


def test_the_same_message_id_from_another_delivery_route_is_one_message(person, service_request):
    reply_address = address(person, service_request)
    raw = plain_mail(reply_address)
    assert services.inbound_email_receive(raw=raw).code == "stored"
    # The envelope recipient instead of the headers: still the same mail.
    again = services.inbound_email_receive(raw=raw, recipient=reply_address)
    assert again.code == "duplicate"
    assert Message.objects.count() == 1


def test_a_manager_replies_by_email_too(service_request, organisation):
    manager = ManagerFactory(email="boss@desk.example.com")
    raw = plain_mail(address(manager, service_request), "On my way.", sender=manager.email)
    outcome = services.inbound_email_receive(raw=raw)
    assert outcome.code == "stored"
    assert outcome.message.by_manager and outcome.message.author == manager


def test_the_from_address_is_compared_without_case(person, service_request):
    raw = plain_mail(address(person, service_request), sender="IVAN.Petrov@EXAMPLE.com")
    assert services.inbound_email_receive(raw=raw).code == "stored"


def test_the_reply_domain_is_compared_without_case(person, service_request):
    upper = address(person, service_request).replace(DOMAIN, DOMAIN.upper())
    assert services.inbound_email_receive(raw=plain_mail(upper)).code == "stored"


def test_a_photo_is_stored_through_the_chats_checks(person, service_request, settings):
    raw = plain_mail(
        address(person, service_request),
        "Here is the leak.",
        photos=[("leak.jpg", image_bytes(800, 600))],
        others=[("report.pdf", b"%PDF-1.4 not really", "application/pdf")],
    )
    before = media_files(settings)
    outcome = services.inbound_email_receive(raw=raw)
    assert outcome.code == "stored"
    attachment = Attachment.objects.get()
    assert attachment.message == outcome.message and attachment.kind == Attachment.Kind.PHOTO
    assert (attachment.width, attachment.height, attachment.content_type) == (
        800,
        600,
        "image/jpeg",
    )
    assert attachment.original_name == "leak.jpg"
    assert len(media_files(settings) - before) == 2  # the photo and its thumbnail
    assert outcome.log["ignored_parts"] == ["application/pdf report.pdf"]


def test_a_photo_without_text_is_a_message(person, service_request):
    raw = plain_mail(address(person, service_request), "", photos=[("a.jpg", image_bytes())])
    outcome = services.inbound_email_receive(raw=raw)
    assert outcome.code == "stored" and outcome.message.text == ""


def test_text_over_the_limit_is_cut_at_a_word_and_marked(person, service_request, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 40
    raw = plain_mail(address(person, service_request), "word " * 30)
    outcome = services.inbound_email_receive(raw=raw)
    text = outcome.message.text
    assert outcome.code == "stored" and len(text) <= 40 and text.endswith("word…")
    assert outcome.log["truncated_from"] == len(("word " * 30).strip())


def test_auto_submitted_no_is_a_persons_mail(person, service_request):
    raw = plain_mail(address(person, service_request), headers={"Auto-Submitted": "no"})
    assert services.inbound_email_receive(raw=raw).code == "stored"


def test_a_mail_without_message_id_delivered_twice_is_stored_once(person, service_request):
    raw = plain_mail(address(person, service_request), message_id="")
    assert services.inbound_email_receive(raw=raw).code == "stored"
    assert services.inbound_email_receive(raw=raw).code == "duplicate"


def test_a_stored_reply_is_logged_with_ids_and_without_the_body(person, service_request, caplog):
    caplog.set_level(logging.INFO, logger="tenantdesk.notifications.inbound.services")
    services.inbound_email_receive(
        raw=plain_mail(address(person, service_request), "Secret door code 4711")
    )
    (record,) = [r for r in caplog.records if hasattr(r, "inbound_email")]
    assert record.inbound_email["reason"] == "stored"
    assert record.inbound_email["user_id"] == person.pk
    assert record.inbound_email["service_request_id"] == service_request.pk
    assert record.inbound_email["message_id"] == "<reply-1@example.com>"
    assert "4711" not in record.getMessage() and "4711" not in json.dumps(record.inbound_email)


# --- refused, nothing stored --------------------------------------------------------------


@pytest.mark.usefixtures("nothing_stored")
class TestRefusals:
    def test_a_bad_token(self, person, service_request):
        refused(plain_mail(f"reply+nonsense@{DOMAIN}"), "bad_token")

    def test_an_expired_token(self, person, service_request, settings):
        raw = plain_mail(address(person, service_request))
        later = tokens._today() + settings.REPLY_TOKEN_MAX_AGE_DAYS + 1
        with mock.patch.object(tokens, "_today", return_value=later):
            refused(raw, "bad_token")

    def test_a_forged_token(self, person, service_request):
        token = address(person, service_request).split("@")[0].removeprefix("reply+")
        user, request, day, signature = token.split(".")
        forged = f"reply+{user}.{service_request.pk + 1:x}.{day}.{signature}@{DOMAIN}"
        refused(plain_mail(forged), "bad_token")

    def test_no_reply_address_at_all(self, person, service_request):
        refused(plain_mail(f"desk@{DOMAIN}"), "no_token")
        refused(
            plain_mail(address(person, service_request).replace(DOMAIN, "evil.example")), "no_token"
        )

    def test_two_different_reply_addresses(self, person, service_request):
        other = make_service_request(person, title="Second")
        raw = plain_mail(address(person, service_request), headers={"Cc": address(person, other)})
        refused(raw, "ambiguous_token")

    def test_the_envelope_recipient_alone_counts_when_given(self, person, service_request):
        raw = plain_mail(address(person, service_request))
        refused(raw, "no_token", recipient=f"someone@{DOMAIN}")

    def test_a_token_for_a_request_of_another_organisation(self, person, other_customer):
        foreign = make_service_request(other_customer)
        refused(plain_mail(address(person, foreign)), "no_access")

    def test_a_person_who_moved_to_another_organisation(self, person, service_request):
        raw = plain_mail(address(person, service_request))
        person.organisation = OrganisationFactory()
        person.save()
        refused(raw, "no_access")

    def test_another_person_writing_with_the_token(self, person, service_request, other_customer):
        raw = plain_mail(address(person, service_request), sender=other_customer.email)
        refused(raw, "from_mismatch")

    def test_a_colleague_of_the_same_organisation_writing_with_the_token(
        self, person, service_request, organisation
    ):
        colleague = CustomerFactory(organisation=organisation)
        refused(
            plain_mail(address(person, service_request), sender=colleague.email), "from_mismatch"
        )

    def test_a_deactivated_person(self, person, service_request):
        raw = plain_mail(address(person, service_request))
        person.is_active = False
        person.save()
        refused(raw, "inactive")

    def test_a_deleted_person(self, person, service_request):
        raw = plain_mail(address(person, service_request))
        Message.objects.all().delete()
        ServiceRequest.objects.filter(pk=service_request.pk).delete()
        person.delete()
        refused(raw, "unknown_person")

    def test_a_closed_request(self, person, service_request):
        ServiceRequest.objects.filter(pk=service_request.pk).update(
            status=ServiceRequest.Status.CLOSED
        )
        refused(plain_mail(address(person, service_request)), "closed")

    def test_an_empty_reply(self, person, service_request):
        quote_only = "On Fri, 27 Nov 2026 at 14:05, Tenant Desk <x@y.example> wrote:\n> old\n"
        refused(plain_mail(address(person, service_request), quote_only), "empty")
        refused(plain_mail(address(person, service_request), "  \n\n-- \nIvan"), "empty")

    @pytest.mark.parametrize(
        "headers, code",
        [
            ({"Auto-Submitted": "auto-replied"}, "auto_reply"),
            ({"Auto-Submitted": "auto-generated; owner-email=x@y.example"}, "auto_reply"),
            ({"Precedence": "bulk"}, "auto_reply"),
            ({"Precedence": "junk"}, "auto_reply"),
            ({"Precedence": "list"}, "auto_reply"),
            ({"Precedence": "auto_reply"}, "auto_reply"),
            ({"X-Autoreply": "yes"}, "auto_reply"),
            ({"X-Autorespond": "Out of office"}, "auto_reply"),
            ({"Return-Path": "<>"}, "bounce"),
        ],
    )
    def test_automatic_mail(self, person, service_request, headers, code):
        refused(plain_mail(address(person, service_request), headers=headers), code)

    def test_a_delivery_status_report(self, person, service_request):
        report = EmailMessage()
        report["From"] = f"Mail Delivery System <{EMAIL}>"
        report["To"] = address(person, service_request)
        report["Subject"] = "Undelivered Mail Returned to Sender"
        report.set_content("The mail could not be delivered.")
        report.make_mixed()
        report.replace_header(
            "Content-Type", 'multipart/report; report-type=delivery-status; boundary="b1"'
        )
        refused(report.as_bytes(), "bounce")

    def test_mail_from_mailer_daemon(self, person, service_request):
        raw = plain_mail(address(person, service_request), sender="MAILER-DAEMON@example.com")
        refused(raw, "bounce")

    def test_mail_from_our_own_address(self, person, service_request):
        raw = plain_mail(address(person, service_request), sender="noreply@desk.example.com")
        refused(raw, "own_address")

    @pytest.mark.parametrize(
        "data, code",
        [
            (b"\xff\xd8\xff not a jpeg", "corrupt"),  # the chat's codes, passed on
            (b"plain text, not a picture", "bad_attachment"),
            (image_bytes(100, 80), "too_small"),
        ],
    )
    def test_a_bad_photo_refuses_the_whole_mail(self, person, service_request, data, code):
        raw = plain_mail(
            address(person, service_request),
            "Photos attached.",
            photos=[("good.jpg", image_bytes()), ("broken.jpg", data)],
        )
        outcome = refused(raw, code)
        assert "broken.jpg" in outcome.detail

    def test_too_many_photos(self, person, service_request, settings):
        settings.CHAT_MAX_ATTACHMENTS = 1
        photos = [("a.jpg", image_bytes()), ("b.jpg", image_bytes())]
        refused(plain_mail(address(person, service_request), photos=photos), "too_many_attachments")

    def test_a_message_over_the_size_limit(self, person, service_request):
        raw = plain_mail(address(person, service_request))
        with mock.patch.object(services, "message_max_bytes", return_value=len(raw) - 1):
            refused(raw, "too_large")

    def test_unreadable_input(self):
        refused(b"", "unreadable")
        refused(b"\n\n\n", "unreadable")

    def test_reply_by_email_switched_off(self, person, service_request, settings):
        raw = plain_mail(address(person, service_request))
        settings.REPLY_DOMAIN = ""
        refused(raw, "not_configured")

    def test_refusals_exit_0_from_the_command(self, person, service_request):
        raw = plain_mail(f"reply+nonsense@{DOMAIN}")
        assert (
            receive(raw)
            == "refused: bad_token (the reply address is malformed, forged or expired)\n"
        )


def test_a_refusal_is_logged_with_its_reason_and_ids(person, service_request, caplog):
    caplog.set_level(logging.INFO, logger="tenantdesk.notifications.inbound.services")
    raw = plain_mail(address(person, service_request), "Body text 4711", sender="x@evil.example")
    services.inbound_email_receive(raw=raw)
    (record,) = [r for r in caplog.records if hasattr(r, "inbound_email")]
    assert record.inbound_email["reason"] == "from_mismatch"
    assert record.inbound_email["user_id"] == person.pk
    assert record.inbound_email["service_request_id"] == service_request.pk
    assert "4711" not in record.getMessage() and "4711" not in json.dumps(record.inbound_email)


def test_a_database_outage_asks_postfix_to_try_again(person, service_request):
    raw = plain_mail(address(person, service_request))
    with (
        mock.patch.object(services, "message_send", side_effect=OperationalError("server closed")),
        pytest.raises(CommandError) as error,
    ):
        receive(raw)
    assert error.value.returncode == 75
    assert Message.objects.count() == 0


def test_the_envelope_recipient_option(person, service_request):
    reply_address = address(person, service_request)
    raw = plain_mail(f"alias@{DOMAIN}")  # the header names no reply address
    assert receive(raw, "--recipient", reply_address).startswith("stored:")


# --- HTTP ---------------------------------------------------------------------------------


def post(raw: bytes, *, token: str | None = SECRET, content_type="message/rfc822", client=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return (client or Client()).post(URL, data=raw, content_type=content_type, **headers)


def test_the_endpoint_stores_a_raw_message(person, service_request):
    raw = fixture_mail("yandex_ru.eml", address(person, service_request))
    response = post(raw)
    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json() == {"status": "stored", "message_id": message.pk}
    assert message.text == "Добрый день, завтра с 9 до 12 мы на месте."
    again = post(raw)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert Message.objects.count() == 1


@pytest.mark.parametrize("as_file", [False, True])
def test_the_endpoint_takes_the_email_field_of_a_form(person, service_request, as_file):
    # SendGrid Inbound Parse with "POST the raw, full MIME message": multipart/form-data,
    # the message in the field "email" (with to, from, envelope and others beside it).
    raw = fixture_mail("apple_mail_ru.eml", address(person, service_request))
    value = io.BytesIO(raw) if as_file else raw.decode("utf-8")
    if as_file:
        value.name = "email.eml"
    response = Client().post(
        URL,
        {"email": value, "to": address(person, service_request), "envelope": "{}"},
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )
    assert response.status_code == 201, response.content
    assert Message.objects.get().text == "Да, завтра в 9 удобно."


@pytest.mark.usefixtures("nothing_stored")
def test_the_endpoint_refuses_with_a_reason_and_stores_nothing(person, service_request):
    response = post(plain_mail(f"reply+nonsense@{DOMAIN}"))
    assert response.status_code == 202
    assert response.json()["status"] == "refused"
    assert response.json()["error"]["code"] == "bad_token"


@pytest.mark.usefixtures("nothing_stored")
def test_the_endpoint_needs_the_bearer_token(person, service_request):
    raw = plain_mail(address(person, service_request))
    for token in (None, "wrong", SECRET + "x", ""):
        response = post(raw, token=token)
        assert response.status_code == 401, token
        assert response.json()["error"]["code"] == "unauthorised"
        assert response["WWW-Authenticate"].startswith("Bearer")
    basic = Client().post(
        URL, data=raw, content_type="message/rfc822", HTTP_AUTHORIZATION=f"Basic {SECRET}"
    )
    assert basic.status_code == 401


@pytest.mark.usefixtures("nothing_stored")
def test_the_endpoint_does_not_exist_without_its_setting(person, service_request, settings):
    settings.INBOUND_EMAIL_TOKEN = ""
    assert post(plain_mail(address(person, service_request)), token="").status_code == 404
    assert post(plain_mail(address(person, service_request))).status_code == 404


@pytest.mark.usefixtures("nothing_stored")
def test_the_endpoint_refuses_what_is_not_a_message(person, service_request):
    assert Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}").status_code == 405
    assert post(b"{}", content_type="application/json").status_code == 415
    assert post(b" \r\n").status_code == 400
    form = Client().post(URL, {"text": "hello"}, HTTP_AUTHORIZATION=f"Bearer {SECRET}")
    assert form.status_code == 400 and form.json()["error"]["code"] == "no_message"


def test_the_endpoint_needs_no_csrf_token(person, service_request):
    client = Client(enforce_csrf_checks=True)
    assert post(plain_mail(address(person, service_request)), client=client).status_code == 201


def test_the_endpoint_answers_503_when_the_database_is_away(person, service_request):
    with mock.patch(
        "tenantdesk.notifications.inbound.views.inbound_email_receive",
        side_effect=OperationalError("down"),
    ):
        response = post(plain_mail(address(person, service_request)))
    assert response.status_code == 503 and response.json()["error"]["code"] == "unavailable"


def test_nginx_gives_the_endpoint_the_applications_limit(settings):
    app_limit = nginx._app_limit(URL)
    assert app_limit == settings.REQUEST_BODY_MAX_BYTES + services.message_max_bytes()
    assert app_limit > settings.CHAT_MAX_ATTACHMENTS * settings.IMAGE_MAX_BYTES * 4 / 3
    assert nginx._nginx_body_limit(URL) == app_limit


# --- the size limit before Django reads the body (ASGI) ------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_large_body_passes_only_with_the_right_token(settings):
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024
    large = body.Body(size=256 * 1024)
    wrong = await body.call(
        URL, large, content_type="message/rfc822", headers=((b"authorization", b"Bearer no"),)
    )
    assert wrong.status == 413 and wrong.pulled == 0
    assert wrong.json()["error"]["code"] == "too_large"
    right = await body.call(
        URL,
        large,
        content_type="message/rfc822",
        headers=((b"authorization", f"Bearer {SECRET}".encode()),),
    )
    # Past the limit and read whole: the view answers (a body of zeros is no message).
    assert right.pulled == right.sent and right.status == 202
    assert right.json()["error"]["code"] == "unreadable"


# --- live delivery --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_the_stored_reply_arrives_live_in_an_open_chat(settings):
    def setup():
        Group.objects.get_or_create(name=MANAGER_GROUP)
        organisation = Organisation.objects.create(name="Tenant LLC", address="1 Street")
        person = CustomerFactory(organisation=organisation, email=EMAIL)
        service_request = make_service_request(person)
        return person, service_request, session_cookie(person)

    person, service_request, cookie = await database_sync_to_async(setup)()
    communicator = WebsocketCommunicator(
        application,
        f"/ws/request/{service_request.pk}/?lang=en",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ],
    )
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    try:
        raw = fixture_mail("mailru_en.eml", address(person, service_request))
        outcome = await database_sync_to_async(services.inbound_email_receive)(raw=raw)
        assert outcome.code == "stored"
        while True:
            frame = json.loads(await communicator.receive_from(timeout=3))
            if frame["type"] == "message":
                break
        assert frame["message"]["id"] == outcome.message.pk
        assert frame["message"]["text"] == "The plumber came, thank you. Now it drips in room 102."
    finally:
        await communicator.disconnect()
        await asyncio.sleep(0)


# --- more about parts, recipients and the command's input ----------------------------------


def test_pictures_of_an_html_body_are_left_out_and_inline_photos_kept(person, service_request):
    message = EmailMessage()
    message["From"] = EMAIL
    message["To"] = address(person, service_request)
    message["Message-ID"] = "<related-1@example.com>"
    message.set_content("See the photo.")
    message.add_alternative('<p>See the photo.</p><img src="cid:logo">', subtype="html")
    html = message.get_payload()[1]
    html.add_related(image_bytes(), maintype="image", subtype="png", cid="<logo>")
    # Apple Mail puts a photo inline, in the mixed part, without being an HTML picture.
    message.add_attachment(
        image_bytes(),
        maintype="image",
        subtype="jpeg",
        filename="IMG_0001.jpeg",
        disposition="inline",
    )
    outcome = services.inbound_email_receive(raw=message.as_bytes())
    assert outcome.code == "stored" and outcome.message.text == "See the photo."
    assert [a.original_name for a in Attachment.objects.all()] == ["IMG_0001.jpeg"]
    assert outcome.log["ignored_parts"] == ["image/png"]


def test_the_address_our_mail_server_delivered_to_wins_over_to_and_cc(person, service_request):
    other = make_service_request(person, title="Second")
    raw = plain_mail(
        address(person, other), headers={"Delivered-To": address(person, service_request)}
    )
    outcome = services.inbound_email_receive(raw=raw)
    assert outcome.code == "stored" and outcome.message.service_request == service_request


def test_x_original_to_is_read_too(person, service_request):
    raw = plain_mail(f"desk@{DOMAIN}", headers={"X-Original-To": address(person, service_request)})
    assert services.inbound_email_receive(raw=raw).code == "stored"


def test_the_command_reads_bytes_from_standard_input(person, service_request):
    raw = fixture_mail("outlook_ru.eml", address(person, service_request))  # windows-1251
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="ascii")
    out = io.StringIO()
    with mock.patch("sys.stdin", stdin):
        call_command("receive_email", stdout=out)
    assert out.getvalue().startswith("stored:")
    assert Message.objects.get().text.startswith("Добрый день!")


def test_one_very_long_line_is_cut_to_the_chats_limit(person, service_request, settings):
    raw = plain_mail(address(person, service_request), "a" * 300_000)
    outcome = services.inbound_email_receive(raw=raw)
    assert outcome.code == "stored"
    assert len(outcome.message.text) == settings.CHAT_MESSAGE_MAX_LENGTH
    assert outcome.message.text.endswith("…")


# --- deploy/postfix ---------------------------------------------------------------------------

POSTFIX = Path(__file__).resolve().parents[3] / "deploy" / "postfix"


def test_the_postfix_recipient_table_admits_reply_addresses_only(settings):
    settings.REPLY_DOMAIN = "reply.desk.example.com"  # the domain of the example files
    (line,) = [
        row
        for row in (POSTFIX / "tenantdesk_recipients").read_text().splitlines()
        if row.startswith("/")
    ]
    pattern = re.compile(line.split("/")[1], re.IGNORECASE)  # Postfix: case-insensitive
    real = tokens.reply_address(user_id=123456, service_request_id=987654)
    assert pattern.search(real) and pattern.search(real.upper())
    for other in ("desk@reply.desk.example.com", "reply+x@reply.desk.example.com", real + ".evil"):
        assert not pattern.search(other), other
    subprocess.run(["sh", "-n", str(POSTFIX / "receive-email")], check=True)


def test_a_mail_with_a_photo_delivered_twice_stores_one_photo(person, service_request, settings):
    raw = plain_mail(address(person, service_request), photos=[("a.jpg", image_bytes())])
    assert services.inbound_email_receive(raw=raw).code == "stored"
    files = media_files(settings)
    assert services.inbound_email_receive(raw=raw).code == "duplicate"
    assert (Message.objects.count(), Attachment.objects.count()) == (1, 1)
    assert media_files(settings) == files

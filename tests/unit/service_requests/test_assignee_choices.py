"""The header's assignee menu, its choices written in Python ({% assignee_choices %}):
byte for byte what the template's loop wrote, for names that need escaping, one-word
names, names in Cyrillic and none, the current assignee checked, in both languages; and
on the page itself a manager gets every choice, a customer none."""

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import ManagerFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db

# The loop as _workspace_menus.html wrote it before the tag (commit ec68df3).
TEMPLATE_LOOP = Template(
    "{% load request_page %}{% for manager in assignees %}\n"
    '      <form method="post" action="{{ assign_url }}" role="none">\n'
    '        <input type="hidden" name="csrfmiddlewaretoken" value="{{ csrf_token }}">'
    '<input type="hidden" name="action" value="assign"><input type="hidden" '
    'name="assignee" value="{{ manager.pk }}">\n'
    '        <button type="submit" role="menuitemradio" aria-checked="{% if manager.pk == '
    'service_request.assignee_id %}true{% else %}false{% endif %}" class="rq-menu-item" '
    'data-testid="assign-to-{{ manager.pk }}"><span class="td-avatar" aria-hidden="true">'
    "{{ manager.display_name|initials }}</span>{{ manager.display_name }}</button>\n"
    "      </form>\n    {% endfor %}"
)
TAG = Template(
    "{% load request_page %}{% assignee_choices assignees service_request assign_url csrf_token %}"
)


@pytest.fixture
def managers():
    return [
        ManagerFactory(first_name="Anna", last_name="Ivanova"),
        ManagerFactory(first_name='O\'Brien "Bob"', last_name="<Smith> & Co"),
        ManagerFactory(first_name="Ёлка", last_name="Щукина"),
        ManagerFactory(first_name="", last_name="", username="solo-manager"),
        ManagerFactory(first_name="Madonna", last_name=""),
    ]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("assigned", [None, 0, 1])
def test_the_tag_writes_what_the_template_loop_wrote(customer, managers, language, assigned):
    service_request = make_service_request(customer)
    if assigned is not None:
        service_request.assignee = managers[assigned]
    context = {
        "assignees": managers,
        "service_request": service_request,
        "assign_url": f"/request/{service_request.pk}/assign?a=1&b=2",
        "csrf_token": "tok'en<&>",
    }
    with translation.override(language):
        expected = TEMPLATE_LOOP.render(Context(context))
        written = TAG.render(Context(context))
    assert written == expected
    assert written.count("<form ") == len(managers)
    assert written.count('aria-checked="true"') == (assigned is not None)


def test_no_managers_no_choices(customer):
    service_request = make_service_request(customer)
    context = {"assignees": [], "service_request": service_request, "assign_url": "/x"}
    assert TAG.render(Context({**context, "csrf_token": "t"})) == ""


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_page_offers_every_manager_to_a_manager_and_nothing_to_a_customer(
    customer, manager, managers, language
):
    service_request = make_service_request(customer)
    ServiceRequest.objects.filter(pk=service_request.pk).update(assignee=managers[1])
    pages = {}
    for role, user in (("manager", manager), ("customer", customer)):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        response = client.get(f"/request/{service_request.pk}")
        assert response.status_code == 200
        pages[role] = response.content.decode()
    for person in [*managers, manager]:
        assert f'data-testid="assign-to-{person.pk}"' in pages["manager"]
        assert f'data-testid="assign-to-{person.pk}"' not in pages["customer"]
    checked = f'aria-checked="true" class="rq-menu-item" data-testid="assign-to-{managers[1].pk}"'
    assert checked in pages["manager"]
    assert "&lt;Smith&gt; &amp; Co" in pages["manager"]

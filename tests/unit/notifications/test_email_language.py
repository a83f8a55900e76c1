"""The language a person last used is stored (User.language) for their e-mails, at the
cost of one UPDATE when it changes and nothing otherwise."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenantdesk.accounts.models import User


def _language(user) -> str:
    return User.objects.values_list("language", flat=True).get(pk=user.pk)


def _queries(client, language):
    with CaptureQueriesContext(connection) as context:
        client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    return [q["sql"] for q in context.captured_queries]


def test_a_page_in_russian_stores_russian_once(client, customer):
    client.force_login(customer)
    client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert _language(customer) == "ru"
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert _language(customer) == "en"


def test_only_a_change_costs_a_query_and_it_is_one_update(client, customer):
    client.force_login(customer)
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    unchanged = _queries(client, "en")
    changed = _queries(client, "ru")
    assert len(changed) == len(unchanged) + 1
    assert [q for q in changed if q.startswith("UPDATE")] == [changed[-1]]
    assert not any(q.startswith("UPDATE") for q in unchanged)
    assert len(_queries(client, "ru")) == len(unchanged)


def test_the_language_switcher_is_followed(client, customer):
    client.force_login(customer)
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"}, follow=True)
    assert _language(customer) == "ru"


def test_signed_out_visitors_and_probes_cost_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        client.get("/healthz", HTTP_ACCEPT_LANGUAGE="ru")
    client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert not User.objects.exclude(language="").exists()

import pytest

pytestmark = pytest.mark.django_db


def test_home_page_signed_out_offers_sign_in_and_registration(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/accounts/login"' in body
    assert 'href="/accounts/register"' in body

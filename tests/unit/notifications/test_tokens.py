"""Reply and unsubscribe tokens: round trip, forgery, expiry."""

from unittest import mock

from tenantdesk.notifications import tokens


def test_a_reply_token_names_its_person_and_request_and_fits_an_address(settings):
    settings.REPLY_DOMAIN = "reply.example.com"
    address = tokens.reply_address(user_id=12345, service_request_id=987654)
    local, domain = address.split("@")
    assert domain == "reply.example.com" and len(local) <= 64
    token = local.removeprefix("reply+")
    assert tokens.read_reply_token(token) == tokens.ReplyTarget(12345, 987654)
    assert tokens.read_reply_token(token.upper()) == tokens.ReplyTarget(12345, 987654)


def test_no_reply_address_without_a_reply_domain(settings):
    settings.REPLY_DOMAIN = ""
    assert tokens.reply_address(user_id=1, service_request_id=2) is None


def test_a_changed_or_malformed_reply_token_is_refused():
    token = tokens.reply_token(user_id=5, service_request_id=7)
    user, request, day, signature = token.split(".")
    assert tokens.read_reply_token(f"6.{request}.{day}.{signature}") is None  # another person
    assert tokens.read_reply_token(f"{user}.8.{day}.{signature}") is None  # another request
    assert tokens.read_reply_token(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    for bad in ("", "a.b.c", "x.y.z.w", token + ".1", "1.2.3." + "g" * 20):
        assert tokens.read_reply_token(bad) is None


def test_a_reply_token_expires(settings):
    settings.REPLY_TOKEN_MAX_AGE_DAYS = 30
    token = tokens.reply_token(user_id=5, service_request_id=7)
    with mock.patch.object(tokens, "_today", return_value=tokens._today() + 31):
        assert tokens.read_reply_token(token) is None
    with mock.patch.object(tokens, "_today", return_value=tokens._today() + 30):
        assert tokens.read_reply_token(token) is not None


def test_unsubscribe_tokens_round_trip_and_expire(settings):
    token = tokens.unsubscribe_token(user_id=3, kind="missed_messages")
    assert tokens.read_unsubscribe_token(token) == (3, "missed_messages")
    assert tokens.read_unsubscribe_token(token + "x") is None
    settings.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS = 0
    with mock.patch("django.core.signing.time.time", return_value=10**10):
        assert tokens.read_unsubscribe_token(token) is None

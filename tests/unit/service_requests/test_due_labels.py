"""The due badge ({{ sr|due_label }}): which target applies, the words in both languages,
colour with text, nothing for requests without due times or closed ones."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from tenantdesk.service_requests.templatetags.due_labels import due_label, due_state, duration_text


def in_(**kwargs):
    # Evaluated when the test runs (parametrize values are made at collection time), with
    # a few seconds of slack: the label is computed a moment after this.
    return lambda: timezone.now() + timedelta(**kwargs) + timedelta(seconds=5)


def ago(**kwargs):
    return lambda: timezone.now() - timedelta(**kwargs) - timedelta(seconds=5)


def request(**fields):
    values = {
        "status": "pending",
        "first_response_due_at": None,
        "resolution_due_at": None,
        "first_response_at": None,
    }
    values.update({name: value() if callable(value) else value for name, value in fields.items()})
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    ("fields", "english", "russian", "kind"),
    [
        ({"first_response_due_at": in_(minutes=12)}, "due in 12 min", "через 12 мин", "soon"),
        ({"first_response_due_at": ago(hours=1)}, "overdue 1 h", "просрочено на 1 ч", "overdue"),
        ({"first_response_due_at": in_(days=2)}, "due in 2 d", "через 2 дн.", "due"),
        (
            {
                "first_response_due_at": ago(hours=3),
                "first_response_at": ago(hours=4),
                "resolution_due_at": in_(hours=5),
            },
            "answered · due in 5 h",
            "есть ответ · через 5 ч",
            "due",
        ),
        (
            {
                "first_response_due_at": ago(days=3),
                "first_response_at": ago(days=3),
                "resolution_due_at": ago(minutes=40),
            },
            "answered · overdue 40 min",
            "есть ответ · просрочено на 40 мин",
            "overdue",
        ),
    ],
)
def test_labels_in_both_languages(fields, english, russian, kind):
    sr = request(**fields)
    with translation.override("en"):
        html = due_label(sr)
    assert f'<span aria-hidden="true">{english}</span>' in html
    assert f'data-due="{kind}"' in html
    # Colour is never alone: the words say it too, and a full sentence for screen readers.
    assert {"overdue": "text-bg-danger", "soon": "text-bg-warning", "due": "text-bg-light"}[
        kind
    ] in html
    assert 'class="visually-hidden"' in html
    with translation.override("ru"):
        assert f'<span aria-hidden="true">{russian}</span>' in due_label(sr)


def test_the_screen_reader_sentence_names_the_target():
    with translation.override("en"):
        first = due_label(request(first_response_due_at=ago(hours=1)))
        resolution = due_label(
            request(first_response_at=ago(hours=1), resolution_due_at=in_(hours=2))
        )
    assert "First response overdue by 1 h" in first
    assert "Resolution due in 2 h" in resolution


@pytest.mark.parametrize(
    "fields",
    [
        {},  # opened before due times existed
        {"status": "closed", "first_response_due_at": ago(hours=1)},
        {"first_response_at": ago(hours=1), "first_response_due_at": in_(hours=1)},  # no resolution
    ],
)
def test_nothing_is_shown_without_a_due_time_that_applies(fields):
    assert due_label(request(**fields)) == ""
    assert due_state(request(**fields)) is None


def test_durations_round_down_and_never_say_zero():
    with translation.override("en"):
        assert duration_text(timedelta(seconds=20)) == "1 min"
        assert duration_text(timedelta(minutes=59)) == "59 min"
        assert duration_text(timedelta(minutes=119)) == "1 h"
        assert duration_text(timedelta(hours=47)) == "1 d"


@pytest.mark.parametrize(
    "fields",
    [
        {"first_response_due_at": in_(minutes=12)},
        {"first_response_due_at": ago(hours=1)},
        {"first_response_due_at": in_(minutes=59, seconds=50)},
        {"first_response_due_at": in_(minutes=60, seconds=30)},
        {"first_response_due_at": in_(days=2)},
        {"first_response_at": ago(hours=4), "resolution_due_at": in_(hours=5)},
        {"first_response_at": ago(days=3), "resolution_due_at": ago(minutes=40)},
    ],
)
def test_a_badge_written_once_is_the_badge_written_anew(fields):
    # Badges are kept per language and wording (due_labels._due_badges): the kept one is
    # what writing it from the request's own state gives, in either language, and a second
    # request a few seconds apart with the same wording gets the same.
    from tenantdesk.service_requests.templatetags import due_labels

    for language in ("en", "ru", "en"):
        with translation.override(language):
            due_labels._due_badges.clear()
            sr = request(**fields)
            state = due_state(sr)
            fresh = due_labels._due_badge(state, soon=state.left <= due_labels.SOON)
            assert due_label(sr) == fresh
            assert due_label(sr) == fresh  # from the kept ones
            later = request(
                **{k: (lambda v=v: v() + timedelta(seconds=2)) for k, v in fields.items()}
            )
            if duration_text(due_state(later).left) == duration_text(state.left):
                assert due_label(later) == fresh

"""The Russian catalogues: complete (no empty or fuzzy translation ships) and well worded."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2] / "tenantdesk"
CATALOGUES = sorted(ROOT.rglob("locale/ru/LC_MESSAGES/django.po"))


def test_there_are_catalogues_for_the_project_and_each_app():
    owners = {path.relative_to(ROOT).parts[0] for path in CATALOGUES}
    assert {"locale", "core", "accounts", "service_requests"} <= owners


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_fully_translated(path):
    catalogue = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated in {path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy}"


def test_the_russian_status_line_says_changed_once():
    from tenantdesk.chat.serializers import system_text

    event = {"type": "status", "from": "pending", "to": "in_progress", "actor": "Анна Иванова"}
    with translation.override("ru"):
        line = system_text(event, "")
    assert line == "Статус изменён с «Ожидает» на «В работе» (Анна Иванова)."

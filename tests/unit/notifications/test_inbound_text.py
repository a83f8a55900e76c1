"""The new text of a reply: quoted history and signatures left out, for the way each
common client quotes (tests/fixtures/mail/*.eml, written by hand after each client's
layout), in English and in Russian where the client localises its quote header."""

from pathlib import Path

import pytest
from mailparser_reply import EmailReplyParser

from tenantdesk.notifications.inbound import mail
from tenantdesk.notifications.inbound.reply_text import html_to_text, reply_text, unflow

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mail"

EXPECTED = {
    "gmail_en.eml": (
        "Thanks, the plumber can come tomorrow after 10:00.\nThe key is at the reception."
    ),
    "gmail_ru.eml": "Мастер может прийти завтра после 10:00.\nКлюч на ресепшене.",
    "outlook_en.eml": (
        "Hello,\n\nThe water is still dripping from the ceiling in room 101. "
        "Please send someone today."
    ),
    "outlook_en_original_message.eml": "Tomorrow at 9 is fine.",
    "outlook_ru.eml": (
        "Добрый день!\n\nВода всё ещё капает с потолка в 101-м кабинете. "
        "Пришлите, пожалуйста, мастера сегодня."
    ),
    "apple_mail_en.eml": "Yes, tomorrow at 9 works.",
    "apple_mail_ru.eml": "Да, завтра в 9 удобно.",
    "thunderbird_en.eml": (
        "Any time after 10 tomorrow; the reception has the key for room 101, "
        "just ask for it at the desk."
    ),
    "thunderbird_ru.eml": "Сантехник был, течь устранена. Спасибо! Заявку можно закрывать.",
    "yandex_en.eml": "We are in from 9 to 12 tomorrow.",
    "yandex_ru.eml": "Добрый день, завтра с 9 до 12 мы на месте.",
    "mailru_en.eml": "The plumber came, thank you. Now it drips in room 102.",
    "mailru_ru.eml": "Мастер пришёл, спасибо. Но теперь капает в 102-м.",
}


def test_every_fixture_has_its_expected_text():
    assert sorted(EXPECTED) == sorted(path.name for path in FIXTURES.glob("*.eml"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_client_yields_exactly_the_new_text(name, settings):
    settings.REPLY_DOMAIN = "reply.example.com"
    parsed = mail.parse((FIXTURES / name).read_bytes())
    assert mail.new_text(parsed) == EXPECTED[name]
    assert mail.loop_reason(parsed) is None


def test_html_only_mail_is_read_as_text_without_its_quote():
    # Mail.ru sends HTML only; its quote is a blockquote under an attribution line.
    parsed = mail.parse((FIXTURES / "mailru_ru.eml").read_bytes())
    assert parsed.message.get_body(preferencelist=("plain",)) is None
    assert mail.new_text(parsed) == EXPECTED["mailru_ru.eml"]


def test_html_to_text_keeps_blocks_and_marks_quotes():
    html = (
        "<html><head><style>p {color: red}</style><title>t</title></head><body>"
        "<p>First &amp; <b>bold</b></p><div>Second<br>third</div>"
        "<blockquote><div>quoted</div><blockquote>deeper</blockquote></blockquote>"
        "<div class='gmail_signature'>-- <br>Signature</div><script>alert(1)</script>"
        "</body></html>"
    )
    assert html_to_text(html) == "First & bold\nSecond\nthird\n> quoted\n> > deeper"


def test_the_rfc_3676_signature_delimiter_cuts_the_signature():
    text = "The tap is fixed.\n\n-- \nIvan Petrov\nOffice 101\n+7 909 000-00-00"
    assert reply_text(text) == "The tap is fixed."


def test_sent_from_my_phone_lines_are_left_out_in_english_and_russian():
    assert reply_text("Done.\n\nSent from my iPhone") == "Done."
    assert reply_text("Готово.\n\nОтправлено из мобильной Почты Mail.ru") == "Готово."


def test_a_sentence_that_starts_like_a_sign_off_is_kept():
    # The library's own signature rule would cut here and keep only "Hello,".
    text = "Hello,\nThanks, the plumber came.\nAll good now."
    assert reply_text(text) == text
    assert EmailReplyParser(languages=["en"]).read(text).replies[0].body == "Hello,"


def test_a_list_is_kept_and_a_sign_off_block_is_left_out():
    text = "Two things:\n- the tap\n- the sink\n\nBest regards,\nIvan Petrov\nTenant 7 LLC"
    assert reply_text(text) == "Two things:\n- the tap\n- the sink"


def test_a_sign_off_far_from_the_end_is_not_a_signature():
    text = "Regards,\n" + "\n".join(f"line {n}" for n in range(10))
    assert reply_text("Intro\n" + text) == "Intro\n" + text


def test_russian_quote_headers_need_our_own_rules():
    # The library knows no Russian: alone, it would post the quoted digest back.
    text = "Ответ.\n\n27.11.2026 14:05, Tenant Desk пишет:\nМенеджер: Мы пришлём сантехника."
    assert "Менеджер" in EmailReplyParser(languages=["en"]).parse_reply(text)
    assert reply_text(text) == "Ответ."


@pytest.mark.parametrize(
    "header",
    [
        "В пт, 27 нояб. 2026 г. в 14:05, пользователь Tenant Desk <a@b.example> написал:",
        "27 нояб. 2026 г., в 14:05, Tenant Desk <a@b.example> написал(а):",
        "27.11.2026 14:05, Tenant Desk пишет:",
        '27.11.2026, 14:05, "Tenant Desk" <a@b.example>:',
        "Среда, 25 ноября 2026, 10:00 +03:00 от Tenant Desk <a@b.example>:",
        "Wednesday, 25 November 2026, 10:00 +03:00 from Tenant Desk <a@b.example>:",
        "-----Исходное сообщение-----",
        "-------- Пересылаемое сообщение --------",
        "-----Original Message-----",
        "On Wed, 25 Nov 2026 at 10:00, Tenant Desk <a@b.example> wrote:",
    ],
)
def test_quote_headers_of_each_form_cut_the_history(header):
    text = f"New text.\n\n{header}\nOld text without quote marks.\nMore old text."
    assert reply_text(text) == "New text."


def test_outlook_russian_header_block_cuts_the_history():
    text = (
        "Новый текст.\n\nОт: Tenant Desk <noreply@example.com>\n"
        "Отправлено: 27 ноября 2026 г. 14:05\nКому: Иван\nТема: RE: заявка\n\nСтарый текст."
    )
    assert reply_text(text) == "Новый текст."


def test_a_reply_written_below_the_quote_is_found():
    text = "On 27/11/2026 14:05, Tenant Desk wrote:\n> old\n> older\n\nMy answer.\n\n-- \nIvan"
    assert reply_text(text) == "My answer."


def test_nothing_but_a_quote_is_empty():
    assert reply_text("On 27/11/2026 14:05, Tenant Desk wrote:\n> old\n") == ""
    # Outlook quotes without ">": nothing above its header is nothing at all.
    outlook = "From: Tenant Desk <a@b.example>\nSent: Friday\nTo: Ivan\nSubject: x\n\nold"
    assert reply_text(outlook) == ""


def test_a_line_with_a_time_and_a_colon_is_not_a_quote_header():
    text = "Come at 10:00, please:\nthe key is at the desk."
    assert reply_text(text) == text


def test_flowed_text_is_joined_and_its_quote_depth_kept():
    flowed = "A long line that \nwas wrapped.\n> quoted line \n> continued\n-- \nsig"
    assert unflow(flowed, delsp=False) == (
        "A long line that was wrapped.\n> quoted line continued\n-- \nsig"
    )
    assert unflow("split wo\u0020\nrd", delsp=True) == "split word"


@pytest.mark.parametrize(
    "name", ["gmail_en.eml", "gmail_ru.eml", "outlook_en.eml", "yandex_ru.eml"]
)
def test_the_html_twin_of_each_client_gives_the_same_text(name):
    # Each client's own markup: Gmail's gmail_quote, Outlook's divRplyFwdMsg block and its
    # Signature div, Yandex's blockquote. Paragraph spacing may differ; the words may not.
    parsed = mail.parse((FIXTURES / name).read_bytes())
    html = parsed.message.get_body(preferencelist=("html",)).get_content()
    from_html = reply_text(html_to_text(html))
    assert from_html.replace("\n\n", "\n") == EXPECTED[name].replace("\n\n", "\n")

"""The lock-out's countdown sentence in every plural form of the page's language.

The page counts down without the server (accounts/js/countdown.js), so the browser needs
the sentence for every number it will show: "1 секунду", "2 секунды", "5 секунд". The
gettext catalogue knows which form a number takes; the browser does not. So each form is
sent once, with the form of every number 0–199 (numbers above repeat 100–199's: the plural
rules of gettext languages look at n % 100, and English at n == 1, which 100–199 keeps).
"""

import json

from django.utils.translation import ngettext


def _sentence(number: int) -> str:
    return ngettext(
        "Sign-in from your address is blocked. Try again in %(seconds)s second.",
        "Sign-in from your address is blocked. Try again in %(seconds)s seconds.",
        number,
    )


def countdown_text(seconds: int) -> str:
    return _sentence(seconds) % {"seconds": seconds}


def countdown_forms() -> dict[str, str]:
    """{"forms": JSON list of the sentences with "%(seconds)s", "index": one digit a number}."""
    forms: list[str] = []
    index = []
    for number in range(200):
        sentence = _sentence(number)
        if sentence not in forms:
            forms.append(sentence)
        index.append(str(forms.index(sentence)))
    return {"forms": json.dumps(forms, ensure_ascii=False), "index": "".join(index)}

"""Widgets and tags written for speed still say what Django's own would."""

import pytest
from django import forms
from django.template import Context, Template

from tenantdesk.core.forms import QuickSelect
from tenantdesk.service_requests.models import ServiceRequest


class ChoiceForm(forms.Form):
    pick = forms.ChoiceField(
        choices=[
            ("", "All"),
            ("1", "Alpha & Co"),
            ("2", "<script>x</script>"),
            ("3", 'O\'Brien "Ltd"'),
        ],
        required=False,
        widget=QuickSelect(attrs={"class": "form-select"}),
    )


def test_quick_select_marks_the_choice_and_escapes_labels():
    html = str(ChoiceForm(data={"pick": "2"})["pick"])
    assert html.startswith('<select class="form-select" id="id_pick" name="pick">')
    assert '<option value="1">Alpha &amp; Co</option>' in html
    assert '<option value="2" selected>&lt;script&gt;x&lt;/script&gt;</option>' in html
    # Quotes as Django's escape() writes them, so no attribute or markup can be broken.
    assert '<option value="3">O&#x27;Brien &quot;Ltd&quot;</option>' in html
    assert html.count("selected") == 1 and html.endswith("</select>")


@pytest.mark.parametrize("kind", ["electrical", "plumbing", "cleaning", "unknown"])
def test_type_icon_tag_is_the_included_drawing(kind):
    tag = Template("{% load service_requests %}{% type_icon kind %}")
    include = Template('{% include "service_requests/_type_icon.html" with type=kind %}')
    context = {"kind": kind}
    assert tag.render(Context(context)) == include.render(Context(context))
    assert "<svg" in tag.render(Context(context))


@pytest.mark.parametrize("language, label", [("en", "In progress"), ("ru", "В работе")])
def test_status_badge_and_type_label_speak_the_active_language(language, label):
    from django.utils import translation

    tag = Template("{% load service_requests %}{% status_badge s %}|{% type_label t %}")
    with translation.override(language):
        html = tag.render(Context({"s": "in_progress", "t": "plumbing"}))
        plumbing = str(ServiceRequest.Type.PLUMBING.label)
    badge, type_text = html.split("|")
    assert 'data-status="in_progress"' in badge and f">{label}</span>" in badge
    assert type_text == plumbing

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A <select> written out directly. Django renders every <option> through a template
    of its own: for the managers' list of a few hundred organisations that was a third of
    the page's time. No option groups, no per-option attributes (none are used here)."""

    # Flat (value, label) pairs kept as given: Django normalizes every choice on every
    # assignment (groups, enums, callables), which for a few hundred organisations was
    # most of the filter form's time.
    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = list(value)

    def render(self, name, value, attrs=None, renderer=None):
        attributes = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = set(self.format_value(value))
        # html.escape, not format_html: the same escaping (quotes included) without
        # Django's per-argument lazy-string and SafeString checks, which were most of
        # the cost with a few hundred options.
        options = "".join(
            f'<option value="{escape(str(option))}"'
            f"{' selected' if str(option) in chosen else ''}>{escape(str(label))}</option>"
            for option, label in self.choices
        )
        return format_html("<select{}>{}</select>", flatatt(attributes), mark_safe(options))  # noqa: S308  (every part escaped above)


class FlatTypedChoiceField(forms.TypedChoiceField):
    """A TypedChoiceField of flat (value, label) pairs drawn by QuickSelect, its choices kept
    as given (see QuickSelect.choices): for long lists filled in per request."""

    widget = QuickSelect

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = self.widget.choices = list(value)


class BootstrapFormMixin:
    """Gives widgets Bootstrap's classes and marks fields that have errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            classes = set(widget.attrs.get("class", "").split()) - {"is-invalid"}
            classes.add(css)
            if self.is_bound and self._errors and name in self._errors:
                classes.add("is-invalid")
            widget.attrs["class"] = " ".join(sorted(classes))

    def full_clean(self):
        super().full_clean()
        # Errors are known only now: mark the invalid fields.
        self.style_fields()

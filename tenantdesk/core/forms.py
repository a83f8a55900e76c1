from django import forms


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

"""Form fields shared by the apps' forms.

`ModelChoiceField` and `ModelMultipleChoiceField` send whatever id was posted to the database; a number beyond
64 bits then fails there (SQLite: OverflowError, PostgreSQL: out of range) and the page answers 500. These check
the id first and refuse it as the field refuses any id that is not among its choices."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .params import MAX_ID


def _storable(value) -> bool:
    """False for a whole number no primary key can hold; other text is left to the field's own check."""
    text = str(value).strip()
    return not (text.lstrip("-").isdigit() and not 1 <= int(text) <= MAX_ID)


class IdChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None and not _storable(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        if self.to_field_name is None and isinstance(value, (list, tuple)):
            for pk in value:
                if not _storable(pk):
                    raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                          params={"pk": pk})
        return super().clean(value)

"""``get_FOO_display()`` without re-translating every choice on every call.

Django's ``Model._get_FIELD_display`` builds ``dict(make_hashable(field.flatchoices))`` each
time it is called, and making the (lazily translated) labels hashable translates every one of
them: a state column of 10 choices costs 10 translations per row, which made the status
labels a visible part of every list page (issue 18). Models that mix this in keep one
``{value: lazy label}`` dict per field; each call translates only the label it shows, in the
language of the request as before. Fields with callable choices keep Django's way.
"""

from __future__ import annotations

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


class CachedChoiceDisplay:
    """Mix into a model before ``models.Model`` (the ``get_FOO_display`` methods Django adds
    for fields with choices are bound to the class's ``_get_FIELD_display``)."""

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_display_labels")
        if labels is None:
            if not isinstance(field.choices, (list, tuple)):
                return super()._get_FIELD_display(field)
            labels = {make_hashable(value): label for value, label in field.flatchoices}
            field.__dict__["_display_labels"] = labels
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)

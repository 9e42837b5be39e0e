"""get_FOO_display() through grid.choices.CachedChoiceDisplay: the label of the value in the
language of the moment, and the raw value when it is not a choice (as Django does)."""

from django.utils import translation

from grievances.models import Grievance, GrievanceEvent, State


def test_label_follows_the_language_and_unknown_values_show_as_they_are():
    g = Grievance(state=State.HANDLING, severity="")
    with translation.override("zh-hans"):
        assert g.get_state_display() == "办理中"
    with translation.override("en"):
        assert g.get_state_display() == "In progress"
    assert g.get_severity_display() == ""
    assert Grievance(state="no-such-state").get_state_display() == "no-such-state"


def test_same_label_as_djangos_own_display_for_every_choice():
    from django.db import models

    for model in (Grievance, GrievanceEvent):
        for field in model._meta.fields:
            if not field.choices:
                continue
            for value, _label in field.flatchoices:
                obj = model(**{field.attname: value})
                with translation.override("en"):
                    assert getattr(obj, f"get_{field.name}_display")() == models.Model._get_FIELD_display(obj, field)

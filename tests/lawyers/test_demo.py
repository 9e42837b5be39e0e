"""The demo tells the story of the issue's "done when", and running it twice changes nothing."""

import io

import pytest
from django.core.management import call_command

from legalqa.lawyers.demo import DEMO_QUESTION
from legalqa.lawyers.models import AwardEntry, DocumentTemplate, LawyerProfile, Question
from tests.legalqa.conftest import _fresh_law_caches  # noqa: F401
from tests.legalqa.factories import law_corpus  # noqa: F401


@pytest.mark.django_db
def test_demo_story_and_idempotence(law_corpus):  # noqa: F811 — the library the answers cite
    call_command("seed_demo", only=["grid", "legalqa.lawyers"], stdout=io.StringIO())
    counts = (Question.objects.count(), AwardEntry.objects.count(), DocumentTemplate.objects.count())
    call_command("seed_demo", only=["grid", "legalqa.lawyers"], stdout=io.StringIO())
    assert (Question.objects.count(), AwardEntry.objects.count(), DocumentTemplate.objects.count()) == counts
    q = Question.objects.get(title=DEMO_QUESTION, asker__username="13800000001")
    assert q.state == "closed" and q.answers.count() == 2
    best = q.answers.get(is_best=True)
    assert best.lawyer.username == "lvshi" and "第三十条" in best.body
    assert best.replies.filter(kind="follow_up").exists()
    assert AwardEntry.objects.get(question=q).lawyer.username == "lvshi"
    assert LawyerProfile.objects.verified().count() == 2
    assert DocumentTemplate.objects.count() >= 20

"""Every answer passes the law library's citation check before it is published; valid
references become links to the article."""

import pytest
from django.urls import reverse

from legalqa.lawyers import services
from legalqa.lawyers.services import QAError
from tests.factories import PASSWORD
from tests.lawyers.factories import field
from tests.legalqa.conftest import _fresh_law_caches  # noqa: F401
from tests.legalqa.factories import law_corpus  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(world, citizen, lawyers):
    return services.ask_question(asker=citizen, field=field("labour"), title="欠薪", body="公司拖欠工资",
                                 region=world.east_village)


def test_answer_citing_a_missing_article_is_refused(law_corpus, question, lawyers):  # noqa: F811
    with pytest.raises(QAError, match="未通过核验"):
        services.answer_question(lawyer=lawyers.a.user, question=question,
                                 body="依照《中华人民共和国劳动合同法》第九百九十九条，应当支付。")
    assert not question.answers.exists()


def test_answer_citing_a_repealed_law_is_refused(law_corpus, question, lawyers):  # noqa: F811
    with pytest.raises(QAError, match="未通过核验"):
        services.answer_question(lawyer=lawyers.a.user, question=question,
                                 body="根据《中华人民共和国合同法》第六十条，应当全面履行。")


def test_valid_reference_is_published_as_a_link(law_corpus, question, lawyers, citizen, client):  # noqa: F811
    services.answer_question(lawyer=lawyers.a.user, question=question,
                             body="根据《中华人民共和国劳动合同法》第三十条，用人单位应当及时足额支付劳动报酬。")
    client.login(username=citizen.username, password=PASSWORD)
    text = client.get(reverse("lawyers:question", args=[question.pk])).content.decode()
    assert 'class="law-cite" href="/laws/' in text

"""Videos and case explanations cite real law articles: checked before publishing, linked both ways."""

import pytest
from django.urls import reverse

from pufa_media import services
from pufa_media.models import CaseExplanation, Video
from tests.pufa_media.factories import ArticleFactory, ready_video

GOOD = "单位拖欠工资怎么办？依照《劳动合同法》第三十条，劳动者可以申请支付令。"
BAD = "依照《劳动合同法》第三百条，单位必须双倍赔偿。"


def test_video_with_a_fabricated_reference_cannot_be_published(law_corpus, east_centre_staff):
    video = ready_video(published=False, summary=BAD)
    with pytest.raises(services.PufaMediaError) as exc:
        services.publish_video(video=video, user=east_centre_staff)
    assert "《劳动合同法》第三百条" in " ".join(exc.value.messages)
    assert not Video.objects.get(pk=video.pk).is_published


def test_published_video_links_its_articles_both_ways(law_corpus, east_centre_staff, client):
    video = ready_video(published=False, summary=GOOD, title="讨薪支付令")
    services.publish_video(video=video, user=east_centre_staff)
    html = client.get(reverse("pufa_media:video", args=[video.pk])).content.decode()
    assert '<a class="law-cite" href="/laws/' in html  # the reference in the description is a link
    assert "本期涉及的法条" in html and "劳动合同法第三十条" in html
    article = law_corpus["labour"].articles.get(number=30)
    law_page = client.get(article.get_absolute_url()).content.decode()
    assert "讨薪支付令" in law_page  # the article page links back to the video


def test_case_explanation_with_a_bad_reference_is_refused_in_the_admin(law_corpus, east_centre_staff, client):
    from legalqa.models import FieldOfLaw

    client.force_login(east_centre_staff)
    response = client.post(reverse("admin:pufa_media_caseexplanation_add"), {
        "kind": "case", "title": "双倍工资案", "field": FieldOfLaw.objects.get(code="labour").pk,
        "body_format": "markdown", "body": BAD, "is_published": "on",
        "images-TOTAL_FORMS": 0, "images-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert "第三百条" in response.content.decode() and "无此条文" in response.content.decode()
    assert not CaseExplanation.objects.exists()


def test_case_explanation_draft_with_a_bad_reference_may_be_saved_but_not_published(law_corpus,
                                                                                   east_centre_staff):
    article = ArticleFactory.build(body=BAD)
    services.save_article(article=article, user=east_centre_staff)
    with pytest.raises(services.PufaMediaError):
        services.publish_article(article=article, user=east_centre_staff)
    assert not CaseExplanation.objects.get(pk=article.pk).is_published


def test_published_case_explanation_lists_its_articles(law_corpus, east_centre_staff, client):
    article = ArticleFactory.build(body=GOOD)
    services.save_article(article=article, user=east_centre_staff)
    services.publish_article(article=article, user=east_centre_staff)
    html = client.get(reverse("pufa_media:article", args=[article.pk])).content.decode()
    assert "劳动合同法第三十条" in html

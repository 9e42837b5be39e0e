"""What citizens and staff see: lists, the player, questions, articles, the hall screen, posters."""

import json
import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from pufa_media import posters, services
from pufa_media.models import Answer, Playlist, PlaylistItem, Subtitle, Video
from tests.pufa_media.factories import ArticleFactory, VideoFactory, question, ready_video

pytestmark = pytest.mark.django_db


def test_unpublished_videos_are_invisible_to_the_public(client):
    shown = ready_video(title="已发布的视频")
    hidden = ready_video(published=False, title="草稿视频")
    pending = VideoFactory(title="还在处理的视频")
    page = client.get(reverse("pufa_media:videos")).content.decode()
    assert shown.title in page
    assert hidden.title not in page and pending.title not in page
    assert client.get(reverse("pufa_media:video", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("pufa_media:video", args=[pending.pk])).status_code == 404


def test_staff_can_preview_an_unpublished_video(client, east_centre_staff):
    hidden = ready_video(published=False)
    client.force_login(east_centre_staff)
    response = client.get(reverse("pufa_media:video", args=[hidden.pk]))
    assert response.status_code == 200
    assert "尚未发布" in response.content.decode()


def test_video_list_query_count_does_not_grow_with_rows(client, django_assert_num_queries):
    for _ in range(3):
        ready_video()
    with django_assert_num_queries(4):
        client.get(reverse("pufa_media:videos"))
    for _ in range(30):
        ready_video()
    with django_assert_num_queries(4):
        first = client.get(reverse("pufa_media:videos"))
    with django_assert_num_queries(4):
        client.get(reverse("pufa_media:videos"), {"after": first.context["next_token"]})


def test_more_videos_continues_where_the_page_ended_without_repeats(client):
    titles = [ready_video(title=f"视频{i:02d}").title for i in range(30)]
    seen, params = [], {}
    while True:
        response = client.get(reverse("pufa_media:videos"), params)
        seen += [v.title for v in response.context["videos"]]
        if not response.context["next_token"]:
            break
        params = {"after": response.context["next_token"]}
    assert sorted(seen) == sorted(titles) and len(seen) == 30


def test_video_list_filters_by_topic_and_audience(client):
    from pufa_media.models import Audience, Topic

    elderly = Audience.objects.get(code="elderly")
    old = ready_video(title="老人借款")
    old.audiences.add(elderly)
    ready_video(title="青少年打赏", topic=Topic.objects.get(code="special-groups"))
    page = client.get(reverse("pufa_media:videos"), {"audience": "elderly"}).content.decode()
    assert "老人借款" in page and "青少年打赏" not in page
    page = client.get(reverse("pufa_media:videos"), {"topic": "special-groups"}).content.decode()
    assert "青少年打赏" in page and "老人借款" not in page


def test_player_page_has_poster_subtitles_and_quality_switch(client, django_assert_max_num_queries):
    video = ready_video()
    video.poster.save("p.jpg", ContentFile(b"jpg"), save=True)
    subtitle = Subtitle.objects.create(video=video, language="zh-Hans", label="中文",
                                       srt=ContentFile(b"1\n00:00:00,000 --> 00:00:01,000\nhi\n", name="a.srt"))
    subtitle.vtt.save("a.vtt", ContentFile(b"WEBVTT\n"), save=True)
    q = question(video)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("pufa_media:video", args=[video.pk]))
    html = response.content.decode()
    assert f'poster="{video.poster.url}"' in html
    assert f'<track kind="subtitles" src="{subtitle.vtt.url}"' in html
    assert 'data-quality="low"' in html and "流畅" in html
    config = json.loads(re.search(r'id="pufa-player-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["renditions"][0]["name"] == "low"
    assert config["questions"][0]["id"] == q.pk
    assert "is_correct" not in json.dumps(config)  # answers are not given away in the page


def test_answers_are_recorded_and_staff_see_the_correct_rate(client, east_centre_staff):
    video = ready_video()
    q = question(video)
    right, wrong = q.choices.order_by("order")
    url = reverse("pufa_media:answer", args=[q.pk])
    data = client.post(url, {"choices": [right.pk]}, content_type="application/json").json()
    assert data["correct"] is True and data["correct_choices"] == [right.pk]
    assert "劳动保障监察" in data["explanation"]
    # the same viewer answering again does not add a second answer
    client.post(url, {"choices": [wrong.pk]}, content_type="application/json")
    Client().post(url, {"choices": [wrong.pk]}, content_type="application/json")
    assert Answer.objects.filter(question=q).count() == 2
    staff = Client()
    staff.force_login(east_centre_staff)
    html = staff.get(reverse("pufa_media:video", args=[video.pk])).content.decode()
    assert "2 人作答，答对率 50%" in html
    public_html = client.get(reverse("pufa_media:video", args=[video.pk])).content.decode()
    assert "答对率" not in public_html


def test_multiple_choice_must_match_all_correct_choices(client):
    video = ready_video()
    q = question(video, kind="multiple", answers=(("打借条", True), ("写清还款期限", True), ("口头约定即可", False)))
    a, b, _ = q.choices.order_by("order")
    url = reverse("pufa_media:answer", args=[q.pk])
    assert client.post(url, {"choices": [a.pk]}, content_type="application/json").json()["correct"] is False
    assert Client().post(url, {"choices": [a.pk, b.pk]}, content_type="application/json").json()["correct"] is True


def test_article_body_is_sanitised_and_markdown_rendered(east_centre_staff):
    article = ArticleFactory.build(body="## 案情\n\n<script>alert(1)</script>**欠薪**<img src=x onerror=alert(1)>")
    services.save_article(article=article, user=east_centre_staff)
    assert "<script" not in article.body_html and "onerror" not in article.body_html
    assert "<h2>案情</h2>" in article.body_html and "<strong>欠薪</strong>" in article.body_html


def test_unpublished_article_is_invisible_to_the_public(client):
    draft = ArticleFactory(title="草稿案例")
    live = ArticleFactory(title="已发布案例", is_published=True)
    page = client.get(reverse("pufa_media:articles")).content.decode()
    assert live.title in page and draft.title not in page
    assert client.get(reverse("pufa_media:article", args=[draft.pk])).status_code == 404
    assert client.get(reverse("pufa_media:article", args=[live.pk])).status_code == 200


def test_hall_screen_loops_the_playlist(client):
    first, second = ready_video(title="第一集"), ready_video(title="第二集")
    hidden = ready_video(published=False, title="未发布")
    playlist = Playlist.objects.create(name="服务大厅")
    for i, v in enumerate([first, second, hidden]):
        PlaylistItem.objects.create(playlist=playlist, video=v, order=i)
    html = client.get(reverse("pufa_media:screen", args=[playlist.pk])).content.decode()
    items = json.loads(re.search(r'id="screen-items"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert [i["title"] for i in items] == ["第一集", "第二集"]
    assert "<svg" in items[0]["qr"]
    assert "pufa_screen.js" in html


def _qr_from_pdf(pdf: bytes) -> list[list[bool]]:
    """Rebuild the QR module matrix from the filled squares drawn in the (uncompressed) PDF."""
    text = pdf.decode("latin-1")
    squares = [tuple(float(v) for v in m) for m in re.findall(
        r"(-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+) re f", text)]
    size = max(set(s[2] for s in squares), key=[s[2] for s in squares].count)
    squares = [s for s in squares if s[2] == size and s[3] == size]
    xs = sorted({round(s[0] / size) for s in squares})
    ys = sorted({round(s[1] / size) for s in squares})
    n = max(xs) - min(xs) + 1
    matrix = [[False] * n for _ in range(n)]
    top = max(ys)
    for x, y, _w, _h in squares:
        matrix[top - round(y / size)][round(x / size) - min(xs)] = True
    return matrix


def test_video_poster_qr_code_encodes_the_full_page_address(client, settings):
    settings.SITE_URL = "https://zongzhi.example.cn"
    video = ready_video(title="欠薪维权三步走")
    response = client.get(reverse("pufa_media:video_poster_pdf", args=[video.pk]))
    assert response["Content-Type"] == "application/pdf"
    expected = posters.qr_matrix(f"https://zongzhi.example.cn/pufa/v/{video.pk}/")
    assert _qr_from_pdf(response.content) == expected
    assert _qr_from_pdf(response.content) != posters.qr_matrix(f"https://zongzhi.example.cn/pufa/v/{video.pk + 1}/")


def test_poster_qr_code_decodes_to_the_page_address_with_zbar(client, settings, tmp_path):
    """Redraw the squares the PDF paints into an image and decode it with zbarimg (Debian's zbar-tools)."""
    import shutil
    import subprocess

    from PIL import Image

    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg is not installed (apt-get install zbar-tools; .ci/run installs it)")
    settings.SITE_URL = "https://zongzhi.example.cn"
    video = ready_video()
    matrix = _qr_from_pdf(client.get(reverse("pufa_media:video_poster_pdf", args=[video.pk])).content)
    n, scale, quiet = len(matrix), 8, 4
    image = Image.new("L", ((n + 2 * quiet) * scale,) * 2, 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, ((x + quiet) * scale, (y + quiet) * scale, (x + quiet + 1) * scale,
                                (y + quiet + 1) * scale))
    path = tmp_path / "qr.png"
    image.save(path)
    out = subprocess.run([zbarimg, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == f"https://zongzhi.example.cn/pufa/v/{video.pk}/"


def test_staff_print_a_poster_for_any_page_of_the_site(client, east_centre_staff, settings):
    settings.SITE_URL = "https://zongzhi.example.cn"
    client.force_login(east_centre_staff)
    response = client.get(reverse("pufa_media:page_poster_pdf"), {"path": "/pufa/cases/", "title": "以案释法"})
    assert _qr_from_pdf(response.content) == posters.qr_matrix("https://zongzhi.example.cn/pufa/cases/")
    assert client.get(reverse("pufa_media:page_poster_pdf"), {"path": "https://evil.example/"}).status_code == 400
    assert Client().get(reverse("pufa_media:page_poster_pdf"), {"path": "/"}).status_code == 302


def test_publishing_requires_a_ready_video(east_centre_staff):
    video = VideoFactory()
    with pytest.raises(services.PufaMediaError, match="处理完成"):
        services.publish_video(video=video, user=east_centre_staff)
    ready = ready_video(published=False)
    services.publish_video(video=ready, user=east_centre_staff)
    assert Video.objects.public().filter(pk=ready.pk).exists()


def test_home_page_has_the_pufa_tiles(client):
    html = client.get("/").content.decode()
    assert reverse("pufa_media:videos") in html and "普法小剧场" in html


def test_pages_switch_to_english(client):
    ready_video()
    client.cookies["django_language"] = "en"
    html = client.get(reverse("pufa_media:videos")).content.decode()
    assert "Each episode is under three minutes" in html
    assert "普法小剧场" not in html and "每集不超过三分钟" not in html

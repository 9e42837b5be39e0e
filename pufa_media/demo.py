"""Demo data of pufa_media: a few short videos made on the spot with PyAV (a title card and a
tone, a few seconds each) and run through the real pipeline, with Chinese (and Yi) subtitles,
questions, case explanations and a hall playlist. Deterministic and idempotent: a video that
is already ready is left alone."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from grid.models import User
from legalqa.models import FieldOfLaw
from pufa_media import processing, services
from pufa_media.models import (
    Audience,
    CaseExplanation,
    Choice,
    Playlist,
    PlaylistItem,
    ProcessingStatus,
    Series,
    Subtitle,
    Topic,
    Video,
    VideoQuestion,
)

EDITOR = "zhongxin"
LAWYER = "lvshi"

VIDEOS = [
    {
        "title": "讨薪有门路：拖欠工资怎么办",
        "latin": "Unpaid wages",
        "colour": (24, 78, 150), "tone": 440.0,
        "field": "labour", "topic": "livelihood", "audiences": ["migrant-workers"],
        "summary": "老王在工地干了半年，老板一直拖着不发工资。律师提醒：依照《中华人民共和国劳动合同法》第三十条，"
                   "用人单位应当及时足额支付劳动报酬，拖欠的，劳动者可以依法向人民法院申请支付令。",
        "subtitles": [("zh-Hans", "中文", ["老板，这半年的工资什么时候发？", "律师：可以申请支付令，也可以找劳动保障监察。"])],
        "questions": [
            ("单位拖欠工资，劳动者可以向人民法院申请什么？", "single",
             [("支付令", True), ("离婚证", False), ("营业执照", False)],
             "用人单位拖欠劳动报酬的，劳动者可以依法向当地人民法院申请支付令。", "《劳动合同法》第三十条"),
        ],
    },
    {
        "title": "孩子偷偷打赏主播，钱能要回来吗",
        "latin": "Minor's tips",
        "colour": (130, 40, 90), "tone": 523.25,
        "field": "minors", "topic": "special-groups", "audiences": ["youth"],
        "summary": "十岁的小明用妈妈的手机给主播打赏了两万元。八周岁以上的未成年人是限制民事行为能力人，"
                   "实施与其年龄、智力不相适应的行为需经法定代理人同意或者追认（《中华人民共和国民法典》第十九条）。",
        "subtitles": [("zh-Hans", "中文", ["妈妈，我只是点了几下……", "律师：家长可以凭证据要求平台退款。"]),
                      ("ii", "ꆈꌠꁱꂷ（彝文）", ["ꀊꃀ ꆏ ꁱ", "ꇬꄉ ꌠ"])],
        "questions": [
            ("八周岁以上的未成年人属于？", "single",
             [("限制民事行为能力人", True), ("完全民事行为能力人", False), ("无民事行为能力人", False)],
             "八周岁以上的未成年人为限制民事行为能力人。", "《民法典》第十九条"),
            ("要回打赏款，家长应当准备哪些证据？", "multiple",
             [("孩子的年龄证明", True), ("充值和打赏记录", True), ("主播的照片", False)],
             "需要证明打赏人是未成年人以及打赏的金额和时间。", ""),
        ],
    },
    {
        "title": "父亲欠的债，子女要还吗",
        "latin": "Debts of the deceased",
        "colour": (40, 110, 60), "tone": 392.0,
        "field": "inheritance", "topic": "special-groups", "audiences": ["elderly"],
        "summary": "老李去世后，债主找上门要儿子还钱。继承人以所得遗产实际价值为限清偿被继承人依法应当缴纳的税款和债务"
                   "（《中华人民共和国民法典》第一千一百六十一条）。",
        "subtitles": [("zh-Hans", "中文", ["你爸欠我的钱，你得还！", "律师：以继承的遗产为限清偿。"])],
        "questions": [
            ("放弃继承的子女，还要用自己的钱替父亲还债吗？", "single",
             [("不需要", True), ("需要全部偿还", False)],
             "放弃继承的，对被继承人依法应当缴纳的税款和债务可以不负清偿责任。", "《民法典》第一千一百六十一条"),
        ],
    },
    {
        "title": "接到“公检法”电话要转账？是诈骗",
        "latin": "Phone scam",
        "colour": (150, 90, 20), "tone": 349.23,
        "field": "telecom-fraud", "topic": "livelihood", "audiences": ["elderly", "villagers"],
        "summary": "自称“公安局”的人打电话说张大爷涉嫌洗钱，要他把存款转到“安全账户”。公检法机关不会通过电话办案，"
                   "更没有“安全账户”。诈骗公私财物数额较大的，依照《中华人民共和国刑法》第二百六十六条处罚。",
        "subtitles": [("zh-Hans", "中文", ["我是公安局的，你涉嫌洗钱。", "民警：挂掉电话，拨打110核实。"])],
        "questions": [
            ("接到要求转账到“安全账户”的电话，应当怎么做？", "single",
             [("挂断电话，拨打110核实", True), ("马上转账配合调查", False)],
             "公检法机关不会要求转账到所谓“安全账户”。", "《刑法》第二百六十六条"),
        ],
    },
]

ARTICLES = [
    {
        "kind": "case", "title": "未签劳动合同，二倍工资能拿到吗", "field": "labour",
        "summary": "入职八个月没签合同，小张申请劳动仲裁获得支持。",
        "body": "## 案情\n\n小张入职某餐馆八个月，餐馆一直没有与他签订书面劳动合同。\n\n"
                "## 说法\n\n依照《中华人民共和国劳动合同法》第八十二条，用人单位自用工之日起超过一个月不满一年"
                "未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。\n\n"
                "## 提醒\n\n保留好工资条、考勤记录、工作群聊天记录等证据。",
    },
    {
        "kind": "case", "title": "网购买到假货，可以要求三倍赔偿", "field": "consumer",
        "summary": "经营者有欺诈行为的，消费者可以要求增加赔偿。",
        "body": "## 案情\n\n李女士在网店买到假冒品牌的化妆品。\n\n## 说法\n\n依照《中华人民共和国消费者权益保护法》"
                "第五十五条，经营者提供商品有欺诈行为的，应当按照消费者的要求增加赔偿其受到的损失，"
                "增加赔偿的金额为消费者购买商品的价款的三倍；增加赔偿的金额不足五百元的，为五百元。",
    },
    {
        "kind": "lecture", "title": "法治讲堂：邻里纠纷怎么化解", "field": "neighbour",
        "summary": "先协商，再找人民调解委员会，调解不免费吗？免费。",
        "body": "人民调解**不收费**。邻里之间因通行、排水发生纠纷，可以到所在社区的人民调解委员会申请调解，"
                "达成的调解协议具有法律约束力。",
    },
]


def _srt(lines: list[str], seconds: float) -> bytes:
    step = seconds / len(lines)
    out = []
    for i, text in enumerate(lines):
        a, b = i * step, (i + 1) * step - 0.1
        out.append(f"{i + 1}\n{_ts(a)} --> {_ts(b)}\n{text}\n")
    return "\n".join(out).encode("utf-8")


def _ts(t: float) -> str:
    ms = round(t * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def seed(stdout, seconds: float = 4.0) -> None:
    started = time.monotonic()
    editor = User.objects.filter(username=EDITOR).first() or User.objects.filter(is_superuser=True).first()
    if editor is None:
        stdout.write("pufa_media: no editor user (run the grid demo first); skipped\n")
        return
    lawyer = User.objects.filter(username=LAWYER).first()
    series, _ = Series.objects.get_or_create(name="法治讲堂", defaults={"description": "律师讲身边的法律问题。"})
    made = 0
    ready: list[Video] = []
    with tempfile.TemporaryDirectory(prefix="pufa-demo-") as tmp:
        for i, spec in enumerate(VIDEOS):
            video, created = Video.objects.get_or_create(title=spec["title"], defaults={
                "summary": spec["summary"], "field": FieldOfLaw.objects.get(code=spec["field"]),
                "topic": Topic.objects.get(code=spec["topic"]), "lawyer": lawyer, "series": series,
                "created_by": editor, "region_code": services.default_region_code(editor),
            })
            if created:
                video.audiences.set(Audience.objects.filter(code__in=spec["audiences"]))
                for lang, label, lines in spec["subtitles"]:
                    Subtitle.objects.create(video=video, language=lang, label=label, is_default=lang == "zh-Hans",
                                            srt=ContentFile(_srt(lines, seconds), name=f"demo-{i}-{lang}.srt"))
                for order, (text, kind, choices, explanation, article) in enumerate(spec["questions"]):
                    q = VideoQuestion.objects.create(video=video, text=text, kind=kind, explanation=explanation,
                                                     article=article, order=order)
                    for c_order, (c_text, ok) in enumerate(choices):
                        Choice.objects.create(question=q, text=c_text, is_correct=ok, order=c_order)
            if video.status != ProcessingStatus.READY:
                clip = processing.generate_clip(
                    Path(tmp) / f"demo-{i}.mp4", seconds=seconds, width=1280, height=720,
                    title=f"{spec['latin']}", colour=spec["colour"], tone_hz=spec["tone"])
                with open(clip, "rb") as fh:
                    services.attach_source(video=video, user=editor,
                                           file=SimpleUploadedFile(f"demo-{i}.mp4", fh.read()))
                services.process_video(video.pk)
                video.refresh_from_db()
                made += 1
            if video.status == ProcessingStatus.READY and not video.is_published:
                try:
                    services.publish_video(video=video, user=editor)
                except services.PufaMediaError as exc:
                    stdout.write(f"pufa_media: {video.title} not published: {exc.message}\n")
            if video.status == ProcessingStatus.READY:
                ready.append(video)
            elif video.status == ProcessingStatus.FAILED:
                stdout.write(f"pufa_media: {video.title} failed: {video.error}\n")

    for spec in ARTICLES:
        if CaseExplanation.objects.filter(title=spec["title"]).exists():
            continue
        article = CaseExplanation(kind=spec["kind"], title=spec["title"], summary=spec["summary"],
                                  field=FieldOfLaw.objects.get(code=spec["field"]), body=spec["body"],
                                  series=series if spec["kind"] == "lecture" else None)
        services.save_article(article=article, user=editor)
        try:
            services.publish_article(article=article, user=editor)
        except services.PufaMediaError as exc:
            stdout.write(f"pufa_media: {article.title} not published: {exc.message}\n")
        if spec["field"] == "labour" and ready:
            article.related_videos.add(ready[0])

    playlist, created = Playlist.objects.get_or_create(
        name="东湖区综治中心服务大厅", defaults={"region_code": services.default_region_code(editor), "muted": True})
    if created:
        for order, video in enumerate(ready):
            PlaylistItem.objects.create(playlist=playlist, video=video, order=order)
    stdout.write(
        f"pufa_media: {len(ready)} videos ready ({made} processed now), {CaseExplanation.objects.count()} articles, "
        f"hall screen /pufa/screen/{playlist.pk}/ — {time.monotonic() - started:.1f}s\n"
    )

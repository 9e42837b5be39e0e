"""The player's script, run under node with a small DOM stand-in (there is no browser here):
流畅 by default on cellular, resume, the play beacon after a few seconds, questions after the end."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAYER = ROOT / "pufa_media" / "static" / "pufa_media" / "pufa_player.js"
HARNESS = Path(__file__).parent / "js" / "harness.js"

CONFIG = {
    "videoId": 7,
    "renditions": [{"name": "low", "label": "流畅", "url": "/m/low.mp4", "height": 360},
                   {"name": "high", "label": "高清", "url": "/m/high.mp4", "height": 720}],
    "playUrl": "/pufa/v/7/play/",
    "playAfter": 5,
    "questions": [{"id": 3, "text": "问题", "kind": "single", "url": "/pufa/q/3/answer/",
                   "choices": [{"id": 11, "text": "对"}, {"id": 12, "text": "错"}]}],
    "labels": {"correct": "回答正确！", "wrong": "回答错误。", "answer": "", "submit": "提交答案",
               "basis": "法律依据：", "choose": "请选择答案。", "done": ""},
}


def run(tmp_path, **scenario):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"config": CONFIG, **scenario}, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([node, str(HARNESS), str(PLAYER), str(path)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_smooth_rendition_by_default_on_cellular(tmp_path):
    report = run(tmp_path, connection={"type": "cellular", "effectiveType": "4g"})
    assert report["initialSrc"] == "/m/low.mp4" and report["pressed"] == ["low"]


def test_hd_by_default_on_wifi(tmp_path):
    report = run(tmp_path, connection={"type": "wifi", "effectiveType": "4g"})
    assert report["initialSrc"] == "/m/high.mp4"


def test_the_viewers_choice_is_remembered(tmp_path):
    report = run(tmp_path, connection={"type": "wifi"}, switchTo="low", playSeconds=2)
    assert report["afterSwitchSrc"] == "/m/low.mp4" and report["savedQuality"] == "low"
    again = run(tmp_path, connection={"type": "wifi"}, storage={"pufa.quality": "low"})
    assert again["initialSrc"] == "/m/low.mp4"


def test_playback_resumes_where_the_viewer_stopped(tmp_path):
    report = run(tmp_path, storage={"pufa.pos.7": "42"}, playSeconds=1)
    assert report["resumedAt"] == 42
    assert report["savedPosition"] == "43"


def test_play_is_counted_after_a_few_seconds_of_playback_only(tmp_path):
    assert run(tmp_path, playSeconds=3)["beacons"] == 0
    assert run(tmp_path, playSeconds=8)["beacons"] == 1  # once, not every second after


def test_a_seek_does_not_count_as_watching(tmp_path):
    assert run(tmp_path, playSeconds=4, seekAt=1)["beacons"] == 0  # 4 s watched + a 60 s jump


def test_questions_appear_after_the_end_and_answers_are_posted(tmp_path):
    report = run(tmp_path, playSeconds=2, end=True, answerFirst=True,
                 answer={"correct": True, "correct_choices": [11], "explanation": "因为……", "article": "第一条"})
    assert report["questionsVisibleBeforeEnd"] is False
    assert report["questionsVisible"] is True and report["forms"] == 1
    assert report["positionAfterEnd"] is None  # finished: next time starts from the beginning
    assert report["answerPosts"] == [{"url": "/pufa/q/3/answer/", "body": '{"choices":[11]}', "csrf": "tok123"}]
    assert report["marked"][0] == ["correct"]


UPLOAD = ROOT / "pufa_media" / "static" / "pufa_media" / "pufa_upload.js"
UPLOAD_HARNESS = Path(__file__).parent / "js" / "upload_harness.js"


def test_upload_script_resumes_after_a_dropped_connection():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run([node, str(UPLOAD_HARNESS), str(UPLOAD), "10000", "3000", "3"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["finished"] and report["identical"] and report["progress"] == 100
    # the second chunk failed once and was sent again from the offset the server had
    assert report["log"] == ["/start/", "/chunk/?offset=0", "/chunk/?offset=3000", "/chunk/?offset=3000",
                             "/chunk/?offset=6000", "/chunk/?offset=9000", "/finish/"]
    assert report["status"].startswith("已提交：等待处理")


SCREEN = ROOT / "pufa_media" / "static" / "pufa_media" / "pufa_screen.js"
SCREEN_HARNESS = Path(__file__).parent / "js" / "screen_harness.js"


def test_hall_screen_loops_the_playlist_without_clicks(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    items = [{"title": t, "url": f"/m/{t}.mp4", "poster": "", "subtitles": ["/m/zh.vtt"], "qr": f"<svg>{t}</svg>"}
             for t in ("第一集", "第二集")]
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([node, str(SCREEN_HARNESS), str(SCREEN), str(path)], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["titles"] == ["第一集", "第二集", "第一集", "第二集", "第一集"]
    # the browser refused unmuted autoplay: the screen went on muted, with subtitles
    assert report["played"][0] == {"src": "/m/第一集.mp4", "muted": True, "tracks": 1}
    assert report["qr"] == "<svg>第一集</svg>"

"""The SMS login page (issue 14 item 8): one phone field with an inline 获取验证码 button,
a countdown after sending, the cursor in the code field, no duplicated element ids."""

import re
from collections import Counter
from html.parser import HTMLParser

from django.urls import reverse


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.tags = Counter(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1


def _parse(response) -> _Elements:
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser


def _phone_inputs(page):
    return [a for t, a in page.tags if t == "input" and a.get("name") == "phone"]


def _send_buttons(page):
    return [a for t, a in page.tags if t == "button" and a.get("value") == "send"]


def test_one_phone_field_with_an_inline_button_and_unique_ids(client, db):
    page = _parse(client.get(reverse("grid:sms_login")))
    assert [i for i, n in page.ids.items() if n > 1] == []
    assert len(_phone_inputs(page)) == 1
    assert len(_send_buttons(page)) == 1
    html = client.get(reverse("grid:sms_login")).content.decode()
    group = re.search(r'<div class="input-group[^"]*">(.*?)</div>', html, re.S).group(1)
    assert 'name="phone"' in group and 'value="send"' in group


def test_after_sending_the_number_is_kept_the_button_counts_down_and_focus_is_on_the_code(client, db):
    response = client.post(reverse("grid:sms_login"), {"step": "send", "phone": "13655556666"})
    page = _parse(response)
    assert [i for i, n in page.ids.items() if n > 1] == []
    (phone,) = _phone_inputs(page)
    assert phone["value"] == "13655556666" and "autofocus" not in phone
    (button,) = _send_buttons(page)
    assert button["data-wait"] == "60"
    code = next(a for t, a in page.tags if t == "input" and a.get("name") == "code")
    assert "autofocus" in code


def test_enter_logs_in_rather_than_sending_another_code(client, db):
    page = _parse(client.get(reverse("grid:sms_login")))
    form_buttons = [a for t, a in page.tags if t == "button" and a.get("type") == "submit" and a.get("name") == "step"]
    assert form_buttons[0]["value"] == "login"  # the form's default button


def test_wrong_phone_is_refused_on_the_phone_field(client, db):
    response = client.post(reverse("grid:sms_login"), {"step": "send", "phone": "12345"})
    body = response.content.decode()
    assert "请输入有效的11位手机号码" in body
    assert 'value="12345"' in body

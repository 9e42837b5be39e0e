"""Strip, in a database imported before the fix, the structure headings the corpus package glues onto
the last article before a 编, 分编 or 附则 (民法典 1039 ended with "第五编 婚姻家庭"; 35 articles of the
current texts): the import now strips them (legalqa.lawtext.strip_trailing_headings), but it skips a
package file it has already imported, so without this the rows would stay as they were.

Only package articles change; their 款 lose the heading lines, and their law's ``updated_at`` moves so
the search index sees the change and rebuilds. Reversing does nothing."""

import re

from django.db import migrations
from django.utils import timezone

# legalqa.lawtext.TRAILING_HEADING_RE as it stood when this migration was written.
NUM_CHARS = "零〇○一二两三四五六七八九十百千万0-9０-９"
TRAILING_HEADING_RE = re.compile(
    rf"\n[ \t\u3000]*(?:第[{NUM_CHARS}]+(?:编|分编|章|节)[^\n。；，：]{{0,40}}|[附总分][ \t\u3000]*则)[ \t\u3000]*$")


def strip(text):
    text = (text or "").rstrip()
    while (m := TRAILING_HEADING_RE.search(text)) is not None:
        text = text[:m.start()].rstrip()
    return text


def forwards(apps, schema_editor):
    Article = apps.get_model("legalqa", "Article")
    Law = apps.get_model("legalqa", "Law")
    laws = set()
    for art in Article.objects.filter(law__source="package").only("id", "law_id", "text", "paragraphs").iterator(
            chunk_size=2000):
        text = strip(art.text)
        if text == (art.text or "").rstrip():
            continue
        paragraphs = list(art.paragraphs or [])
        while paragraphs and strip("x\n" + paragraphs[-1]) == "x":  # a heading line of its own
            paragraphs.pop()
        Article.objects.filter(pk=art.pk).update(text=text, paragraphs=paragraphs)
        laws.add(art.law_id)
    if laws:
        Law.objects.filter(pk__in=laws).update(updated_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("legalqa", "0006_correct_package_status")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

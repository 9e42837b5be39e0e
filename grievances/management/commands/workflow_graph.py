"""Write docs/workflow.md from the FSM declarations (or check that it is up to date)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from grievances.workflow import render


class Command(BaseCommand):
    help = "Generate docs/workflow.md (state graph and who-may-do-what) from grievances.models."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if docs/workflow.md is out of date")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "workflow.md"))

    def handle(self, *args, check=False, output="", **options):
        text = render()
        path = Path(output)
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                raise CommandError(f"{path} is out of date: run `python manage.py workflow_graph`")
            self.stdout.write("workflow.md is up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")

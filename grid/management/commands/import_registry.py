from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grid.importers import COLUMNS, ImportFailed, import_csv


class Command(BaseCommand):
    help = "Import regions, grids, departments or mediation organisations from a UTF-8 CSV (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(COLUMNS))
        parser.add_argument("path")

    def handle(self, *args, kind, path, **options):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            result = import_csv(kind, data)
        except ImportFailed as exc:
            for line in exc.result.errors:
                self.stderr.write(line)
            raise CommandError(f"导入失败，共 {len(exc.result.errors)} 处错误，未写入任何数据。") from exc
        self.stdout.write(self.style.SUCCESS(f"导入成功：新增 {result.created} 条，更新 {result.updated} 条。"))

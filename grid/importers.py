"""CSV import of the registry: regions, grids, departments, mediation organisations.

All or nothing per file: every row is validated first (against the database and against
the rows above it in the same file); if any row fails, nothing is written and the caller
gets a row-by-row list of clear Chinese errors.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grid.models import (
    Grid,
    GridKind,
    MediationOrgType,
    Region,
    RegionLevel,
    SpecialGridType,
    Unit,
    UnitKind,
    validate_geojson_polygon,
    validate_region,
)

LEVEL_NAMES = {
    "province": RegionLevel.PROVINCE, "省": RegionLevel.PROVINCE,
    "city": RegionLevel.CITY, "市": RegionLevel.CITY,
    "county": RegionLevel.COUNTY, "县": RegionLevel.COUNTY, "区": RegionLevel.COUNTY, "县/区": RegionLevel.COUNTY,
    "township": RegionLevel.TOWNSHIP, "乡镇": RegionLevel.TOWNSHIP, "街道": RegionLevel.TOWNSHIP,
    "乡镇/街道": RegionLevel.TOWNSHIP,
    "village": RegionLevel.VILLAGE, "村": RegionLevel.VILLAGE, "社区": RegionLevel.VILLAGE,
    "村/社区": RegionLevel.VILLAGE,
}

COLUMNS = {
    "regions": ["code", "name", "level", "parent_code"],
    "grids": ["code", "name", "village_code", "kind", "special_type", "boundary"],
    "departments": ["code", "name", "region_code", "duties", "phone", "address"],
    "mediation": ["code", "name", "region_code", "org_type", "languages", "phone", "address", "duties"],
}
KINDS = {
    "regions": _("行政区域"), "grids": _("网格"), "departments": _("职能部门"), "mediation": _("调解组织"),
}


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFailed(Exception):
    def __init__(self, result: ImportResult):
        super().__init__("\n".join(result.errors))
        self.result = result


def _read_rows(data: bytes | str, kind: str, result: ImportResult) -> list[tuple[int, dict]]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.errors.append(_("文件不是UTF-8编码，请另存为“CSV UTF-8”后重新导入。"))
            return []
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS[kind] if c not in header and c not in ("special_type", "boundary", "duties",
                                                                          "phone", "address", "languages")]
    if missing:
        result.errors.append(_("表头缺少列：%(cols)s。应为：%(want)s") % {
            "cols": ", ".join(missing), "want": ",".join(COLUMNS[kind])})
        return []
    rows = []
    for line_no, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        if not any(clean.values()):
            continue
        rows.append((line_no, clean))
    if not rows:
        result.errors.append(_("文件中没有数据行。"))
    return rows


def _region_lookup(codes: set[str]) -> dict[str, Region]:
    return {r.code: r for r in Region.objects.filter(code__in=codes)}


def _import_regions(rows, result):
    codes = {r["code"] for _, r in rows} | {r.get("parent_code", "") for _, r in rows}
    existing = _region_lookup({c for c in codes if c})
    pending: dict[str, Region] = {}
    seen: set[str] = set()
    for line, row in rows:
        code, name = row.get("code", ""), row.get("name", "")
        level = LEVEL_NAMES.get(row.get("level", "").lower()) or LEVEL_NAMES.get(row.get("level", ""))
        if level is None and row.get("level", "").isdigit() and int(row["level"]) in RegionLevel.values:
            level = RegionLevel(int(row["level"]))
        problems = []
        if code in seen:
            problems.append(_("代码%(code)s在文件中重复") % {"code": code})
        seen.add(code)
        if not name:
            problems.append(_("名称不能为空"))
        if level is None:
            problems.append(_("层级“%(level)s”无效（应为 市/县/乡镇/村 之一）") % {"level": row.get("level", "")})
        parent = None
        parent_code = row.get("parent_code", "")
        if parent_code:
            parent = pending.get(parent_code) or existing.get(parent_code)
            if parent is None:
                problems.append(_("上级代码%(code)s不存在") % {"code": parent_code})
        if level is not None and (parent or not parent_code):
            problems += list(validate_region(code=code, level=level, parent=parent).values())
        if problems:
            result.errors.append(_("第%(line)d行：%(msg)s") % {"line": line, "msg": "；".join(problems)})
            continue
        region = existing.get(code) or Region(code=code)
        region.name, region.level, region.parent = name, level, parent
        pending[code] = region
    return list(pending.values())


def _import_grids(rows, result):
    villages = _region_lookup({r.get("village_code", "") for _, r in rows})
    existing = {g.code: g for g in Grid.objects.filter(code__in=[r.get("code", "") for _, r in rows])}
    out, seen = [], set()
    for line, row in rows:
        problems = []
        code = row.get("code", "")
        if code in seen:
            problems.append(_("网格编码%(code)s在文件中重复") % {"code": code})
        seen.add(code)
        village = villages.get(row.get("village_code", ""))
        kind = row.get("kind") or GridKind.COMPREHENSIVE
        kind = {"综合网格": GridKind.COMPREHENSIVE, "专属网格": GridKind.SPECIAL}.get(kind, kind)
        special = row.get("special_type", "")
        special = {label: value for value, label in SpecialGridType.choices}.get(special, special)
        if village is None:
            problems.append(_("所属村/社区代码%(code)s不存在") % {"code": row.get("village_code", "")})
        if kind not in GridKind.values:
            problems.append(_("网格类型“%(kind)s”无效") % {"kind": kind})
        if special and special not in SpecialGridType.values:
            problems.append(_("专属网格类别“%(t)s”无效") % {"t": special})
        boundary = None
        if row.get("boundary"):
            try:
                validate_geojson_polygon(row["boundary"])
                import json

                boundary = json.loads(row["boundary"])
            except ValidationError as exc:
                problems.append("；".join(exc.messages))
        grid = existing.get(code) or Grid(code=code)
        grid.name, grid.kind, grid.special_type, grid.boundary = row.get("name", ""), kind, special, boundary
        if village is not None:
            grid.village = village
        if not problems:
            try:
                grid.full_clean(exclude=["village", "boundary"] if village is None else ["boundary"],
                                validate_unique=False)
            except ValidationError as exc:
                problems += exc.messages
        if problems:
            result.errors.append(_("第%(line)d行：%(msg)s") % {"line": line, "msg": "；".join(problems)})
            continue
        out.append(grid)
    return out


def _import_units(rows, result, kind):
    regions = _region_lookup({r.get("region_code", "") for _, r in rows})
    existing = {u.code: u for u in Unit.objects.filter(code__in=[r.get("code", "") for _, r in rows])}
    out, seen = [], set()
    for line, row in rows:
        problems = []
        code = row.get("code", "")
        if not code:
            problems.append(_("单位编码不能为空"))
        if code in seen:
            problems.append(_("单位编码%(code)s在文件中重复") % {"code": code})
        seen.add(code)
        if code in existing and existing[code].kind != kind:
            problems.append(_("单位编码%(code)s已被其他类型的单位使用") % {"code": code})
        if not row.get("name"):
            problems.append(_("名称不能为空"))
        region = regions.get(row.get("region_code", ""))
        if region is None:
            problems.append(_("所在区域代码%(code)s不存在") % {"code": row.get("region_code", "")})
        org_type = ""
        if kind == UnitKind.MEDIATION:
            org_type = row.get("org_type", "")
            org_type = {label: value for value, label in MediationOrgType.choices}.get(org_type, org_type)
            if org_type not in MediationOrgType.values:
                problems.append(_("调解组织类别“%(t)s”无效") % {"t": row.get("org_type", "")})
        if problems:
            result.errors.append(_("第%(line)d行：%(msg)s") % {"line": line, "msg": "；".join(problems)})
            continue
        unit = existing.get(code) or Unit(code=code, kind=kind)
        unit.name, unit.region = row["name"], region
        unit.duties, unit.phone, unit.address = row.get("duties", ""), row.get("phone", ""), row.get("address", "")
        unit.org_type, unit.languages = org_type, row.get("languages", "")
        out.append(unit)
    return out


def import_csv(kind: str, data: bytes | str) -> ImportResult:
    """Validate every row, then write all of them in one transaction, or nothing at all."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    result = ImportResult(kind=kind)
    rows = _read_rows(data, kind, result)
    if result.errors:
        raise ImportFailed(result)
    if kind == "regions":
        objs = _import_regions(rows, result)
    elif kind == "grids":
        objs = _import_grids(rows, result)
    else:
        objs = _import_units(rows, result, UnitKind.DEPARTMENT if kind == "departments" else UnitKind.MEDIATION)
    if result.errors:
        raise ImportFailed(result)
    with transaction.atomic():
        for obj in sorted(objs, key=lambda o: getattr(o, "level", 0)):
            if obj.pk:
                result.updated += 1
            else:
                result.created += 1
            if isinstance(obj, Region) and obj.parent is not None and obj.parent.pk is None:
                obj.parent = Region.objects.get(code=obj.parent.code)
            obj.save()
    return result

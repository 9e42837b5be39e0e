"""Map boundaries: one use-case takes an uploaded GeoJSON file and stores its areas, all or
nothing, with a Chinese message naming each problem.

A file is a FeatureCollection (or one Feature); each feature has a Polygon or MultiPolygon
geometry and ``properties.code``: a 12-digit region code or a 15-digit grid code that
exists and lies inside the uploader's region. ``properties.name`` and
``properties.population`` (常住人口, for appeals per 10,000 residents) are optional.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from analysis.models import Boundary
from grid import permissions
from grid.models import Grid, Region, validate_geojson_polygon

MAX_BYTES = getattr(settings, "ANALYSIS_BOUNDARY_MAX_BYTES", 5 * 1024 * 1024)


class BoundaryError(Exception):
    def __init__(self, messages):
        self.messages = [str(m) for m in messages]
        super().__init__("; ".join(self.messages))


def _centre(geometry: dict) -> tuple[float, float]:
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    points = [pt for poly in polys for pt in poly[0]]
    return (sum(float(p[0]) for p in points) / len(points), sum(float(p[1]) for p in points) / len(points))


def parse(upload, *, user) -> list[dict]:
    """Check the file; return the areas to store, or raise BoundaryError listing every problem."""
    if upload.size > MAX_BYTES:
        raise BoundaryError([_("文件太大（%(size).1f MB），边界文件不能超过%(max)d MB，请简化边界后再上传。") % {
            "size": upload.size / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024}])
    try:
        data = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise BoundaryError([_("文件不是有效的GeoJSON（JSON格式错误或编码不是UTF-8）。")]) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise BoundaryError([_("GeoJSON的顶层必须是FeatureCollection或Feature。")])
    if not features:
        raise BoundaryError([_("文件中没有任何区域（features为空）。")])
    codes = [str((f.get("properties") or {}).get("code", "")) for f in features if isinstance(f, dict)]
    regions = {r.code: r for r in Region.objects.filter(code__in=[c for c in codes if len(c) == 12])}
    grids = {g.code: g for g in Grid.objects.filter(code__in=[c for c in codes if len(c) == 15])}
    errors, areas, seen = [], [], set()
    for i, feature in enumerate(features, start=1):
        where = _("第%(i)d个区域") % {"i": i}
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(_("%(where)s不是GeoJSON Feature。") % {"where": where})
            continue
        props = feature.get("properties") or {}
        code = str(props.get("code", "")).strip()
        geometry = feature.get("geometry")
        if not code:
            errors.append(_("%(where)s缺少properties.code（12位行政区划代码或15位网格编码）。") % {"where": where})
            continue
        where = _("第%(i)d个区域（%(code)s）") % {"i": i, "code": code}
        place = regions.get(code) or grids.get(code)
        if place is None:
            errors.append(_("%(where)s：代码与任何已登记的行政区域或网格都不匹配。") % {"where": where})
            continue
        place_code = code if len(code) == 12 else place.region_code
        if not permissions.is_admin(user) and not permissions.can_see_region_code(user, place_code):
            errors.append(_("%(where)s：不在您的辖区内，不能上传。") % {"where": where})
            continue
        if code in seen:
            errors.append(_("%(where)s：同一代码在文件中出现了两次。") % {"where": where})
            continue
        seen.add(code)
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            got = geometry.get("type") if isinstance(geometry, dict) else _("无")
            errors.append(_("%(where)s：几何类型是%(got)s，只接受Polygon或MultiPolygon。") % {"where": where, "got": got})
            continue
        try:
            validate_geojson_polygon(geometry)
        except ValidationError as exc:
            errors.append(f"{where}：{' '.join(exc.messages)}")
            continue
        population = props.get("population")
        if population not in (None, ""):
            try:
                population = int(population)
                if population < 0:
                    raise ValueError
            except (TypeError, ValueError):
                errors.append(_("%(where)s：population（常住人口）必须是非负整数。") % {"where": where})
                continue
        else:
            population = None
        lng, lat = _centre(geometry)
        areas.append({"code": code, "name": str(props.get("name") or place.name)[:100], "geometry": geometry,
                      "population": population, "center_lng": lng, "center_lat": lat})
    if errors:
        raise BoundaryError(errors)
    return areas


@transaction.atomic
def import_boundaries(upload, *, user) -> int:
    """Store every area of the file (replacing earlier outlines of the same codes), or none."""
    areas = parse(upload, user=user)
    for area in areas:
        code = area.pop("code")
        existing = Boundary.objects.filter(code=code).first()
        if existing is not None and area["population"] is None:
            area["population"] = existing.population
        Boundary.objects.update_or_create(code=code, defaults={**area, "uploaded_by": user})
    return len(areas)

"""Reads of the registry for public pages and staff."""

from __future__ import annotations

from django.db.models import Q

from grid.models import Region, RegionLevel, Unit, UnitKind


def directory_units(*, kind: str, region: Region | None = None, keyword: str = ""):
    """Public directory (部门职能查询 / 调解组织查询): active units of a kind, narrowed by
    region subtree and by keyword over name, duties, address and languages."""
    qs = Unit.objects.filter(kind=kind, is_active=True).select_related("region")
    if region is not None:
        qs = qs.in_region(region)
    keyword = keyword.strip()
    if keyword:
        qs = qs.filter(
            Q(name__icontains=keyword) | Q(duties__icontains=keyword)
            | Q(address__icontains=keyword) | Q(languages__icontains=keyword)
        )
    if kind == UnitKind.MEDIATION:
        qs = qs.prefetch_related("members")
    return qs.order_by("region_code", "name")


def region_children(parent_code: str | None):
    if not parent_code:
        return Region.objects.filter(parent__isnull=True).order_by("code")
    return Region.objects.filter(parent__code=parent_code).order_by("code")


def counties():
    return Region.objects.filter(level=RegionLevel.COUNTY)

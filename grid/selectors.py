"""Reads of the registry for public pages and staff."""

from __future__ import annotations

from django.db.models import Q

from grid.directory_terms import search_terms
from grid.models import Region, RegionLevel, Unit, UnitKind


def directory_units(*, kind: str, region: Region | None = None, keyword: str = ""):
    """Public directory (部门职能查询 / 调解组织查询): active units of a kind, narrowed by
    region subtree and by keyword over name, duties, address and languages, the keyword
    widened to the words departments use for it (grid/directory_terms.py)."""
    qs = Unit.objects.filter(kind=kind, is_active=True).select_related("region")
    if region is not None:
        qs = qs.in_region(region)
    terms = search_terms(keyword)
    if terms:
        # By meaning: 住建 finds 住房和城乡建设局, 欠薪 the unit whose duties say 拖欠…工资
        # (grid/directory_terms.py). A directory holds hundreds of units, so an OR of
        # substring tests over the short columns stays cheap.
        match = Q()
        for term in terms:
            match |= (Q(name__icontains=term) | Q(duties__icontains=term)
                      | Q(address__icontains=term) | Q(languages__icontains=term))
        qs = qs.filter(match)
    if kind == UnitKind.MEDIATION:
        qs = qs.prefetch_related("members")
    return qs.order_by("region_code", "name")


def region_children(parent_code: str | None):
    if not parent_code:
        return Region.objects.filter(parent__isnull=True).order_by("code")
    return Region.objects.filter(parent__code=parent_code).order_by("code")


def counties():
    return Region.objects.filter(level=RegionLevel.COUNTY)


def help_centre(region_code: str | None) -> Unit | None:
    """The centre a citizen of ``region_code`` calls for help: the nearest active centre with a
    phone number at that region or above it (village → township → county → city); without a
    region, the highest-level centre that has one."""
    centres = Unit.objects.filter(kind=UnitKind.CENTRE, is_active=True).exclude(phone="")
    if region_code:
        prefixes = [region_code[:n].ljust(12, "0") for n in (12, 9, 6, 4, 2)]
        found = {u.region_code: u for u in centres.filter(region_code__in=prefixes)}
        for code in prefixes:
            if code in found:
                return found[code]
    return centres.order_by("level", "region_code").first()

"""The navigation bar each person sees, decided here by role (templates only display it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grid import permissions


@dataclass(frozen=True)
class Link:
    label: str
    url: str


PUBLIC = [
    (_("我要反映"), "grievances:submit"),
    (_("进度查询"), "grievances:lookup"),
    (_("法律书屋"), "legalqa:library"),
    (_("在线问法"), "lawyers:index"),
    (_("普法小剧场"), "pufa_media:videos"),
    (_("部门职能查询"), "grid:department_directory"),
    (_("调解组织查询"), "grid:mediation_directory"),
]
CITIZEN = [
    (_("我的诉求"), "grievances:mine"),
    (_("我的服务"), "lawyers:my_services"),
    (_("我的调解"), "mediation:my_cases"),
]
GRID_WORKER = [
    (_("巡查上报"), "grievances:patrol"),
    (_("风险排查台账"), "mediation:risks"),
]
DEPARTMENT = [
    (_("我们的工作任务"), "grievances:inbox"),
    (_("我的办理事项"), "grievances:inbox_mine"),
]
DEPARTMENT_LEADER = [
    (_("退回审批"), "grievances:returns"),
    (_("延期审批"), "deadlines:extensions"),
    (_("研判分析"), "analysis:dashboard"),
]
LEGAL_AID = [(_("法律援助审查"), "mediation:legal_aid_inbox")]
CENTRE = [
    (_("管理后台"), "admin:index"),
    (_("研判分析"), "analysis:dashboard"),
    (_("预警"), "assist:alerts"),
    (_("督办"), "admin:deadlines_supervisionitem_changelist"),
    (_("调解工作台"), "mediation:inbox"),
    (_("风险排查台账"), "mediation:risks"),
    (_("法律服务审核"), "lawyers:service_queue"),
    (_("问法统计"), "lawyers:figures"),
    (_("普法热点"), "pufa_media:hot_fields"),
]
MEDIATOR = [
    (_("调解案件"), "mediation:inbox"),
    (_("我的办理事项"), "grievances:inbox_mine"),
    (_("风险排查台账"), "mediation:risks"),
]
LAWYER = [(_("律师工作台"), "lawyers:lawyer_desk"), (_("法律援助案件"), "mediation:legal_aid_inbox")]


def _links(pairs) -> list[Link]:
    return [Link(str(label), reverse(name)) for label, name in pairs]


def links_for(user) -> tuple[list[Link], list[Link]]:
    """(work links for this person's role, public links)."""
    work = []
    if permissions.is_admin(user):
        work = CENTRE
    elif permissions.is_centre(user):
        work = CENTRE
    elif permissions.is_department(user):
        work = DEPARTMENT + (DEPARTMENT_LEADER if permissions.is_department_leader(user) else [])
        if user.unit.is_legal_aid:
            work = work + LEGAL_AID
    elif permissions.is_mediator(user):
        work = MEDIATOR
    elif permissions.is_lawyer(user):
        work = LAWYER
    elif permissions.is_grid_worker(user):
        work = GRID_WORKER
    elif permissions.is_citizen(user):
        work = CITIZEN
    return _links(work), _links(PUBLIC)

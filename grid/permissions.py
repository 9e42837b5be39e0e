"""Who may see and act on what: the one owner of scoping (DOMAIN.md §2).

Staff see their own unit's region and everything below it; department staff act only for
their own unit; administrators see everything; citizens see only what is theirs (each app's
selectors add "owned by this citizen"). Every selector and service asks here: no view
decides scope on its own.

Scope is expressed as Q objects over a denormalised ``region_code`` column (the 12-digit
code of the row's region), so a check is one indexed prefix match, not a tree walk.
"""

from __future__ import annotations

from django.db.models import Q

from grid.models import PREFIX_LENGTH, Region, RegionLevel, Role, Unit, UnitKind, User

CENTRE_ROLES = frozenset({Role.CENTRE_STAFF, Role.CENTRE_LEADER})
DEPARTMENT_ROLES = frozenset({Role.DEPT_HANDLER, Role.DEPT_LEADER})
LEADER_ROLES = frozenset({Role.CENTRE_LEADER, Role.DEPT_LEADER})
UNIT_ROLES = CENTRE_ROLES | DEPARTMENT_ROLES | {Role.MEDIATOR}
STAFF_ROLES = UNIT_ROLES | {Role.GRID_WORKER, Role.ADMIN}
SMS_LOGIN_ROLES = frozenset({Role.CITIZEN, Role.GRID_WORKER})
UNIT_KIND_FOR_ROLE = {
    Role.CENTRE_STAFF: {UnitKind.CENTRE},
    Role.CENTRE_LEADER: {UnitKind.CENTRE},
    Role.DEPT_HANDLER: {UnitKind.DEPARTMENT, UnitKind.MEDIATION},
    Role.DEPT_LEADER: {UnitKind.DEPARTMENT, UnitKind.MEDIATION},
    Role.MEDIATOR: {UnitKind.MEDIATION},
}

NOTHING = Q(pk__in=[])


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return _active(user) and (user.is_superuser or user.role == Role.ADMIN)


def is_centre(user) -> bool:
    return _active(user) and user.role in CENTRE_ROLES and user.unit_id is not None


def is_centre_or_admin(user) -> bool:
    """The people who run the loop for a region: 综治中心 staff and leaders, and administrators
    (who see everything). Their scope still comes from ``region_q``; this names the group."""
    return is_admin(user) or is_centre(user)


def is_centre_leader(user) -> bool:
    return is_centre(user) and user.role == Role.CENTRE_LEADER


def is_department(user) -> bool:
    return _active(user) and user.role in DEPARTMENT_ROLES and user.unit_id is not None


def is_department_leader(user) -> bool:
    return is_department(user) and user.role == Role.DEPT_LEADER


def is_mediator(user) -> bool:
    return _active(user) and user.role == Role.MEDIATOR


def is_lawyer(user) -> bool:
    return _active(user) and user.role == Role.LAWYER


def is_grid_worker(user) -> bool:
    return _active(user) and user.role == Role.GRID_WORKER


def is_citizen(user) -> bool:
    return _active(user) and user.role == Role.CITIZEN


def may_log_in_by_sms(user) -> bool:
    """Only citizens and grid workers may sign in with an SMS code. Anyone who can reach the
    admin or act for a unit signs in with a password (and, in production, a second factor):
    whoever holds a staff member's phone for a minute must not become that staff member."""
    return user.role in SMS_LOGIN_ROLES and not user.is_staff and not user.is_superuser


def region_prefix(user) -> str | None:
    """The code prefix bounding what this user may see: "" for everything, None for nothing."""
    if is_admin(user):
        return ""
    if _active(user) and user.role in UNIT_ROLES and user.unit_id:
        unit = user.unit
        return unit.region_code[: PREFIX_LENGTH[RegionLevel(unit.level)]]
    return None


def region_q(user, field: str = "region_code") -> Q:
    """Rows whose region lies in the user's region subtree."""
    prefix = region_prefix(user)
    if prefix is None:
        return NOTHING
    if prefix == "":
        return Q()
    return Q(**{f"{field}__startswith": prefix})


def unit_q(user, field: str = "unit") -> Q:
    """Rows that belong to the user's own unit (departments see only their own unit)."""
    if is_admin(user):
        return Q()
    if _active(user) and user.unit_id:
        key = field if field in ("id", "pk") or field.endswith("_id") else f"{field}_id"
        return Q(**{key: user.unit_id})
    return NOTHING


def grid_q(user, field: str = "grid") -> Q:
    """Rows in the grids a grid worker is assigned to."""
    if is_grid_worker(user):
        return Q(**{f"{field}__workers": user})
    return NOTHING


def can_see_region_code(user, code: str) -> bool:
    prefix = region_prefix(user)
    return prefix is not None and code.startswith(prefix)


def can_see_region(user, region: Region) -> bool:
    return can_see_region_code(user, region.code)


def visible_regions(user):
    return Region.objects.filter(region_q(user, "code"))


def visible_units(user):
    """Centres see units in their region subtree; departments see their own unit."""
    if is_centre_or_admin(user):
        return Unit.objects.filter(region_q(user))
    if _active(user) and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def place_codes(code: str) -> list[str]:
    """The region codes of a place and of every level above it (属地): for village
    ``430102001002`` its township ``430102001000``, county ``430102000000``, city
    ``430100000000`` and province ``430000000000``. Not a 12-digit code: none."""
    if len(code or "") != 12 or not code.isdigit():
        return []
    return list(dict.fromkeys(code[:n].ljust(12, "0") for n in sorted(PREFIX_LENGTH.values())))


def serves_place(unit_region_code: str, place_code: str) -> bool:
    """属地: a unit may take an appeal of a place when the unit belongs to that place or to a
    level above it (the item's village, township, county, city or province), never to a
    neighbouring township or another county. An item without a place code is not limited."""
    codes = place_codes(place_code)
    return not codes or unit_region_code in codes


def place_q(place_code: str, field: str = "region_code") -> Q:
    """Rows (units) that serve a place (``serves_place``) as one ``IN`` over five codes."""
    codes = place_codes(place_code)
    return Q(**{f"{field}__in": codes}) if codes else Q()


def place_units(grievance):
    """Active departments and mediation organisations that serve the item's place
    (``serves_place``), whoever looks."""
    return Unit.objects.filter(place_q(getattr(grievance, "region_code", "") or ""),
                               kind__in=[UnitKind.DEPARTMENT, UnitKind.MEDIATION], is_active=True)


def dispatch_units(user, grievance):
    """The units ``user`` may name as lead or co-handler of ``grievance`` (分流 and 联调联处):
    those of ``place_units`` the user can see. A county centre sees its county's units and those
    of the item's township and village; the province administrator the item's chain, not the
    province's 2,000-odd units."""
    return place_units(grievance) & visible_units(user)


def visible_users(user):
    if is_admin(user):
        return User.objects.all()
    if is_centre(user):
        return User.objects.filter(region_q(user, "unit__region_code"))
    if _active(user) and user.unit_id:
        return User.objects.filter(unit_id=user.unit_id)
    return User.objects.filter(pk=user.pk) if _active(user) else User.objects.none()


def requires_second_factor(user) -> bool:
    """Who must confirm a sign-in with an authenticator code when STAFF_2FA_REQUIRED is on:
    everyone who can reach the admin or acts for a centre, department or mediation
    organisation (the accounts an SMS code can never open)."""
    return bool(user.is_staff or user.is_superuser or user.role in UNIT_ROLES or user.role == Role.ADMIN)


def can_manage_account(actor, target) -> bool:
    """Unlocking a sign-in or resetting a lost second-factor device: administrators for
    anyone, centre leaders for the accounts of their own region (never an administrator's)."""
    if is_admin(actor):
        return True
    if not is_centre_leader(actor) or target.is_superuser or target.role == Role.ADMIN:
        return False
    return visible_users(actor).filter(pk=target.pk).exists()


def same_level_centre(unit: Unit) -> Unit | None:
    """The governance centre of the unit's own region (first-receiver returns go there)."""
    if unit.kind == UnitKind.CENTRE:
        return unit
    return Unit.objects.filter(kind=UnitKind.CENTRE, region_id=unit.region_id).first()


def upper_centre(unit: Unit) -> Unit | None:
    """The centre one level up (escalation, 上报)."""
    region = unit.region
    while region.parent_id:
        region = region.parent
        centre = Unit.objects.filter(kind=UnitKind.CENTRE, region_id=region.pk).first()
        if centre:
            return centre
    return None


# Django-admin permissions by role. Admin pages are for centre staff and leaders (and the
# administrator); what each admin list shows is then narrowed by region_q above.
# app label -> actions allowed; "*" means add/change/delete/view.
ROLE_ADMIN_PERMS: dict[str, dict[str, set[str]]] = {
    Role.CENTRE_STAFF: {
        "grid": {"view"}, "grievances": {"*"}, "deadlines": {"*"}, "notifications": {"*"},
        "mediation": {"*"}, "legalqa": {"*"}, "lawyers": {"*"}, "pufa_media": {"*"}, "analysis": {"*"},
    },
    Role.CENTRE_LEADER: {
        "grid": {"*"}, "grievances": {"*"}, "deadlines": {"*"}, "notifications": {"*"},
        "mediation": {"*"}, "legalqa": {"*"}, "lawyers": {"*"}, "pufa_media": {"*"}, "analysis": {"*"},
        "api": {"*"},
    },
}


def role_has_perm(user, perm: str) -> bool:
    """perm is "app_label.action_model" as Django spells it."""
    if not _active(user) or not user.is_staff:
        return False
    try:
        app_label, codename = perm.split(".", 1)
    except ValueError:
        return False
    allowed = ROLE_ADMIN_PERMS.get(user.role, {}).get(app_label, set())
    return "*" in allowed or codename.split("_", 1)[0] in allowed


def role_has_module_perms(user, app_label: str) -> bool:
    return _active(user) and user.is_staff and bool(ROLE_ADMIN_PERMS.get(user.role, {}).get(app_label))


# Region-bound reading (local regulations of the law library). A rule made for a region
# applies there and below: a reader sees it when the reader's place lies in that region,
# and staff also see the rules of places inside their own region.

def reader_region(user, place: str | None = None) -> tuple[str, str | None] | None:
    """(code of the reader's place, prefix of the region the reader oversees or None):
    admins ("", ""), which reads everything; staff their unit's region; citizens and grid
    workers ``place`` (the caller knows it, e.g. the place of their latest appeal),
    overseeing nothing; anyone else None."""
    if is_admin(user):
        return "", ""
    if _active(user) and user.role in UNIT_ROLES and user.unit_id:
        unit = user.unit
        return unit.region_code, unit.region_code[: PREFIX_LENGTH[RegionLevel(unit.level)]]
    if _active(user) and user.role in (Role.CITIZEN, Role.GRID_WORKER) and place:
        return place, None
    return None


def region_code_prefix(code: str) -> str:
    """The subtree prefix of a 12-digit code (440000000000 → 44, 439001000000 → 439001)."""
    for n in (2, 4, 6, 9):
        if code[n:] == "0" * (12 - n):
            return code[:n]
    return code


def can_read_regional(reader: tuple[str, str | None] | None, region_code: str) -> bool:
    """May a reader (reader_region) see content bound to ``region_code`` ("" = everywhere)?
    Yes when the reader's place lies in that region, or the region lies in what the reader
    oversees."""
    if not region_code:
        return True
    if reader is None:
        return False
    place, oversees = reader
    if place == "" and oversees == "":
        return True
    prefix = region_code_prefix(region_code)
    return place.startswith(prefix) or (oversees is not None and prefix.startswith(oversees))

"""Every write of mediation, the risk register and legal-aid review: one function per use-case.

The grievance loop stays the single owner of state and deadlines: a case's outcome completes
the grievance through ``grievances.services.complete_grievance`` (the department-complete
step), so the centre verifies it and the citizen rates it as for any other item; the
severity set at acceptance drives the deadline through the grievance's clock (137+2030,
DOMAIN.md §5). Refusals raise ``MediationError`` whose ``message`` is shown as is.

The use-cases live in topic modules, one per family of actions (as Zulip's
``zerver/actions/``): ``errors``, ``access``, ``actions``, ``mediators``, ``cases``, ``sessions``,
``outcomes``, ``aftercare``, ``risks``, ``legal_aid``, ``room`` (the video mediation room).
Every public name is re-exported here, so callers write ``services.x`` or
``from mediation.services import x`` whichever module holds it; new code may import
from the topic module itself.
"""

from mediation.services.access import (
    can_assign_mediators,
    can_oversee_case,
    can_work_case,
    is_case_mediator,
    is_org_head,
)
from mediation.services.actions import (
    CASE_ACTIONS,
    case_allowed_actions,
)
from mediation.services.aftercare import (
    CONFIRMATION_WINDOW_DAYS,
    RULING_TEMPLATE,
    RULING_TEXT,
    apply_judicial_confirmation,
    decide_judicial_confirmation,
    record_return_visit,
)
from mediation.services.cases import (
    add_party,
    assign_mediators,
    on_dispatched_to_mediation,
    open_case_for_grievance,
    take_case,
    update_facts,
)
from mediation.services.errors import (
    MediationError,
    MediationPermissionError,
)
from mediation.services.legal_aid import (
    LEGAL_AID_LAWYER_TEMPLATE,
    LEGAL_AID_LAWYER_TEXT,
    apply_for_legal_aid,
    approve_legal_aid,
    can_review_legal_aid,
    handles_legal_aid,
    refuse_legal_aid,
)
from mediation.services.mediators import (
    save_mediator_profile,
)
from mediation.services.outcomes import (
    RETURN_VISIT_AFTER_DAYS,
    agreement_number,
    build_agreement_pdf,
    conclude_failed,
    conclude_with_agreement,
    needs_reopening,
    regenerate_agreement_pdf,
    reopen_case,
    terminate_case,
)
from mediation.services.risks import (
    can_manage_risk,
    convert_risk_to_grievance,
    convert_risk_to_mediation,
    record_risk_progress,
    register_risk,
    resolve_risk,
    set_risk_plan,
)
from mediation.services.room import (
    ROOM_MAX_PARTICIPANTS,
    ROOM_PRESENT_SECONDS,
    RoomRefused,
    can_start_recording,
    close_room,
    confirm_draft,
    consent_to_recording,
    ensure_party_passes,
    expires_at,
    file_sha256,
    ice_servers,
    join_room,
    leave_room,
    mark_recording,
    mediator_pass,
    party_pass,
    pass_for_token,
    poll_room,
    purge_signals,
    request_recording,
    room_hours,
    room_path,
    room_url,
    send_signals,
    share_draft,
    store_recording,
)
from mediation.services.sessions import (
    VIDEO_INVITE_TEMPLATE,
    VIDEO_INVITE_TEXT,
    record_session,
    schedule_session,
    send_video_invitations,
)

__all__ = [
    "CASE_ACTIONS",
    "CONFIRMATION_WINDOW_DAYS",
    "LEGAL_AID_LAWYER_TEMPLATE",
    "LEGAL_AID_LAWYER_TEXT",
    "RETURN_VISIT_AFTER_DAYS",
    "ROOM_MAX_PARTICIPANTS",
    "ROOM_PRESENT_SECONDS",
    "RULING_TEMPLATE",
    "RULING_TEXT",
    "VIDEO_INVITE_TEMPLATE",
    "VIDEO_INVITE_TEXT",
    "MediationError",
    "MediationPermissionError",
    "RoomRefused",
    "add_party",
    "agreement_number",
    "apply_for_legal_aid",
    "apply_judicial_confirmation",
    "approve_legal_aid",
    "assign_mediators",
    "build_agreement_pdf",
    "can_assign_mediators",
    "can_manage_risk",
    "can_oversee_case",
    "can_review_legal_aid",
    "can_start_recording",
    "can_work_case",
    "case_allowed_actions",
    "close_room",
    "conclude_failed",
    "conclude_with_agreement",
    "confirm_draft",
    "consent_to_recording",
    "convert_risk_to_grievance",
    "convert_risk_to_mediation",
    "decide_judicial_confirmation",
    "ensure_party_passes",
    "expires_at",
    "file_sha256",
    "handles_legal_aid",
    "ice_servers",
    "is_case_mediator",
    "is_org_head",
    "join_room",
    "leave_room",
    "mark_recording",
    "mediator_pass",
    "needs_reopening",
    "on_dispatched_to_mediation",
    "open_case_for_grievance",
    "party_pass",
    "pass_for_token",
    "poll_room",
    "purge_signals",
    "record_return_visit",
    "record_risk_progress",
    "record_session",
    "refuse_legal_aid",
    "regenerate_agreement_pdf",
    "register_risk",
    "reopen_case",
    "request_recording",
    "resolve_risk",
    "room_hours",
    "room_path",
    "room_url",
    "save_mediator_profile",
    "schedule_session",
    "send_signals",
    "send_video_invitations",
    "set_risk_plan",
    "share_draft",
    "store_recording",
    "take_case",
    "terminate_case",
    "update_facts",
]

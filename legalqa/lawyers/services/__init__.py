"""Every write of the lawyer Q&A and public legal services (DOMAIN.md §7).

One function per use-case, keyword-only arguments, the acting user first; permission is
checked through grid.permissions; state changes go through the models' @transition
methods; messages go through the notifications outbox (``notify``) in the same
transaction, each keyed by the event so a retry never sends twice. A refusal is a
``QAError`` whose message is Chinese and shown as is.

The use-cases live in topic modules, one per family of actions (as Zulip's
``zerver/actions/``): ``common``, ``profiles``, ``questions``, ``awards``, ``commissions``,
``urgent``, ``documents``, ``applications``.
Every public name is re-exported here, so callers write ``services.x`` or
``from legalqa.lawyers.services import x`` whichever module holds it; new code may
import from the topic module itself.
"""

from legalqa.lawyers.services.applications import (
    APPLICATION_ACTIONS,
    SERVICE_REQUIRED,
    application_allowed_actions,
    approve_application,
    ask_missing_documents,
    refuse_application,
    remind_overdue_applications,
    resubmit_application,
    submit_application,
)
from legalqa.lawyers.services.awards import (
    QUESTION_ACTIONS,
    award_amount,
    close_question,
    decide_best_answer,
    mark_best_answer,
    question_allowed_actions,
)
from legalqa.lawyers.services.commissions import (
    COMMISSION_ACTIONS,
    accept_commission,
    cancel_commission,
    commission_allowed_actions,
    complete_commission,
    create_commission,
    decline_commission,
    rate_commission,
    widen_commissions,
)
from legalqa.lawyers.services.common import (
    MESSAGES,
    QAError,
    _notify,
    lawyer_name,
    supervising_staff,
)
from legalqa.lawyers.services.documents import (
    GUIDE_TAGS,
    fill_template,
    sanitise,
    save_guide,
    save_template,
)
from legalqa.lawyers.services.profiles import (
    PROFILE_FIELDS,
    VERIFIED_FACTS,
    refresh_rating,
    revoke_lawyer,
    save_lawyer_profile,
    verify_lawyer,
)
from legalqa.lawyers.services.questions import (
    add_reply,
    answer_question,
    ask_question,
    can_answer,
    escalate_unanswered,
    expected_response,
    route_question,
    waiting_for_routing,
)
from legalqa.lawyers.services.urgent import (
    acknowledge_callback,
    log_call,
    remind_unacknowledged_callbacks,
    request_callback,
)

__all__ = [
    "APPLICATION_ACTIONS",
    "COMMISSION_ACTIONS",
    "GUIDE_TAGS",
    "MESSAGES",
    "PROFILE_FIELDS",
    "QAError",
    "QUESTION_ACTIONS",
    "SERVICE_REQUIRED",
    "VERIFIED_FACTS",
    "_notify",
    "accept_commission",
    "acknowledge_callback",
    "add_reply",
    "answer_question",
    "application_allowed_actions",
    "approve_application",
    "ask_missing_documents",
    "ask_question",
    "award_amount",
    "can_answer",
    "cancel_commission",
    "close_question",
    "commission_allowed_actions",
    "complete_commission",
    "create_commission",
    "decide_best_answer",
    "decline_commission",
    "escalate_unanswered",
    "expected_response",
    "fill_template",
    "log_call",
    "mark_best_answer",
    "question_allowed_actions",
    "rate_commission",
    "refresh_rating",
    "refuse_application",
    "remind_overdue_applications",
    "remind_unacknowledged_callbacks",
    "request_callback",
    "resubmit_application",
    "revoke_lawyer",
    "route_question",
    "sanitise",
    "save_guide",
    "save_lawyer_profile",
    "save_template",
    "submit_application",
    "lawyer_name",
    "supervising_staff",
    "verify_lawyer",
    "waiting_for_routing",
    "widen_commissions",
]

"""The message catalogue: default texts, seeded into MessageTemplate rows that staff edit.

Placeholders use Django template syntax. Other apps may pass ``text=`` to notify() for a
template code not listed here; the row is then created from that text on first use.
"""

TEMPLATES: dict[str, dict[str, str]] = {
    # to citizens
    "grievance_submitted_citizen": {
        "name": "登记通知（群众，含受理编号）",
        "title": "诉求已登记",
        "text": "【综治中心】您的诉求已登记，受理编号{{ tracking_no }}，请妥善保存。凭编号和手机号码可查询进度：{{ link }}",
    },
    "grievance_accepted": {
        "name": "受理通知（群众）",
        "title": "诉求已受理",
        "text": "【综治中心】您的诉求（编号{{ tracking_no }}）已受理，我们将按规定时限办理。查看进度：{{ link }}",
    },
    "grievance_rejected": {
        "name": "不予受理通知（群众）",
        "title": "诉求未予受理",
        "text": "【综治中心】您的诉求（编号{{ tracking_no }}）未予受理：{{ note }}。详情：{{ link }}",
    },
    "grievance_dispatched_citizen": {
        "name": "分流通知（群众）",
        "title": "诉求已转交办理",
        "text": "【综治中心】您的诉求（编号{{ tracking_no }}）已交{{ unit }}办理，预计{{ due }}前办结。查看进度：{{ link }}",
    },
    "grievance_interim_reply_citizen": {
        "name": "阶段性回复通知（群众）",
        "title": "诉求有新的办理进展",
        "text": "【综治中心】您的诉求（编号{{ tracking_no }}）有新的办理进展：{{ note }}。查看详情：{{ link }}",
    },
    "grievance_second_supervision_citizen": {
        "name": "二次督办通知（群众）",
        "title": "已启动二次督办",
        "text": "【综治中心】您对诉求（编号{{ tracking_no }}）的办理结果评价不满意，综治中心已启动二次督办，由{{ unit }}重新办理，预计{{ due }}前办结。查看进度：{{ link }}",
    },
    "grievance_completed_citizen": {
        "name": "办结通知（群众，含评价链接）",
        "title": "诉求已办结，请评价",
        "text": "【综治中心】您的诉求（编号{{ tracking_no }}）已办结，请查看结果并评价：{{ link }}",
    },
    "grievance_closed_citizen": {
        "name": "结案通知（群众）",
        "title": "诉求已结案",
        "text": "【综治中心】您的诉求（编号{{ tracking_no }}）已结案归档，感谢您的支持。{{ link }}",
    },
    # to handlers, leaders and centres
    "grievance_dispatched_handler": {
        "name": "派单通知（办理单位）",
        "title": "新的待办诉求",
        "text": "【待办】诉求{{ tracking_no }}「{{ title }}」已交{{ unit }}办理，请立即签收；{{ deadline }}截止{{ due }}。{{ link }}",
    },
    "grievance_supervised_handler": {
        "name": "督办通知（办理单位）",
        "title": "诉求被督办",
        "text": "【督办】诉求{{ tracking_no }}「{{ title }}」已被督办：{{ note }}。请抓紧办理。{{ link }}",
    },
    "deadline_reminder": {
        "name": "到期提醒（办理人）",
        "title": "办理时限即将到期",
        "text": "【时限提醒】诉求{{ tracking_no }}「{{ title }}」的{{ deadline }}将于{{ due }}到期（还剩{{ remaining }}）。{{ link }}",
    },
    "deadline_overdue": {
        "name": "超期督办通知（单位领导、综治中心）",
        "title": "诉求超期，已自动督办",
        "text": "【超期督办】{{ unit }}办理的诉求{{ tracking_no }}「{{ title }}」{{ deadline }}已超期（应于{{ due }}前完成），系统已自动督办。{{ link }}",
    },
    "centre_target_overdue": {
        "name": "中心受理分派超时提醒",
        "title": "诉求超过24小时未受理或分派",
        "text": "【中心时限】诉求{{ tracking_no }}「{{ title }}」提交已超过24小时，尚未{{ deadline }}。{{ link }}",
    },
    "major_alert": {
        "name": "较大/重大事项预警（领导）",
        "title": "较大/重大事项预警",
        "text": "【重大事项预警】{{ severity }}诉求{{ tracking_no }}「{{ title }}」（{{ region }}）{{ event }}，请关注。{{ link }}",
    },
    "extension_requested": {
        "name": "延期申请待审核（单位领导）",
        "title": "延期申请待审核",
        "text": "【延期申请】诉求{{ tracking_no }}「{{ title }}」申请延期{{ days }}天，理由：{{ reason }}。请审核。{{ link }}",
    },
    "extension_decided": {
        "name": "延期审核结果（办理人、综治中心备案）",
        "title": "延期申请审核结果",
        "text": "【延期{{ decision }}】诉求{{ tracking_no }}「{{ title }}」延期{{ days }}天的申请{{ decision }}；{{ deadline }}截止{{ due }}。{{ link }}",
    },
}

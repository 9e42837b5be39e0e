"""The seam between the grievance loop and its clocks.

grievances.services calls ``after_event`` inside the transaction of every transition,
with the event row it has just written. The deadlines module starts, stops, pauses and
re-computes clocks and writes outbox messages from here.
"""


def after_event(event) -> None:
    from grievances.deadlines import services

    handler = getattr(services, "handle_grievance_event", None)
    if handler is not None:
        handler(event)

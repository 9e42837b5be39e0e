"""Writes for notifications: the outbox API every app calls, delivery bookkeeping, reading.

``notify`` writes message rows in the caller's transaction (the transactional outbox) and
asks Celery to deliver them after commit. If the broker is down the rows wait; the
minute sweep (tasks.dispatch_due_messages) finds them, so nothing is lost and, because a
message is claimed with a conditional UPDATE and finished the same way, nothing is marked
sent twice. The gateways receive our idempotency key so they can drop a duplicate send
after a worker died between sending and recording.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import TextNode, Variable, VariableNode
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from grid import bulk
from grid.notifications.defaults import TEMPLATES
from grid.notifications.models import Channel, Message, MessageTemplate, Status

logger = logging.getLogger(__name__)

# Message texts are plain text (SMS), so no HTML escaping; a bare engine without loaders.
_engine = Engine(autoescape=False)



def lease_seconds() -> int:
    """How long a delivery attempt may hold a message before the sweep hands it to another
    worker (the first worker is presumed dead)."""
    return int(getattr(settings, "NOTIFICATIONS_LEASE_SECONDS", 120))


def retry_base_seconds() -> int:
    return int(getattr(settings, "NOTIFICATIONS_RETRY_BASE_SECONDS", 30))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 8))


def backoff_seconds(attempts: int) -> int:
    """Exponential backoff: base, 2×base, 4×base … capped at one hour."""
    return min(retry_base_seconds() * (2 ** max(attempts - 1, 0)), 3600)


@functools.lru_cache(maxsize=512)
def _compiled(source: str):
    return _engine.from_string(source)


@functools.lru_cache(maxsize=512)
def _pieces(source: str) -> tuple[tuple[str, str | None], ...] | None:
    """The template as (text, variable name) pieces when it holds nothing but text and bare
    ``{{ name }}`` variables (every catalogue template does), else None."""
    pieces = []
    for node in _compiled(source).nodelist:
        if isinstance(node, TextNode):
            pieces.append((node.s, None))
            continue
        if not isinstance(node, VariableNode):
            return None
        expr = node.filter_expression
        var = expr.var
        if expr.filters or not isinstance(var, Variable) or var.literal is not None or var.translate \
                or len(var.lookups or ()) != 1:
            return None
        pieces.append(("", var.lookups[0]))
    return tuple(pieces)


def render_text(source: str, context: dict) -> str:
    """The template rendered with the context. A template of text and bare variables whose
    values are all text is filled in directly (what Django's rendering gives for it, without
    its per-node work: a chunk of the deadline scan renders thousands); anything else goes
    through the template engine."""
    pieces = _pieces(source)
    if pieces is not None:
        out = []
        for text, name in pieces:
            if name is None:
                out.append(text)
                continue
            value = context.get(name, _MISSING)
            if isinstance(value, Promise):
                value = str(value)
            elif not isinstance(value, str):
                break  # a number, None, a missing name …: the engine's own rules apply
            out.append(value)
        else:
            return "".join(out).strip()
    return _compiled(source).render(Context(context, autoescape=False)).strip()


_MISSING = object()


_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
# After these a link stands apart already; after anything else it would run into the word.
_LINK_SEPARATORS = set(" \t：:，,。；;（(【「“")


def one_line(value):
    """A value placed into a one-line text message: line breaks typed into a form (a list of
    missing documents, a reason with guidance) become "；", and a closing full stop is dropped
    because the message template supplies its own punctuation."""
    if not isinstance(value, str):
        return value
    return _LINE_BREAKS.sub("；", value.strip()).rstrip("。；;.")


def separate_link(body: str, link: str) -> str:
    """Keep the link readable and tappable: never glued to the word before it."""
    if not link or link not in body:
        return body
    at = body.index(link)
    if at > 0 and body[at - 1] not in _LINK_SEPARATORS:
        body = f"{body[:at]} {body[at:]}"
    return body


def validate_template_text(source: str) -> None:
    try:
        _engine.from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("模板语法错误：%(error)s") % {"error": exc}) from exc


def ensure_templates() -> int:
    """Create the catalogue's templates that do not exist yet (staff edits are kept)."""
    existing = set(MessageTemplate.objects.values_list("code", flat=True))
    rows = [
        MessageTemplate(code=code, name=spec["name"], title=spec.get("title", ""), text=spec["text"])
        for code, spec in TEMPLATES.items() if code not in existing
    ]
    MessageTemplate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


_templates_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("message_templates", default=None)


@contextmanager
def remembered_templates():
    """Inside this block each template is read once (a batch writing thousands of messages)."""
    token = _templates_memo.set({})
    try:
        yield
    finally:
        _templates_memo.reset(token)


def get_template(code: str, *, text: str | None = None, title: str = "") -> MessageTemplate:
    memo = _templates_memo.get()
    if memo is not None and code in memo and text is None:
        return memo[code]
    tpl = MessageTemplate.objects.filter(code=code).first()
    if tpl is not None:
        if memo is not None and text is None:
            memo[code] = tpl
        return tpl
    spec = TEMPLATES.get(code)
    if spec is None and text is None:
        raise ValueError(f"unknown message template {code!r}")
    spec = spec or {"name": code, "title": title, "text": text}
    try:
        with transaction.atomic():
            return MessageTemplate.objects.create(
                code=code, name=spec["name"], title=spec.get("title", ""), text=spec["text"]
            )
    except IntegrityError:
        return MessageTemplate.objects.get(code=code)


def _recipients(users: Iterable, phones: Iterable[str], channels: Sequence[str]):
    """Yield (recipient-tag, channel, user, phone); de-duplicated by phone and user."""
    seen: set[tuple[str, str]] = set()
    for user in users:
        if user is None:
            continue
        for channel in channels:
            if channel == Channel.SITE:
                tag = f"u{user.pk}"
                phone = ""
            else:
                if not user.phone:
                    continue
                tag, phone = f"p{user.phone}", user.phone
            if (tag, channel) not in seen:
                seen.add((tag, channel))
                yield tag, channel, user, phone
    for phone in phones:
        if not phone:
            continue
        for channel in channels:
            if channel == Channel.SITE:
                continue
            tag = f"p{phone}"
            if (tag, channel) not in seen:
                seen.add((tag, channel))
                yield tag, channel, None, phone


_MESSAGE_FIELDS = [(f.attname, f) for f in Message._meta.concrete_fields]


def _message(**values) -> Message:
    """A Message from its column values, built positionally: Django's keyword path cost more
    than the rest of ``notify`` in a deadline chunk that writes thousands of rows."""
    return Message(*[values[name] if name in values else field.get_default() for name, field in _MESSAGE_FIELDS])


def notify(*, key: str, template: str, context: dict, users: Iterable = (), phones: Iterable[str] = (),
           channels: Sequence[str] = ("sms",), link: str = "", text: str | None = None) -> list[int]:
    """Write one outbox row per recipient and channel, keyed "<key>:<recipient>:<channel>".

    Runs in the caller's transaction: if the event rolls back, so do its messages. A key
    already written is skipped, so calling notify twice for one event sends once.
    Returns the ids of the rows that will be delivered.
    """
    tpl = get_template(template, text=text)
    ctx = {"link": link, **{k: one_line(v) for k, v in context.items()}}
    body = separate_link(_LINE_BREAKS.sub(" ", render_text(tpl.text, ctx)), link)
    title = render_text(tpl.title, ctx) if tpl.title else ""
    now = timezone.now()
    rows = []
    for tag, channel, user, phone in _recipients(users, phones, channels):
        site = channel == Channel.SITE
        rows.append(_message(
            idempotency_key=f"{key}:{tag}:{channel}"[:200], channel=channel, template_code=tpl.code,
            user_id=user.pk if user is not None else None, phone=phone, title=title, text=body, link=link,
            status=Status.SENT if site else Status.PENDING,
            sent_at=now if site else None, next_attempt_at=None if site else now,
        ))
    if not rows:
        return []
    collected = _collected.get()
    if collected is not None:
        collected.extend(rows)  # written with the rest of the batch (messages_written_together)
        return []
    return write_messages(rows)


def write_messages(rows: list[Message]) -> list[int]:
    """Write outbox rows in one INSERT (a key already written, or repeated in ``rows``, is
    skipped: the first one counts) and enqueue the SMS/voice ones after commit."""
    unique: dict[str, Message] = {}
    for row in rows:
        unique.setdefault(row.idempotency_key, row)
    if not unique:
        return []
    keys = list(unique)
    with transaction.atomic(savepoint=False):
        written = bulk.insert_rows(Message, unique.values(), ignore_conflicts=True, returning=["id", "channel"])
        if written is not None and len(written) == len(keys):
            # Every row is new (none of the keys existed): the ones to deliver are those written.
            ids = sorted(pk for pk, channel in written if channel != Channel.SITE)
        else:
            ids = list(
                Message.objects.filter(idempotency_key__in=keys, status=Status.PENDING, attempts=0)
                .exclude(channel=Channel.SITE).order_by("pk").values_list("id", flat=True)
            )
    if ids:
        transaction.on_commit(lambda: enqueue(ids))
    return ids


# Inside ``messages_written_together()`` the rows ``notify`` builds are kept here and written
# in one INSERT when the block ends.
_collected: contextvars.ContextVar[list | None] = contextvars.ContextVar("notify_collected", default=None)


@contextmanager
def messages_written_together():
    """Inside the block ``notify`` renders its rows but does not write them (it returns []);
    when the block ends without an error they are written together (``write_messages``). A
    batch that writes thousands of messages (the deadline scan's chunks) does one INSERT.
    Nested blocks join the outer one."""
    if _collected.get() is not None:
        yield
        return
    rows: list[Message] = []
    token = _collected.set(rows)
    try:
        yield
    finally:
        _collected.reset(token)
    write_messages(rows)


def post_webhook(*, key: str, url: str, body: str) -> int | None:
    """Write one webhook delivery (a signed POST of ``body`` to ``url``) to the outbox in the
    caller's transaction. ``key`` is the idempotency key: an event already queued for this
    receiver is skipped, so each event is delivered once however often this is called.
    The sender is the backend registered for the ``webhook`` channel."""
    with transaction.atomic():
        Message.objects.bulk_create(
            [Message(idempotency_key=key[:200], channel=Channel.WEBHOOK, link=url[:300], text=body,
                     status=Status.PENDING, next_attempt_at=timezone.now())],
            ignore_conflicts=True,
        )
        message_id = (Message.objects.filter(idempotency_key=key[:200], status=Status.PENDING, attempts=0)
                      .values_list("id", flat=True).first())
    if message_id is not None:
        transaction.on_commit(lambda: enqueue([message_id]))
    return message_id


def enqueue(ids: Iterable[int]) -> None:
    """Hand ids to the broker; if it is down the sweep picks the rows up later. Each failed
    publish costs about two seconds of retries, so the first failure ends the loop: the page
    that caused the messages must not wait for every one of them."""
    from grid.notifications.tasks import deliver_message

    ids = list(ids)
    for n, message_id in enumerate(ids):
        try:
            deliver_message.delay(message_id)
        except Exception:  # noqa: BLE001 — broker down: the rows stay pending for the sweep
            logger.warning("could not enqueue messages %s; the sweep will retry", ids[n:], exc_info=True)
            return


def claim(message_id: int) -> int | None:
    """Take the message for one delivery attempt with a conditional UPDATE; returns the
    attempt number (the claim token) or None when someone else holds it or it is done."""
    now = timezone.now()
    claimable = Q(status__in=[Status.PENDING, Status.RETRY], next_attempt_at__lte=now) | Q(
        status=Status.SENDING, locked_until__lt=now
    )
    with transaction.atomic():
        updated = (
            Message.objects.filter(claimable, pk=message_id)
            .update(status=Status.SENDING, attempts=F("attempts") + 1,
                    locked_until=now + timedelta(seconds=lease_seconds()))
        )
        if not updated:
            return None
        return Message.objects.values_list("attempts", flat=True).get(pk=message_id)


def mark_sent(message_id: int, attempt: int, provider_id: str = "") -> bool:
    """Record the delivery exactly once: only the holder of this attempt may finish it."""
    return bool(
        Message.objects.filter(pk=message_id, status=Status.SENDING, attempts=attempt).update(
            status=Status.SENT, sent_at=timezone.now(), locked_until=None, provider_id=provider_id[:100],
            last_error="",
        )
    )


def mark_failed(message_id: int, attempt: int, error: str) -> tuple[bool, int]:
    """Schedule the next attempt with backoff, or give up after the last one.
    Returns (will_retry, countdown_seconds)."""
    give_up = attempt >= max_attempts()
    delay = backoff_seconds(attempt)
    Message.objects.filter(pk=message_id, status=Status.SENDING, attempts=attempt).update(
        status=Status.DEAD if give_up else Status.RETRY,
        next_attempt_at=None if give_up else timezone.now() + timedelta(seconds=delay),
        locked_until=None, last_error=error[:300],
    )
    return (not give_up, delay)


def due_message_ids(limit: int = 500) -> list[int]:
    """Messages waiting for delivery whose time has come, or whose worker died holding them."""
    now = timezone.now()
    return list(
        Message.objects.filter(
            Q(status__in=[Status.PENDING, Status.RETRY], next_attempt_at__lte=now)
            | Q(status=Status.SENDING, next_attempt_at__lte=now, locked_until__lt=now)
        ).order_by("next_attempt_at").values_list("id", flat=True)[:limit]
    )


def mark_read(*, user, message_id: int) -> bool:
    return bool(
        Message.objects.unread_for(user).filter(pk=message_id).update(read_at=timezone.now())
    )


def mark_all_read(*, user) -> int:
    return Message.objects.unread_for(user).update(read_at=timezone.now())


def requeue(ids: Iterable[int]) -> int:
    """Administrator's retry of failed messages: back to pending, delivered after commit."""
    ids = list(ids)
    count = Message.objects.filter(pk__in=ids, status__in=[Status.DEAD, Status.RETRY]).update(
        status=Status.PENDING, next_attempt_at=timezone.now(), locked_until=None
    )
    transaction.on_commit(lambda: enqueue(ids))
    return count

"""Named, typed hook points: the seams where one app reacts to another's events.

The app that emits an event declares a ``HookPoint`` in its own ``hooks.py`` (for example
``grievances.hooks.grievance_event_recorded``), with the payload type its listeners receive,
when they run (``Phase.IN_TRANSACTION`` or ``Phase.AFTER_COMMIT``) and whether at least one
listener is required. Listening apps register in their ``AppConfig.ready()``::

    class AuditConfig(AppConfig):
        name = "audit"

        def ready(self):
            from grievances.hooks import grievance_event_recorded
            from audit.services import append_grievance_event

            grievance_event_recorded.register(append_grievance_event)

This is the shape of Saleor's plugin manager and django-oscar's ``EventHandler``, not an
anonymous Django signal: every seam has a name, a documented payload and a declared phase,
the list of seams is ``all_hook_points()`` (docs/architecture.md shows it), and the
dependency points from the listener to the emitter, so the emitting app never imports its
listeners. A required hook point with no listener is a start-up error (the system check
``grid.E101``, run by ``manage.py check``, ``migrate`` and ``runserver``), and emitting it
raises ``ImproperlyConfigured`` rather than doing nothing: a renamed handler can no longer
silently stop the clocks.

Phases:

- ``IN_TRANSACTION``: listeners are called in registration order inside the emitter's
  transaction, before it commits; an exception rolls the whole use-case back. Emitting
  outside ``transaction.atomic()`` is a programming error and raises.
- ``AFTER_COMMIT``: each listener is scheduled with ``transaction.on_commit`` and runs only
  if the transaction commits; a failing listener cannot undo the use-case, so it must be
  idempotent (or enqueue a task that is).

Batches: ``emit_many(payloads)`` hands a whole list at once (the deadline scan writes the
events of 50 items together). A listener registered with ``register_many`` receives the
list, so it can do its work in a few set-based statements; ``emit(payload)`` is
``emit_many([payload])``, so each rule has one implementation, exercised by both. A plain
listener (``register``) is called once per payload. Listeners run in registration order,
each with the whole list (in the order the payloads were written): listener A sees every
payload before listener B sees the first.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

T = TypeVar("T")

_ALL: dict[str, HookPoint] = {}


class Phase(enum.Enum):
    IN_TRANSACTION = "in transaction"
    AFTER_COMMIT = "after commit"


def listener_name(listener: Callable) -> str:
    return f"{getattr(listener, '__module__', '?')}.{getattr(listener, '__qualname__', repr(listener))}"


@dataclass(eq=False)
class HookPoint(Generic[T]):
    """One named seam. ``payload`` is the type every listener receives as its only argument."""

    name: str
    payload: type
    phase: Phase
    doc: str
    required: bool = False
    _listeners: list[Callable] = field(default_factory=list, repr=False)
    _takes_list: set = field(default_factory=set, repr=False)

    def __post_init__(self):
        if self.name in _ALL:
            raise ImproperlyConfigured(f"Hook point {self.name!r} is declared twice.")
        _ALL[self.name] = self

    def register(self, listener: Callable[[T], None]) -> Callable[[T], None]:
        """Add a listener (idempotent, so a ready() run twice registers once). Usable as a
        decorator; returns the listener."""
        if not callable(listener):
            raise TypeError(f"A listener of {self.name} must be callable, not {listener!r}.")
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def register_many(self, listener: Callable[[list[T]], None]) -> Callable[[list[T]], None]:
        """Add a listener that receives a list of payloads (one or more) per call."""
        self.register(listener)
        self._takes_list.add(listener)
        return listener

    def unregister(self, listener: Callable) -> None:
        # (a list-taking listener stays one: registered again with ``register``, it still
        # receives lists)
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def listeners(self) -> tuple[Callable[[T], None], ...]:
        return tuple(self._listeners)

    def listener_names(self) -> list[str]:
        return [listener_name(f) for f in self._listeners]

    @contextmanager
    def connected(self, listener: Callable[[T], None]) -> Iterator[Callable[[T], None]]:
        """For tests: a listener registered only inside the ``with`` block."""
        added = listener not in self._listeners
        self.register(listener)
        try:
            yield listener
        finally:
            if added:
                self.unregister(listener)

    def emit(self, payload: T) -> None:
        self.emit_many([payload])

    def emit_many(self, payloads) -> None:
        """Hand every payload to every listener: a list-taking listener gets the whole list
        in one call, a plain one each payload in turn."""
        payloads = list(payloads)
        for payload in payloads:
            if not isinstance(payload, self.payload):
                raise TypeError(f"{self.name} carries {self.payload.__name__}, not {type(payload).__name__}.")
        if self.required and not self._listeners:
            raise ImproperlyConfigured(f"Hook point {self.name} is required but has no listener.")
        if not payloads:
            return
        if self.phase is Phase.IN_TRANSACTION:
            if not transaction.get_connection().in_atomic_block:
                raise RuntimeError(f"{self.name} runs its listeners inside the transaction: emit it inside atomic().")
            for listener in tuple(self._listeners):
                if listener in self._takes_list:
                    listener(payloads)
                else:
                    for payload in payloads:
                        listener(payload)
        else:
            for listener in tuple(self._listeners):
                if listener in self._takes_list:
                    transaction.on_commit(partial(listener, payloads))
                else:
                    for payload in payloads:
                        transaction.on_commit(partial(listener, payload))


def all_hook_points() -> list[HookPoint]:
    """Every declared hook point (declared when its module is imported; the emitting apps
    import their ``hooks`` module in ``AppConfig.ready``)."""
    return sorted(_ALL.values(), key=lambda h: h.name)


def check_required_listeners(app_configs=None, **kwargs):
    """System check grid.E101: a required hook point without a listener."""
    from django.core.checks import Error

    return [
        Error(
            f"Hook point {h.name} is required but no app registered a listener.",
            hint="Register one in the listening app's AppConfig.ready() (see grid/hooks.py).",
            obj=h.name, id="grid.E101",
        )
        for h in all_hook_points() if h.required and not h.listeners
    ]

"""Demo data of the law library: the whole statute corpus (import is idempotent and takes a
fraction of a second when nothing changed) and the seed concept table."""

from __future__ import annotations

from .corpus import import_corpus
from .fields_of_law import seed_fields_of_law
from .search.concepts import seed_concepts


def seed(stdout) -> None:
    added = seed_fields_of_law()
    if added:
        stdout.write(f"legalqa: {added} fields of law added\n")
    report = import_corpus()
    stdout.write(f"legalqa: {report.summary()}\n")
    # the demo keeps the seed rows in step with the code (rows staff added are never touched)
    created = seed_concepts(reset=True)
    if created:
        stdout.write(f"legalqa: {created} concepts added to the colloquial→legal table\n")

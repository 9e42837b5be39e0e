"""python manage.py open311_key create --channel 12345热线 --region 439001000000 [--name …]
python manage.py open311_key list | disable <prefix> | enable <prefix> | rotate <prefix>"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from api import services
from api.models import ApiKey
from grid.models import Region


class Command(BaseCommand):
    help = "Create, list, switch off/on or rotate Open311 API keys (the plain key is printed once)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--channel", required=True, help="12345热线 / hotline, app, partner")
        create.add_argument("--region", required=True, help="division code the key may file into")
        create.add_argument("--name", default="", help="channel name shown in the timeline (default: --channel)")
        create.add_argument("--rate-limit", type=int, default=120)
        create.add_argument("--trusted", action="store_true")
        create.add_argument("--webhook-url", default="")
        sub.add_parser("list")
        for name in ("disable", "enable", "rotate"):
            sub.add_parser(name).add_argument("prefix")

    def handle(self, *args, action, **opts):
        try:
            getattr(self, f"_{action}")(**opts)
        except services.ApiError as exc:
            raise CommandError(exc.message) from exc

    def _create(self, *, channel, region, name, rate_limit, trusted, webhook_url, **_):
        place = Region.objects.filter(code=region.strip()).first()
        if place is None:
            raise CommandError(f"no region with code {region}")
        key, raw = services.create_api_key(actor=None, name=name or channel, channel=channel, region=place,
                                           rate_limit=rate_limit, trusted=trusted, webhook_url=webhook_url)
        self.stdout.write(raw)
        self.stderr.write(f"{key.name} ({key.get_channel_display()}) → {place.name} {place.code}; "
                          f"webhook secret: {key.webhook_secret}. The key is shown only now.")

    def _list(self, **_):
        for k in ApiKey.objects.select_related("region").order_by("id"):
            self.stdout.write(f"{k.prefix}\t{k.name}\t{k.channel}\t{k.region_code}\t"
                              f"{'on' if k.is_active else 'off'}\t{k.rate_limit}/min")

    def _key(self, prefix):
        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is None:
            raise CommandError(f"no key with prefix {prefix}")
        return key

    def _disable(self, *, prefix, **_):
        services.set_api_key_active(actor=None, key=self._key(prefix), active=False)

    def _enable(self, *, prefix, **_):
        services.set_api_key_active(actor=None, key=self._key(prefix), active=True)

    def _rotate(self, *, prefix, **_):
        self.stdout.write(services.rotate_api_key(actor=None, key=self._key(prefix)))

"""`familyhub demo-code USERNAME`: the current 6-digit sign-in code of a demo account.

Only for the demo accounts made by `demo_setup` (their authenticator secret is derived from a public
seed), and never with FAMILYHUB_ENV=production.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from familyhub.core.demo.organisations import DEMO_DEVICE_NAME, is_demo_device


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo account (not in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="A demo account, e.g. practitioner")

    def handle(self, *args: Any, **opts: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo-code refuses to run with FAMILYHUB_ENV=production.")
        username = opts["username"]
        device = (
            TOTPDevice.objects.select_related("user")
            .filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True)
            .first()
        )
        if device is None or not is_demo_device(device):
            raise CommandError(
                f"{username!r} is not a demo account. Run `familyhub demo_setup` first; demo "
                "accounts are listed in its sign-in table."
            )
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")

"""The `familyhub` console script: Django's management commands under the product's name."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "familyhub.config.settings")
    from django.core.management import execute_from_command_line

    argv = ["familyhub", *sys.argv[1:]]
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")  # `familyhub verify-access-log` runs verify_access_log
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

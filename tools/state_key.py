"""Prints a new state encryption key (STATE_ENCRYPTION_KEY: a Fernet key) for a deployment.

    python tools/state_key.py             a key, for the manual path (docs/deploy.md)
    python tools/state_key.py --toolkit   in m365agents.yml: hands the key to the Agents Toolkit, which keeps it
                                          encrypted in env/.env.<environment>.user, unless the environment has one

Rotation: put a new key first and keep the old one after a comma until every record was written again."""

from __future__ import annotations

import argparse
import base64
import os
import sys

VARIABLE = "SECRET_STATE_ENCRYPTION_KEY"


def new_key() -> str:
    """Fernet's key format (32 random bytes, URL-safe base64), from the standard library alone: the Toolkit runs
    this with whatever Python the admin has, without the project's dependencies."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--toolkit", action="store_true", help="print the Toolkit's ::set-teamsfx-env line")
    args = parser.parse_args(argv)
    if not args.toolkit:
        print(new_key())
        return 0
    if os.environ.get(VARIABLE, "").strip():
        print(f"{VARIABLE} is already set for this environment: kept")
        return 0
    print(f"::set-teamsfx-env {VARIABLE}={new_key()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Pytest plugin: `azurite`, the Azure Storage emulator from npm (node_modules/.bin/azurite-blob), started once
per session on a free port with a temporary --location, and `blob_settings`, the bot's settings for a fresh
container in it."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"
# Azure's own documented development account (not a secret): what Azurite accepts.
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Azurite:
    port: int

    @property
    def connection_string(self) -> str:
        return (
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            f"AccountKey={DEV_ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:{self.port}/devstoreaccount1;"
        )

    @staticmethod
    def container() -> str:
        return f"test-{uuid.uuid4().hex[:20]}"


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    assert AZURITE.exists(), "azurite is missing: run `make dev-deps` (npm ci installs it)"
    location = tmp_path_factory.mktemp("azurite")
    command = [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", "0", "--location", str(location)]
    process = subprocess.Popen(
        [*command, "--skipApiVersionCheck", "--loose", "--silent"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    port = None
    assert process.stdout is not None
    for line in process.stdout:
        found = re.search(r"listens on http://127\.0\.0\.1:(\d+)", line)
        if found:
            port = int(found.group(1))
            break
    try:
        assert port, "azurite did not start"
        yield Azurite(port)
    finally:
        process.kill()  # its data is a temporary folder: nothing to flush (and a clean stop waits on keep-alives)
        process.wait(timeout=10)

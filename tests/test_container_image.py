"""Issue 16: the container image. No Docker engine runs here, so the image is checked by what can be checked without
one: hadolint (the real linter, from PyPI) on the Dockerfile; the rules the issue sets (a slim base pinned to a
version, runtime dependencies only, a non-root user, a HEALTHCHECK, the production server as the command); and the
image's file tree (exactly what its COPY lines and .dockerignore let in) served by gunicorn and probed with the
image's own HEALTHCHECK command."""

from __future__ import annotations

import ast
import asyncio
import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import aiohttp
from packaging.requirements import Requirement

from tests.teams import Connector, TeamsClient, card_of
from tests.test_production_server import gunicorn, server_env

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
HADOLINT = Path(sys.executable).with_name("hadolint")


def instructions(name: str) -> list[str]:
    """The arguments of every `NAME` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.upper().startswith(name.upper() + " ")]


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run([str(HADOLINT), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_base_is_a_slim_python_pinned_to_a_patch_release() -> None:
    [arg] = [a for a in instructions("ARG") if a.startswith("PYTHON_IMAGE=")]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.11\.\d+-slim-[a-z]+", arg)
    assert all(f.split()[0] == "${PYTHON_IMAGE}" for f in instructions("FROM"))


def test_runtime_dependencies_only_a_non_root_user_a_healthcheck_and_gunicorn() -> None:
    steps = instructions("COPY") + instructions("RUN")
    assert not any("requirements-dev" in step for step in steps)
    assert any("pip install --no-compile -r requirements.txt" in step for step in steps)
    [user] = instructions("USER")
    assert user.split(":")[0] not in ("0", "root")
    [healthcheck] = instructions("HEALTHCHECK")
    assert "/healthz" in healthcheck
    [cmd] = instructions("CMD")
    assert json.loads(cmd)[:1] == ["gunicorn"] and "app:serve" in json.loads(cmd)


def image_tree(destination: Path) -> Path:
    """The files the final stage's COPY lines take from the build context, after .dockerignore."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def included(relative: str) -> bool:
        keep = False
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!").rstrip("/")
            if (
                fnmatch.fnmatch(relative, bare)
                or relative.startswith(bare + "/")
                or (bare.startswith("**/") and fnmatch.fnmatch(relative.rsplit("/", 1)[-1], bare[3:]))
            ):
                keep = negated
        return keep

    for copy in instructions("COPY"):
        if copy.startswith("--from="):
            continue
        *sources, _target = shlex.split(copy)
        for source in sources:
            path = ROOT / source
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            for file in files:
                relative = file.relative_to(ROOT).as_posix()
                if included(relative):
                    (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, destination / relative)
    return destination


async def test_the_image_tree_serves_the_bot_and_passes_its_own_healthcheck(
    tmp_path: Path, connector: Connector, http: aiohttp.ClientSession
) -> None:
    tree = image_tree(tmp_path / "app")
    assert (tree / "app.py").is_file() and not (tree / "tests").exists() and not (tree / "sandbox").exists()
    async with gunicorn(server_env(tmp_path), cwd=tree) as server:
        teams = TeamsClient(bot_url=server.url, connector=connector, session=http)
        [reply] = await teams.say("/help")
        assert card_of(reply) is not None
        probe = json.loads(instructions("HEALTHCHECK")[0].split("CMD", 1)[1])
        port = server.url.rsplit(":", 1)[1]
        healthy = await asyncio.create_subprocess_exec(sys.executable, *probe[1:], env={"PORT": port})
        assert await healthy.wait() == 0
        await server.stop()
    down = await asyncio.create_subprocess_exec(
        sys.executable, *probe[1:], env={"PORT": port}, stderr=asyncio.subprocess.DEVNULL
    )
    assert await down.wait() != 0


def runtime_closure() -> set[str]:
    """requirements.txt and everything those distributions depend on (the image's venv), normalized names."""

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    wanted = [
        norm(re.split(r"[=<>\[; ]", line, maxsplit=1)[0])
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("#", "-"))
    ]
    closure: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in closure:
            continue
        closure.add(name)
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                wanted.append(norm(requirement.name))
    return closure


def test_the_code_in_the_image_needs_only_runtime_dependencies() -> None:
    """Every third-party module the image's code imports comes from requirements.txt (the image has no dev tools)."""
    files = [ROOT / "app.py", ROOT / "gunicorn.conf.py", *ROOT.glob("bot/**/*.py"), *ROOT.glob("cards/**/*.py")]
    local = {"app", "bot", "cards"}
    imported: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - local - set(sys.stdlib_module_names)
    providers = metadata.packages_distributions()
    closure = runtime_closure()
    missing = {
        module: providers.get(module)
        for module in third_party
        if not {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(module, [])} & closure
    }
    assert missing == {}, f"imported by the image's code but not in requirements.txt: {missing}"
    assert "pytest" not in closure and "ruff" not in closure


def test_everything_the_runtime_pulls_in_is_pinned_by_the_constraints() -> None:
    """requirements.txt names what we use; constraints.txt (which it includes) pins the whole tree, so a fresh
    clone, the image and App Service's build install the same versions as CI did."""
    assert "-c constraints.txt" in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pinned: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned with ==: {line}"
            pinned[re.sub(r"[-_.]+", "-", name).lower()] = version
    assert runtime_closure() - set(pinned) == set()
    installed = {name: metadata.version(name) for name in runtime_closure()}
    assert {name: version for name, version in installed.items() if pinned[name] != version} == {}

"""gunicorn settings for production (`gunicorn --config gunicorn.conf.py app:serve`), from the same environment
variables as the bot. Every value here can still be overridden on the command line or with GUNICORN_CMD_ARGS.

One worker per core is the default because a worker is one asyncio event loop: a turn waits on Graph and the Bot
Connector without holding a core. State that must be shared between workers (and instances) lives in the state
store, never in a worker's memory.

On SIGTERM (a deployment, a scale-in, a restart) gunicorn stops accepting connections and each worker gives the
requests already in flight up to 95% of `graceful_timeout` to finish (aiohttp's AppRunner shutdown), then the
bot's cleanup waits for work started after an answer. Keep it under the host's own grace period: App Service
and Container Apps allow 30 s before they kill the container.
"""

from __future__ import annotations

import multiprocessing
import os

from bot.observability import logging_config

worker_class = "aiohttp.GunicornWebWorker"
bind = [f"{os.environ.get('HOST', '') or '0.0.0.0'}:{os.environ.get('PORT', '') or '3978'}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "") or multiprocessing.cpu_count())
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "") or 25)
# A worker that does not report for this long is restarted; a turn never blocks the loop this long.
timeout = 60
keepalive = 75  # seconds an idle keep-alive connection stays open (aiohttp's default)
# The app is built in each worker after the fork (sockets, sessions and the SDK's threads do not survive a fork).
preload_app = False
# Where gunicorn keeps its heartbeat files: memory, not a container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
logconfig_dict = logging_config(
    (os.environ.get("LOG_LEVEL", "") or "INFO").upper(), (os.environ.get("LOG_FORMAT", "") or "text").lower()
)
accesslog = None  # requests are logged by the bot (with a request id, never a token); App Service logs HTTP too
# No runtime control socket: nobody manages a container's gunicorn by hand, and its home may be read-only.
control_socket_disable = True

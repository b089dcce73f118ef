// The system under test, started fresh for one e2e run: the Graph sandbox, the bot (AUTH_MODE=dev), a locale
// relay and the Microsoft 365 Agents Playground, each on a free port, with a temporary db, state and signing key.
// `stop()` ends all of them (SIGINT, then SIGKILL); an exit of the test process also kills whatever is left.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startLocaleRelay } from './relay.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PLAYGROUND_CLI = path.join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');
const PLAYGROUND_CONFIG = path.join(ROOT, '.m365agentsplayground.yml');

const live = new Set(); // child processes not yet reaped, killed on exit whatever happens
const scratch = new Set(); // temp dirs removed if the run is interrupted

function killAll(signal) {
  for (const child of live) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
process.on('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll('SIGKILL');
    for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
    process.exit(128 + os.constants.signals[signal]);
  });
}

/** The Python of the project's venv (or E2E_PYTHON). Missing: a loud failure, never a skip. */
export function pythonExecutable() {
  const candidate = process.env.E2E_PYTHON || path.join(ROOT, '.venv', 'bin', 'python');
  if (!fs.existsSync(candidate)) {
    throw new Error(`e2e: no Python at ${candidate}; run \`make test\` (it creates .venv) or set E2E_PYTHON`);
  }
  return candidate;
}

/** A port the OS says is free right now (bound to port 0, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startProcess(name, command, args, { cwd, env, logDir }) {
  const logPath = path.join(logDir, `${name}.log`);
  const log = fs.openSync(logPath, 'a');
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', log] });
  live.add(child);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let stdout = '';
  const lineWaiters = [];
  child.stdout.on('data', (chunk) => {
    fs.appendFileSync(logPath, chunk);
    stdout += chunk.toString();
    for (const waiter of lineWaiters.splice(0)) waiter();
  });
  child.on('error', (error) => fs.appendFileSync(logPath, `spawn error: ${error.message}\n`));
  return {
    name,
    child,
    logPath,
    exited,
    exitCode: () => child.exitCode ?? child.signalCode,
    /** Resolves with the first stdout line, or rejects if the process ends first. */
    async firstLine(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!stdout.includes('\n')) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before printing anything:\n${tail(logPath)}`);
        }
        if (Date.now() > deadline) throw new Error(`${name} printed nothing within ${timeoutMs} ms:\n${tail(logPath)}`);
        await new Promise((resolve) => {
          lineWaiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return stdout.split('\n')[0].trim();
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Last lines of a log file, for failure messages. */
export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForHttp(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode() !== null) {
      throw new Error(`${proc.name} exited (${proc.exitCode()}) while starting:\n${tail(proc.logPath)}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${tail(proc.logPath)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** Starts a server that takes its port as an argument: a free port, tried again if another process took it. */
async function startOnFreePort(name, launch, readyUrl, timeoutMs) {
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const proc = launch(port);
    try {
      await waitForHttp(readyUrl(port), proc, timeoutMs);
      return { proc, port };
    } catch (error) {
      lastError = error;
      await proc.stop();
      if (!/EADDRINUSE|address already in use/i.test(tail(proc.logPath))) break;
    }
  }
  throw new Error(`could not start ${name}: ${lastError.message}`);
}

export async function startStack() {
  const python = pythonExecutable();
  if (!fs.existsSync(PLAYGROUND_CLI)) {
    throw new Error('e2e: the Agents Playground is not installed (node_modules missing); run `make test` or `npm ci`');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manager-desk-e2e-'));
  scratch.add(dir);
  const key = path.join(dir, 'dev-signing-key.pem');
  const baseEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  const procs = [];
  let relay;
  const stack = {
    dir,
    procs,
    failed: false, // set by a failing scenario: the logs are kept
    async stop() {
      for (const proc of [...procs].reverse()) await proc.stop();
      if (relay) await relay.close();
      if (stack.failed || process.env.E2E_KEEP_TMP) {
        console.error(`e2e: logs, databases and key kept in ${dir}`);
      } else {
        fs.rmSync(dir, { recursive: true, force: true });
        scratch.delete(dir);
      }
    },
    logs() {
      return procs.map((p) => `--- ${p.name} (${p.logPath}) ---\n${tail(p.logPath)}`).join('\n');
    },
  };
  try {
    // 1. Graph sandbox: `--port 0`, it prints its base URL first.
    const sandbox = startProcess(
      'sandbox',
      python,
      ['-m', 'sandbox', '--port', '0', '--db', path.join(dir, 'sandbox.db'), '--signing-key', key],
      { cwd: ROOT, env: baseEnv, logDir: dir },
    );
    procs.push(sandbox);
    const graphBase = await sandbox.firstLine(30_000);
    if (!/^http:\/\/127\.0\.0\.1:\d+\/beta$/.test(graphBase)) throw new Error(`sandbox printed ${graphBase}`);
    stack.graphBase = graphBase;
    stack.sandboxUrl = graphBase.replace(/\/beta$/, '');
    await waitForHttp(`${stack.sandboxUrl}/_sandbox/health`, sandbox, 10_000);

    // 2. The bot, with its state in the temp dir; dev tokens signed by the sandbox's key.
    const bot = await startOnFreePort(
      'bot',
      (port) =>
        startProcess('bot', python, ['app.py'], {
          cwd: ROOT,
          logDir: dir,
          env: {
            ...baseEnv,
            PORT: String(port),
            HOST: '127.0.0.1',
            AUTH_MODE: 'dev',
            MicrosoftAppId: '',
            MicrosoftAppPassword: '',
            GRAPH_BASE_URL: graphBase,
            DEV_SIGNING_KEY: key,
            STATE_DB: path.join(dir, 'state.db'),
          },
        }),
      (port) => `http://127.0.0.1:${port}/readyz`,
      30_000,
    );
    procs.push(bot.proc);
    stack.botUrl = `http://127.0.0.1:${bot.port}/api/messages`;

    // 3. The locale relay between the Playground and the bot (see relay.mjs).
    relay = await startLocaleRelay(stack.botUrl);
    stack.relay = relay;

    // 4. The Playground, in the temp dir (it writes devTools/ there), with the repo's mock tenant.
    const playground = await startOnFreePort(
      'playground',
      (port) =>
        startProcess('playground', process.execPath, [PLAYGROUND_CLI, '-e', relay.url, '-c', 'msteams', '-p', String(port), '--dt'], {
          cwd: dir,
          logDir: dir,
          env: {
            ...baseEnv,
            TEAMSAPPTESTER_BROWSER: 'none',
            // The Playground sends its own process's time zone as the activity's localTimezone: a manager in Paris.
            TZ: process.env.E2E_TZ || 'Europe/Paris',
            M365_AGENTS_PLAYGROUND_CONFIG_PATH: PLAYGROUND_CONFIG,
            M365_AGENTS_PLAYGROUND_LOGFILE: path.join(dir, 'playground-ui.log'),
          },
        }),
      (port) => `http://127.0.0.1:${port}/`,
      60_000,
    );
    procs.push(playground.proc);
    stack.playgroundUrl = `http://localhost:${playground.port}/`;
    return stack;
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The sandbox's test controls. */
export function sandboxControls(stack) {
  const base = `${stack.sandboxUrl}/_sandbox`;
  return {
    async reset() {
      const response = await fetch(`${base}/reset`, { method: 'POST' });
      if (response.status !== 204) throw new Error(`sandbox reset answered ${response.status}`);
    },
    async requests() {
      const response = await fetch(`${base}/requests`);
      if (!response.ok) throw new Error(`sandbox request log answered ${response.status}`);
      return response.json();
    },
    /** Makes the sandbox answer requests matching `fault.match` as told (see sandbox/faults.py); reset clears it. */
    async inject(fault) {
      const response = await fetch(`${base}/faults`, { method: 'POST', body: JSON.stringify(fault) });
      if (response.status !== 201) throw new Error(`sandbox fault answered ${response.status}`);
    },
  };
}

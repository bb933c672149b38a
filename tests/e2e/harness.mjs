// Browser-test harness: starts the real omnimeter binary, drives Debian's chromium through
// playwright-core, and always cleans up (the process group and the browser), even on failure.
//
// Environment (set by tests/e2e/CMakeLists.txt): OMNIMETER_BIN, OMNI_WEB_ROOT, OMNI_WEB_DIR
// (web/, where node_modules is), OMNI_E2E_ARTIFACTS (screenshots).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(join(process.env.OMNI_WEB_DIR ?? 'web', 'package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM = '/usr/bin/chromium';

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through ctest)`);
  return v;
}

// Starts `omnimeter <args>` and resolves once it prints its http://127.0.0.1:<port>/ line.
export async function startOmnimeter(args, { timeoutMs = 60_000 } = {}) {
  const bin = required('OMNIMETER_BIN');
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`omnimeter exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    url,
    stderr: () => stderr,
    // SIGTERM to the whole process group; resolves with the exit code.
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      try { process.kill(-child.pid, 'SIGTERM'); } catch { resolve(child.exitCode); }
      setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } },
        10_000).unref();
    }),
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/install-deps.sh (browser tests never skip)`);
  }
  // playwright-core gives the browser a fresh temporary profile and removes it on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export function artifactPath(name) {
  const dir = process.env.OMNI_E2E_ARTIFACTS ?? join(tmpdir(), 'omni-e2e-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

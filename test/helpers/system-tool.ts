// A real system program a test needs (nginx, squid, chromium): found on PATH, or installed from
// Debian's packages when absent and the test runs as root (as CI does). One apt-get at a time across
// jest workers and processes: apt-get holds its own lock and fails rather than waits, so installs
// are serialised by flock on one lock file.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const LOCK_FILE = '/tmp/model-cache-test-apt.lock';
const INSTALL_TIMEOUT_MS = 600_000;

/** Absolute path of `command` on PATH (or in the sbin folders, where Debian puts daemons), or null. */
export function findCommand(command: string): string | null {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/**
 * The path of `command`, installing Debian package `debPackage` when it is absent. Throws with the
 * command a person would run when it cannot be installed (not root, no apt-get, the install failed).
 */
export function ensureSystemCommand(command: string, debPackage: string): string {
  const found = findCommand(command);
  if (found !== null) return found;
  const how = `install it with: apt-get install -y --no-install-recommends ${debPackage}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${command} is not installed and this test is not running as root; ${how}`);
  }
  if (findCommand('apt-get') === null) throw new Error(`${command} is not installed and there is no apt-get; ${how}`);
  const script =
    `command -v ${command} >/dev/null 2>&1 || [ -x /usr/sbin/${command} ] || ` +
    `apt-get install -y --no-install-recommends ${debPackage} || ` +
    `(apt-get update && apt-get install -y --no-install-recommends ${debPackage})`;
  const result = spawnSync('flock', [LOCK_FILE, 'sh', '-c', script], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
  });
  const installed = findCommand(command);
  if (installed === null) {
    const tail = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-15).join('\n');
    throw new Error(`installing ${debPackage} for ${command} failed (status ${result.status}); ${how}\n${tail}`);
  }
  return installed;
}

/** The version line a command prints, for test logs. */
export function commandVersion(command: string, args: string[] = ['-v']): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

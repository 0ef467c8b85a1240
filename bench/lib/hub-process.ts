import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { HubFault, HubRepoSpec } from 'model-cache/testing';

export interface HubProcess {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts bench/hub-server in a child process and waits until it serves (hashes precomputed). */
export function startHubProcess(repos: HubRepoSpec[], faults: HubFault[] = []): Promise<HubProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, '..', 'hub-server.js'), JSON.stringify({ repos, faults })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => {
      reject(new Error(`hub server exited with ${code}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const { endpoint } = JSON.parse(line) as { endpoint: string };
      resolve({
        endpoint,
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.on('exit', () => {
              done();
            });
            child.stdin!.end();
          }),
      });
    });
  });
}

// A fixture Hub in its own process for benchmarks (so it does not share the client's event loop).
// argv[2]: JSON { repos, faults }. Prints {"endpoint": ...} once listening; exits when stdin closes.
import { startHubServer, type HubFault, type HubRepoSpec } from 'model-cache/testing';

async function main(): Promise<void> {
  const { repos, faults } = JSON.parse(process.argv[2]!) as { repos: HubRepoSpec[]; faults?: HubFault[] };
  const hub = await startHubServer({ repos, faults, lifetimeMs: 30 * 60_000 });
  // Compute the LFS hashes now, not during the first timed request.
  for (const r of repos) for (const f of r.files ?? []) await hub.fileHashes(r.id, f.path);
  console.log(JSON.stringify({ endpoint: hub.endpoint }));
  process.stdin.resume();
  process.stdin.on('end', () => void hub.close().then(() => process.exit(0)));
}

void main();

// Runs one driver (or a case's setup) of one case in this process and prints the measurement as JSON.
import path from 'node:path';
import type { BenchCase } from './lib/harness';

async function main(): Promise<void> {
  const [caseName, driver, dir] = process.argv.slice(2);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(__dirname, 'cases', `${caseName}.js`)) as { default: BenchCase };
  const c = mod.default;
  if (driver === '--setup') {
    await c.setup?.(dir!);
    console.log(JSON.stringify({ ok: true }));
    return;
  }
  const fn = c.drivers[driver!];
  if (!fn) throw new Error(`no driver ${driver} in ${caseName}`);
  const m = await fn(dir!);
  console.log(JSON.stringify(m));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

#!/usr/bin/env node
'use strict';
// `npm run bench [case ...]`: compiles bench/ (TypeScript) into .bench/, then for every case runs each
// driver in a fresh process, interleaving the drivers run after run, and prints median, min-max and the
// ratio to the baseline measured in the same run. Results also go to bench/results/latest.md.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, '.bench');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', path.join(__dirname, 'tsconfig.json')], {
  stdio: 'inherit',
});

const wanted = process.argv.slice(2);
const cases = fs
  .readdirSync(path.join(__dirname, 'cases'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .filter((n) => wanted.length === 0 || wanted.includes(n));

function child(caseName, driver, dir, variant) {
  const res = spawnSync(process.execPath, ['--expose-gc', path.join(out, 'child.js'), caseName, driver, dir], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_VARIANT: variant },
    maxBuffer: 64 << 20,
    timeout: 30 * 60_000,
  });
  if (res.status !== 0) throw new Error(`${caseName}/${driver} failed:\n${res.stdout}\n${res.stderr}`);
  const lines = res.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = `Machine: ${os.hostname()}, ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
const report = [`# Benchmarks`, '', header, ''];
console.log(header);

for (const name of cases) {
  const c = require(path.join(out, 'cases', `${name}.js`)).default;
  const variants = c.variants ?? [''];
  for (const variant of variants) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mc-bench-${name}-`));
    try {
      if (c.setup) child(name, '--setup', dir, variant);
      const drivers = Object.keys(c.drivers);
      const results = Object.fromEntries(drivers.map((d) => [d, []]));
      const extras = Object.fromEntries(drivers.map((d) => [d, []]));
      for (let run = 0; run < c.runs; run++) {
        // Rotate the order each run so no driver always runs first (page cache, CPU frequency, balloon).
        const order = drivers.map((_, i) => drivers[(i + run) % drivers.length]);
        for (const d of order) {
          const m = child(name, d, dir, variant);
          results[d].push(m.value);
          if (m.extra) extras[d].push(m.extra);
        }
      }
      const base = median(results[c.baseline]);
      const title = `${name}${variant ? ` (${variant})` : ''}: ${c.unit}, ${c.higherIsBetter ? 'higher' : 'lower'} is better, ${c.runs} runs`;
      const rows = [`| driver | median | min - max | vs ${c.baseline} | notes |`, '|---|---|---|---|---|'];
      for (const d of drivers) {
        const med = median(results[d]);
        const ratio = c.higherIsBetter ? med / base : base / med;
        const notes = extras[d].length
          ? Object.keys(extras[d][0])
              .map((k) => `${k} ${typeof extras[d][0][k] === 'number' ? fmt(median(extras[d].map((e) => e[k]))) : extras[d][0][k]}`)
              .join(', ')
          : '';
        rows.push(
          `| ${d} | ${fmt(med)} | ${fmt(Math.min(...results[d]))} - ${fmt(Math.max(...results[d]))} | ${ratio.toFixed(2)}x | ${notes} |`,
        );
      }
      console.log(`\n${title}\n${rows.join('\n')}`);
      report.push(`## ${title}`, '', ...rows, '');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
// Merge into the results file: sections of cases not run this time stay as they were.
const resultsFile = path.join(__dirname, 'results', 'latest.md');
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
const sections = new Map();
const splitSections = (text) => {
  for (const part of text.split(/\n(?=## )/).slice(1)) sections.set(part.split('\n')[0].replace(/:.*/, ''), part.trim());
};
if (wanted.length > 0 && fs.existsSync(resultsFile)) splitSections(fs.readFileSync(resultsFile, 'utf8'));
splitSections(report.join('\n'));
const ordered = [...sections.keys()].sort().map((k) => sections.get(k));
fs.writeFileSync(resultsFile, `# Benchmarks\n\n${header}\n\n${ordered.join('\n\n')}\n`);

// Fuzz of the Hub client's parsing of what a server sends: garbled tree listings, model info and
// response headers, served by the fixture on loopback. Whatever arrives, a call either succeeds or
// throws a typed error (a HubError with a code of HUB_ERROR_CODES); it never crashes with a TypeError,
// never hangs past its bound. Seeded, so a failure reproduces: the seed is in the test name.

import { HUB_ERROR_CODES, HubError } from '../../lib/errors';
import { fileMetadata, listFiles, modelInfo } from '../../lib/hub';
import { startHubServer, type HubFault, type HubServer } from '../../lib/testing';
import { clientOptions } from './helpers';

const SEED = 20261204;
const ROUNDS = 150;
const CODES: ReadonlySet<string> = new Set(HUB_ERROR_CODES);

/** xorshift32: deterministic and fast. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({
    lifetimeMs: 120_000,
    repos: [
      {
        id: 'fuzz/repo',
        files: [
          { path: 'config.json', content: '{"a":1}' },
          { path: 'dir/w.bin', size: 1000, lfs: true },
        ],
      },
    ],
  });
});
afterAll(async () => {
  await hub.close();
});

function garble(random: () => number, text: string): string {
  const chars = Array.from(text);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i += 1) {
    const at = Math.floor(random() * (chars.length + 1));
    const pick = random();
    if (pick < 0.3) chars.splice(at, 1);
    else if (pick < 0.6) chars.splice(at, 0, String.fromCharCode(32 + Math.floor(random() * 95)));
    else if (pick < 0.8) chars.length = Math.min(chars.length, at);
    else
      chars.splice(
        at,
        0,
        ...Array.from(['{', '[', '"', ':', ',', '}', ']', '\\u0000', 'null', '1e999', '-0', '"../x"'][Math.floor(random() * 12)]!),
      );
  }
  return chars.join('');
}

const VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  '',
  '../..',
  '/abs',
  'a\u0000b',
  'A'.repeat(5000),
  [],
  {},
  [[[]]],
  { lfs: null },
  'x'.repeat(40),
];

function mutateEntry(random: () => number, entry: Record<string, unknown>): Record<string, unknown> {
  const keys = ['type', 'oid', 'size', 'path', 'lfs', 'xetHash', 'extra'];
  const out = { ...entry };
  const key = keys[Math.floor(random() * keys.length)]!;
  if (random() < 0.2) Reflect.deleteProperty(out, key);
  else out[key] = VALUES[Math.floor(random() * VALUES.length)];
  return out;
}

const HEADER_NAMES = ['x-repo-commit', 'x-linked-etag', 'x-linked-size', 'etag', 'location', 'content-length', 'link', 'x-error-code'];

function headerValue(random: () => number): string {
  const options = [
    '',
    ' ',
    'W/""',
    '"',
    '-1',
    '1e3',
    '99999999999999999999',
    'a'.repeat(40),
    '0'.repeat(64),
    'http://[::1',
    '//evil',
    '<x>; rel="next"',
    'ftp://x/y',
  ];
  if (random() < 0.5) return options[Math.floor(random() * options.length)]!;
  let s = '';
  const n = Math.floor(random() * 60);
  for (let i = 0; i < n; i += 1) s += String.fromCharCode(33 + Math.floor(random() * 94));
  return s;
}

async function outcome(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'ok';
  } catch (err) {
    if (err instanceof HubError && CODES.has(err.code)) return err.code;
    return `UNTYPED ${(err as Error).name}: ${(err as Error).message.slice(0, 200)}`;
  }
}

test(`garbled listings, model info and headers give typed errors only (seed ${SEED}, ${ROUNDS} rounds each)`, async () => {
  const random = rng(SEED);
  const opts = clientOptions(hub, { metadataTimeoutMs: 2_000, retry: { maxRetries: 0, baseDelayMs: 1 } });
  const untyped: string[] = [];
  const seen = new Map<string, number>();
  const note = (what: string, got: string): void => {
    seen.set(got, (seen.get(got) ?? 0) + 1);
    if (got.startsWith('UNTYPED')) untyped.push(`${what}: ${got}`);
  };
  const validTree = JSON.stringify([
    { type: 'file', oid: 'a'.repeat(40), size: 7, path: 'config.json' },
    { type: 'directory', oid: 'b'.repeat(40), size: 0, path: 'dir' },
    { type: 'file', oid: 'c'.repeat(40), size: 1000, path: 'dir/w.bin', lfs: { oid: 'd'.repeat(64), size: 1000, pointerSize: 134 } },
  ]);
  const validInfo = JSON.stringify({ _id: 'e'.repeat(24), id: 'fuzz/repo', sha: 'f'.repeat(40), siblings: [{ rfilename: 'config.json' }] });
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round += 1) {
    // A listing: garbled text, or well-formed JSON with one entry's field swapped for a hostile value.
    const tree =
      random() < 0.5
        ? garble(random, validTree)
        : JSON.stringify((JSON.parse(validTree) as Record<string, unknown>[]).map((e) => (random() < 0.5 ? mutateEntry(random, e) : e)));
    hub.setFaults([{ type: 'body', body: tree, on: 'tree' }]);
    note(
      `tree ${tree.slice(0, 120)}`,
      await outcome(async () => {
        for await (const _entry of listFiles({ ...opts, repo: 'fuzz/repo' })) {
          /* drain */
        }
      }),
    );
    const info =
      random() < 0.5 ? garble(random, validInfo) : JSON.stringify(mutateEntry(random, JSON.parse(validInfo) as Record<string, unknown>));
    hub.setFaults([{ type: 'body', body: info, on: 'info' }]);
    note(`info ${info.slice(0, 120)}`, await outcome(() => modelInfo({ ...opts, repo: 'fuzz/repo' })));
    // Headers of the metadata HEAD (and of the redirect it may follow).
    const set: Record<string, string> = {};
    const count = 1 + Math.floor(random() * 3);
    for (let i = 0; i < count; i += 1) set[HEADER_NAMES[Math.floor(random() * HEADER_NAMES.length)]!] = headerValue(random);
    const faults: HubFault[] = [{ type: 'headers', on: ['resolve', 'file'], set }];
    hub.setFaults(faults);
    note(
      `headers ${JSON.stringify(set).slice(0, 200)}`,
      await outcome(() => fileMetadata({ ...opts, repo: 'fuzz/repo', path: random() < 0.5 ? 'config.json' : 'dir/w.bin' })),
    );
  }
  hub.setFaults([]);
  expect(untyped).toEqual([]);
  // Mostly refusals, as it should be; the count of each outcome shows the fuzz reaches the parsers.
  expect(seen.get('HUB_INVALID_RESPONSE') ?? 0).toBeGreaterThan(ROUNDS / 4);
  expect(Date.now() - started).toBeLessThan(90_000);
}, 120_000);

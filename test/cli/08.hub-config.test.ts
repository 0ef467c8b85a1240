// The Hub configuration as the CLI user meets it (issue 14.7, 14.8): an unreadable token file only
// fails the commands that talk to the Hub, naming the file; a hostile server's answer is a failure
// (exit 1), never a usage error (exit 2). Real child processes against the fixture Hub.
import fs from 'node:fs';
import path from 'node:path';
import type { HubServer } from '../../lib/testing';
import { tmpDir } from '../helpers/tmp';
import { cli, cliEnv, startHub } from './helpers';

describe('CLI and the Hub configuration', () => {
  let hub: HubServer;
  let t: ReturnType<typeof tmpDir>;
  let env: NodeJS.ProcessEnv;
  let tokenPath: string;

  beforeAll(async () => {
    hub = await startHub([
      {
        id: 'org/small',
        files: [
          { path: 'config.json', content: '{"a":1}\n' },
          { path: 'model.onnx', size: 4096 },
        ],
      },
      {
        id: 'org/hostile',
        files: [{ path: 'config.json', content: '{}' }],
        rawTree: [{ type: 'file', oid: 'a'.repeat(40), size: 2, path: '../../escape.onnx' }],
      },
    ]);
    t = tmpDir('mc-cli-hub-');
    tokenPath = path.join(t.dir, 'hf-home', 'token');
    // A directory where the token file should be: reading it fails with EISDIR.
    fs.mkdirSync(tokenPath, { recursive: true });
    env = cliEnv(path.join(t.dir, 'cache'), hub.endpoint, { HF_HOME: path.join(t.dir, 'hf-home') });
  });

  afterAll(async () => {
    await hub.close();
    t.cleanup();
  });

  test('an unreadable token file: ls and --offline cat work, a Hub request fails with HUB_TOKEN_UNREADABLE naming it (exit 1)', async () => {
    // Pulled with an explicit token, which never looks at the file.
    const pull = await cli(['pull', 'org/small', '--file', 'config.json', '--token', hub.tokens[0]!], env);
    expect(pull.stderr).not.toMatch(/^error/m);
    expect(pull.code).toBe(0);

    const ls = await cli(['ls'], env);
    expect(ls.stderr).toBe('');
    expect([ls.code, ls.stdout]).toEqual([0, expect.stringContaining('org/small')]);
    const cat = await cli(['cat', 'org/small', 'config.json', '--offline'], env);
    expect([cat.code, cat.stdout]).toEqual([0, '{"a":1}\n']);

    const before = hub.stats.requests;
    const scan = await cli(['scan', 'org/small'], env);
    expect(scan.code).toBe(1);
    expect(scan.stderr).toMatch(/^error HUB_TOKEN_UNREADABLE: The token file .*token cannot be read \(EISDIR\)/m);
    expect(scan.stderr).toContain(tokenPath);
    expect(hub.stats.requests).toBe(before);
  });

  test('a hostile listing (an escaping file name) exits 1, not the usage code 2', async () => {
    const scan = await cli(['scan', 'org/hostile', '--token', hub.tokens[0]!], env);
    expect(scan.stderr).toMatch(/^error HUB_INVALID_FILENAME: /m);
    expect(scan.code).toBe(1);
    // The same code for a name the user typed is a usage error.
    const typed = await cli(['cat', 'org/small', '../x', '--token', hub.tokens[0]!], env);
    expect(typed.stderr).toMatch(/^error HUB_INVALID_FILENAME: /m);
    expect(typed.code).toBe(2);
  });
});

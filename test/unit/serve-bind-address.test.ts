// What `serve` tells about the address it bound (issue 16): a usable URL for a wildcard bind, and a
// warning when other machines can reach it without a token.

import { clientHost, exposureWarning, isLoopback } from '../../lib/serve/bind-address';

test('a wildcard bind is named by the loopback address clients can connect to', () => {
  expect(clientHost({ address: '0.0.0.0', family: 'IPv4' })).toBe('127.0.0.1');
  expect(clientHost({ address: '::', family: 'IPv6' })).toBe('[::1]');
  expect(clientHost({ address: '127.0.0.1', family: 'IPv4' })).toBe('127.0.0.1');
  expect(clientHost({ address: '::1', family: 'IPv6' })).toBe('[::1]');
  expect(clientHost({ address: '192.0.2.7', family: 'IPv4' })).toBe('192.0.2.7');
});

test('loopback addresses', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect({ a, loop: isLoopback(a) }).toEqual({ a, loop: true });
  for (const a of ['0.0.0.0', '::', '192.0.2.7', '10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1'])
    expect({ a, loop: isLoopback(a) }).toEqual({ a, loop: false });
});

test('a warning for a non-loopback bind without a token, and only then', () => {
  expect(exposureWarning('0.0.0.0', false)).toMatch(/reachable from other machines, without --token/);
  expect(exposureWarning('::', false)).toMatch(/without --token/);
  expect(exposureWarning('0.0.0.0', true)).toBeUndefined();
  expect(exposureWarning('127.0.0.1', false)).toBeUndefined();
});

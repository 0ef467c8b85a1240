// What the address the server bound means for clients: a wildcard (0.0.0.0, ::) cannot be connected
// to, so the URL we hand out names the loopback address instead; and whether other machines can reach
// the server at all (anything but 127.0.0.0/8 and ::1), which without a token deserves a warning.

import { isIPv6 } from 'node:net';

const WILDCARDS = new Set(['0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']);

export function isWildcard(address: string): boolean {
  return WILDCARDS.has(address);
}

/** The warning for a server other machines can reach without a token, if that is the case. */
export function exposureWarning(address: string, hasToken: boolean): string | undefined {
  if (hasToken || isLoopback(address)) return undefined;
  return `listening on ${address}, reachable from other machines, without --token: anyone who can reach it can read every cached model, private and gated ones included`;
}

export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** The host part of a URL a client on this machine can use for a server bound to `address`. */
export function clientHost(bound: { address: string; family: string }): string {
  if (bound.address === '0.0.0.0') return '127.0.0.1';
  if (WILDCARDS.has(bound.address)) return '[::1]';
  return isIPv6(bound.address) ? `[${bound.address}]` : bound.address;
}

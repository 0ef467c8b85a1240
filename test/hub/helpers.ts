// Shared setup for the tests that speak HTTP to our fixture server on loopback.

import { request } from 'undici';

import type { HubClientOptions } from '../../lib/hub';
import type { HubServer } from '../../lib/testing';

/** Sleeps recorded instead of waited: the 5xx backoff schedule without 23 s of real waiting. */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms: number) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}

/**
 * Client options pointed at the fixture: an empty `env` (so a developer's HF_TOKEN, HF_ENDPOINT or
 * token file never leaks into a test), anonymous unless a token is given, near-zero backoff.
 */
export function clientOptions(hub: HubServer, extra: Partial<HubClientOptions> = {}): HubClientOptions {
  return {
    endpoint: hub.endpoint,
    token: false,
    env: { HF_HOME: '/nonexistent/model-cache-test' },
    retry: { baseDelayMs: 1 },
    metadataTimeoutMs: 5_000,
    downloadTimeoutMs: 5_000,
    ...extra,
  };
}

/** A raw request to the fixture, for protocol-level assertions (no client logic in between). */
export async function raw(
  url: string,
  options: { method?: 'GET' | 'HEAD' | 'POST'; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const res = await request(url, { method: options.method ?? 'GET', headers: options.headers, body: options.body });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

/** Reads a whole stream into one Buffer. */
export async function readAll(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Runs `fn` and returns what it threw (fails the test when it did not throw). */
export type CaughtError = Error & { code?: string; statusCode?: number; [key: string]: unknown };

export async function caught(fn: () => Promise<unknown>): Promise<CaughtError> {
  try {
    await fn();
  } catch (err) {
    return err as CaughtError;
  }
  throw new Error('expected an error, got none');
}

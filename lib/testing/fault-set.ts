// The faults armed on a fixture server, switchable at runtime. Each request asks for the faults of the
// types it can exhibit at that point; a match consumes one of the fault's `times`.

import type { HubFault, HubFaultType, HubRequestKind } from './types';

const BYTE_FAULTS: ReadonlySet<HubFaultType> = new Set(['cut', 'ignore-range', 'wrong-bytes', 'stall', 'bandwidth']);
const ALL_KINDS: readonly HubRequestKind[] = ['info', 'tree', 'paths-info', 'resolve', 'file', 'cdn', 'other'];

/** `*` within a segment, `**` across, `?` one character; a pattern without `/` matches the base name. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export interface FaultRequest {
  readonly kind: HubRequestKind;
  readonly method: string;
  readonly repo: string | undefined;
  readonly path: string | undefined;
}

interface ArmedFault {
  readonly fault: HubFault;
  readonly kinds: ReadonlySet<HubRequestKind>;
  readonly pathRe: RegExp | undefined;
  remaining: number;
}

export class FaultSet {
  private armed: ArmedFault[] = [];
  triggered = 0;

  set(faults: readonly HubFault[]): void {
    this.armed = [];
    for (const fault of faults) this.add(fault);
  }

  add(fault: HubFault): void {
    if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times >= 0))
      throw new RangeError('fault.times must be a non-negative integer');
    const on =
      fault.on === undefined
        ? BYTE_FAULTS.has(fault.type)
          ? ['file', 'cdn']
          : ALL_KINDS
        : typeof fault.on === 'string'
          ? [fault.on]
          : fault.on;
    this.armed.push({
      fault,
      kinds: new Set(on as readonly HubRequestKind[]),
      pathRe: fault.path === undefined ? undefined : globToRegExp(fault.path),
      remaining: fault.times ?? Number.POSITIVE_INFINITY,
    });
  }

  private matches(armed: ArmedFault, request: FaultRequest): boolean {
    const { fault } = armed;
    if (armed.remaining <= 0 || !armed.kinds.has(request.kind)) return false;
    if (fault.method !== undefined && fault.method !== request.method) return false;
    if (fault.repo !== undefined && fault.repo.toLowerCase() !== request.repo?.toLowerCase()) return false;
    if (armed.pathRe !== undefined) {
      if (request.path === undefined) return false;
      const subject = fault.path?.includes('/') === true ? request.path : (request.path.split('/').pop() ?? request.path);
      if (!armed.pathRe.test(subject)) return false;
    }
    return true;
  }

  /** The first armed fault of type `type` matching `request`; consumes one use. */
  take<T extends HubFaultType>(type: T, request: FaultRequest): Extract<HubFault, { type: T }> | undefined {
    for (const armed of this.armed) {
      if (armed.fault.type === type && this.matches(armed, request)) {
        armed.remaining -= 1;
        this.triggered += 1;
        return armed.fault as Extract<HubFault, { type: T }>;
      }
    }
    return undefined;
  }
}

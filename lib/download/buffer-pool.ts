// Chunk-sized download buffers, reused: a download's memory is (connections x chunk size) however large
// the files, and no fresh memory is touched per chunk (first touch is slow on ballooned VMs).

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();

  constructor(private readonly maxPerSize: number) {}

  take(size: number): Buffer {
    return this.free.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  give(buf: Buffer): void {
    const list = this.free.get(buf.length) ?? [];
    if (list.length < this.maxPerSize) list.push(buf);
    this.free.set(buf.length, list);
  }
}

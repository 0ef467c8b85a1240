import { ProgressMeter } from '../../lib/download/progress';

describe('ProgressMeter', () => {
  test('monotonic, capped at the total, rate over the window and ETA from it', () => {
    let now = 0;
    const m = new ProgressMeter(100_000_000, () => now);
    expect(m.rate).toBe(0);
    expect(m.eta).toBeNull();
    // 10 MB/s in 1 KiB-ish packets for 3 s: one sample per 100 ms, not one per packet
    for (let i = 1; i <= 30_000; i++) {
      now = i * 0.1; // ms
      m.add(1000);
    }
    expect(m.value).toBe(30_000_000);
    expect(m.rate).toBeCloseTo(10_000_000, -4);
    expect(m.eta).toBeCloseTo(7, 1);
    m.set(1000); // going back is ignored
    expect(m.value).toBe(30_000_000);
    m.set(1e12);
    expect(m.value).toBe(100_000_000);
  });

  test('a rate from the start after one update; bytes already done when it starts count toward none', () => {
    let now = 1000;
    const m = new ProgressMeter(10_000_000, () => now, 4_000_000);
    expect(m.value).toBe(4_000_000);
    now = 1050; // one update 50 ms in, inside the first sample period
    m.set(5_000_000);
    expect(m.rate).toBeCloseTo(20_000_000, -3);
  });

  test('the rate follows the last 5 s, not the whole history', () => {
    let now = 0;
    const m = new ProgressMeter(1e12, () => now);
    for (let t = 0; t <= 10_000; t += 10) {
      now = t;
      m.set(t < 5000 ? t * 1000 : 5_000_000 + (t - 5000) * 100); // 1 MB/s, then 100 kB/s
    }
    expect(m.rate).toBeGreaterThan(90_000);
    expect(m.rate).toBeLessThan(130_000);
  });
});

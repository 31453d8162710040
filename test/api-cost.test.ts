/** The API's cost per request: Athena's 10 MB minimum dominates a fresh query; a reused result is cheap. */
import { costPerApiRequest } from './bench/api-cost';
import { total } from './bench/cost-model';

const base = { bytesScanned: 200_000, lambdaMemoryMb: 512, lambdaSeconds: 1.5 };

describe('API cost per request', () => {
  it('bills a fresh query the 10 MB minimum, whatever it scans below it', () => {
    const fresh = costPerApiRequest({ ...base, reusedShare: 0 });
    const athena = fresh.find((l) => l.item.startsWith('Athena'));
    expect(athena?.usage).toMatch(/^10\.0 MB/);
    expect(athena?.usd).toBeCloseTo((10 / 1024 / 1024) * 5, 10);
    expect(total(fresh)).toBeGreaterThan(5e-5);
    expect(total(fresh)).toBeLessThan(1e-4);
  });

  it('costs only the gateway and the Lambda when the result is reused', () => {
    const reused = costPerApiRequest({ ...base, reusedShare: 1 });
    expect(reused.find((l) => l.item.startsWith('Athena'))?.usd).toBe(0);
    expect(total(reused)).toBeLessThan(total(costPerApiRequest({ ...base, reusedShare: 0 })) / 3);
  });

  it('scales with the bytes scanned above the minimum', () => {
    const big = costPerApiRequest({ ...base, bytesScanned: 1024 ** 3, reusedShare: 0 });
    expect(big.find((l) => l.item.startsWith('Athena'))?.usd).toBeCloseTo(5 / 1024, 8);
  });
});

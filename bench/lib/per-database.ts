import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type BenchDatabase = 'sqlite' | 'mysql';

/**
 * Runs one benchmark per database kind, each with a fresh data directory (removed afterwards).
 * A kind that fails is reported on stderr and sets a non-zero exit code; the others still run.
 * @returns the figures of the kinds that succeeded, in order.
 */
export async function runPerDatabase<F>(kinds: readonly BenchDatabase[], benchOne: (kind: BenchDatabase, dataDir: string) => Promise<F>, after?: (kind: BenchDatabase) => void): Promise<F[]> {
  const results: F[] = [];
  for (const kind of kinds) {
    const dataDir = mkdtempSync(join(tmpdir(), 'qingfeng-bench-'));
    try {
      results.push(await benchOne(kind, dataDir));
      after?.(kind);
    } catch (e) {
      console.error(`${kind}: ${(e as Error).message}`);
      process.exitCode = 1;
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return results;
}

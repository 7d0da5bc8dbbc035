import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X12Reader } from '../generators/edi/x12-reader.ts';

/**
 * `npm run bench -- edi`: streams X12 files of 5 and 50 MB (many 856s, the cross-dock fixture
 * repeated) through X12Reader from disk in 64 KiB chunks. Linear time shows as equal MB/s at both
 * sizes; bounded memory as a peak heap that does not grow with the file.
 */
export async function run(): Promise<void> {
  const sample = readFileSync(new URL('../test/fixtures/edi/856_crossdock_two_orders.edi', import.meta.url), 'utf8');
  const isa = sample.slice(0, sample.indexOf('GS*'));
  const group = sample.slice(sample.indexOf('GS*'), sample.indexOf('IEA*'));
  const dir = mkdtempSync(join(tmpdir(), 'edi-bench-'));
  try {
    for (const mb of [5, 50]) {
      const repeat = Math.ceil((mb * 1e6) / group.length);
      const file = join(dir, `${mb}.edi`);
      writeFileSync(file, `${isa}${group.repeat(repeat)}IEA*${repeat}*000000124~\n`);
      globalThis.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      let peak = heapBefore;
      let retained = 0;
      let chunks = 0;
      let sets = 0;
      const reader = new X12Reader(() => sets++, { positions: false });
      const start = performance.now();
      for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
        reader.push(chunk as string);
        peak = Math.max(peak, process.memoryUsage().heapUsed);
        // With --expose-gc: what the reader keeps alive, apart from garbage not yet collected.
        if (globalThis.gc && ++chunks % 80 === 0) {
          globalThis.gc();
          retained = Math.max(retained, process.memoryUsage().heapUsed - heapBefore);
        }
      }
      const envelope = reader.end();
      const seconds = (performance.now() - start) / 1000;
      console.log(
        `x12 ${mb} MB: ${envelope.segments} segments, ${sets} transaction sets, ${envelope.problems.length} problems, ` +
          `${seconds.toFixed(2)} s (${(mb / seconds).toFixed(1)} MB/s), peak heap +${((peak - heapBefore) / 1e6).toFixed(1)} MB` +
          (globalThis.gc ? `, retained after gc +${(retained / 1e6).toFixed(2)} MB` : ' (run with --expose-gc for retained heap)'),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

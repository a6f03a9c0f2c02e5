// Issue 17's workload as wasm in headless Chromium: serves the wasm-bindgen output of
// crates/bench-wasm (built by `./playground bench`) with a blank page (wasm-serve.mjs), and times each phase of
// kafka_sim::workload with performance.now() in the page, after untimed warm-up runs.
// Prints one JSON object: for each case, every repeat's produce and consume milliseconds, their
// medians and the run's trace hash (the native run's, if the build is right); BUILD is a label
// saying how the wasm was built. `busy` is the page's busy cluster (docs/examples/busy-cluster.toml)
// played on, untimed, to BUSY_FROM_S (default 60: a simulated second costs more as the run
// grows), then BUSY_S simulated seconds at a time (default 5): the median real milliseconds per
// simulated second, and so how much faster than real time the page's simulation can run at most.
//
//   node tests/perf/wasm.mjs PKG_DIR RECORDS [REPEATS] [BUILD]
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openBench, root } from './wasm-serve.mjs';

const [pkgArg, recordsArg, repeatsArg, build] = process.argv.slice(2);
if (!pkgArg || !recordsArg) {
  console.error('usage: node tests/perf/wasm.mjs PKG_DIR RECORDS [REPEATS] [BUILD]');
  process.exit(2);
}
const records = Number(recordsArg);
const repeats = Number(repeatsArg ?? 5);
const cases = [
  { case: '3_brokers_4_partitions', brokers: 3, partitions: 4, records },
  { case: '12_brokers_100_partitions', brokers: 12, partitions: 100, records },
];
const busySeconds = Number(process.env.BUSY_S ?? 5);
const busyFrom = Number(process.env.BUSY_FROM_S ?? 60);
const busyToml = await readFile(join(root, 'docs', 'examples', 'busy-cluster.toml'), 'utf8');

const bench = await openBench(pkgArg);
try {
  const { page } = bench;
  const { out: results, busy } = await page.evaluate(async ({ cases, repeats, busyToml, busySeconds, busyFrom }) => {
    const wasm = await import('/kafka_bench_wasm.js');
    await wasm.default();
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const out = [];
    for (const shape of cases) {
      // Untimed runs first, as criterion warms up: V8 compiles the engine's code again,
      // optimised, once it is hot, on a background thread. After one warm-up on a loaded
      // machine the first timed runs were still 2-5x slower than the later ones.
      for (let i = 0; i < 3; i += 1) {
        const warm = new wasm.Run(shape.brokers, shape.partitions, shape.records);
        warm.produce();
        warm.consume();
        warm.free();
      }
      const runs = [];
      let violations = [];
      let traceHash = '';
      for (let i = 0; i < repeats; i += 1) {
        const run = new wasm.Run(shape.brokers, shape.partitions, shape.records);
        const started = performance.now();
        run.produce();
        const produced = performance.now();
        run.consume();
        const consumed = performance.now();
        const read = run.records_read();
        if (i === 0) {
          violations = run.violations();
          traceHash = run.trace_hash();
        }
        // Freed outside the timing, as the native bench drops its worlds outside it.
        run.free();
        if (read !== shape.records) throw new Error(`read ${read} of ${shape.records}`);
        runs.push({ produce_ms: produced - started, consume_ms: consumed - produced });
      }
      out.push({
        ...shape,
        violations,
        trace_hash: traceHash,
        runs,
        produce_ms: median(runs.map((r) => r.produce_ms)),
        consume_ms: median(runs.map((r) => r.consume_ms)),
        end_to_end_ms: median(runs.map((r) => r.produce_ms + r.consume_ms)),
      });
    }
    // The busy cluster: untimed to `busyFrom` (which warms the code up too), then `repeats`
    // timed stretches.
    const busy = new wasm.Busy(busyToml);
    busy.run_until_ms(busyFrom * 1000);
    const spans = [];
    for (let i = 0; i < repeats; i += 1) {
      const from = busy.now_ms();
      const started = performance.now();
      busy.run_until_ms(from + busySeconds * 1000);
      spans.push((performance.now() - started) / busySeconds);
    }
    const busyResult = {
      from_s: busyFrom,
      seconds_each: busySeconds,
      until_ms: busy.now_ms(),
      trace_hash: busy.trace_hash(),
      ms_per_simulated_s: spans,
      median_ms_per_simulated_s: median(spans),
      times_real_time: 1000 / median(spans),
    };
    busy.free();
    return { out, busy: busyResult };
  }, { cases, repeats, busyToml, busySeconds, busyFrom });
  bench.checkErrors();
  console.log(JSON.stringify({ browser: `chromium ${bench.browser.version()}`, build, repeats, cases: results, busy }));
} finally {
  await bench.close();
}

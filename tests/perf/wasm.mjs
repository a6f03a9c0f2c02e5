// Issue 17's workload as wasm in headless Chromium: serves the wasm-bindgen output of
// crates/bench-wasm (built by `./playground bench`) with a blank page, opens it with Debian's
// chromium through playwright-core (from tests/e2e/node_modules), and times each phase of
// kafka_sim::workload with performance.now() in the page, after untimed warm-up runs.
// Prints one JSON object: for each case, every repeat's produce and consume milliseconds, their
// medians and the run's trace hash (the native run's, if the build is right); BUILD is a label
// saying how the wasm was built.
//
//   node tests/perf/wasm.mjs PKG_DIR RECORDS [REPEATS] [BUILD]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { chromium } = createRequire(join(root, 'tests', 'e2e', 'package.json'))('playwright-core');

const [pkgArg, recordsArg, repeatsArg, build] = process.argv.slice(2);
if (!pkgArg || !recordsArg) {
  console.error('usage: node tests/perf/wasm.mjs PKG_DIR RECORDS [REPEATS] [BUILD]');
  process.exit(2);
}
const pkg = normalize(pkgArg);
const records = Number(recordsArg);
const repeats = Number(repeatsArg ?? 5);
const cases = [
  { case: '3_brokers_4_partitions', brokers: 3, partitions: 4, records },
  { case: '12_brokers_100_partitions', brokers: 12, partitions: 100, records },
];

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/') {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>bench</title>');
    return;
  }
  const file = normalize(join(pkg, path));
  try {
    if (!file.startsWith(pkg)) throw new Error('outside');
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const results = await page.evaluate(async ({ cases, repeats }) => {
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
    return out;
  }, { cases, repeats });
  if (errors.length) throw new Error(errors.join('\n'));
  console.log(JSON.stringify({ browser: `chromium ${browser.version()}`, build, repeats, cases: results }));
} finally {
  await browser.close();
  server.close();
}

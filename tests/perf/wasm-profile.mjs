// Where the simulation's time goes as wasm (issue 17): Chromium's CPU profiler (DevTools'
// Profiler over CDP) sampling crates/bench-wasm in headless Chromium while it runs issue 17's
// workload (produce and consume, 3 brokers / 4 partitions and 12 brokers / 100 partitions) and
// the page's busy cluster (docs/examples/busy-cluster.toml) for --busy-s simulated seconds from
// --busy-from-s (a simulated second costs more as the run grows). Each load is profiled alone, after an untimed warm-up run (V8 tiers the wasm up
// on a background thread); prints each load's top functions by self time, and the shares of the
// families worth comparing with a native `perf` profile (memcmp, memcpy, the allocator, hashing).
// Not a test: it judges nothing.
//
//   node tests/perf/wasm-profile.mjs PKG_DIR [--records 100000] [--busy-s 10] [--busy-from-s 60] [--top 30]
//     [--interval-us 100] [--only workload3|workload12|busy] [--callers REGEX] [--json FILE]
//
// `--callers REGEX` also splits the self time of the functions matching REGEX (e.g.
// 'btree|memcmp|Ord>::cmp') by the nearest caller on the stack that is the simulation's own
// code (`kafka_sim::`, not matching REGEX): which of its lookups pay for them.
//
// PKG_DIR must be a build whose function names survive: wasm-bindgen's output with
// `--keep-debug`, then `wasm-opt -Oz -g` (wasm-opt without -g drops the name section, and then
// every function is `$func123`). The same crate runs natively for `perf record`:
//
//   CARGO_PROFILE_RELEASE_DEBUG=1 RUSTFLAGS="-C force-frame-pointers=yes" \
//     cargo build --release -p kafka-bench-wasm --example native
//   perf record -F 4000 --call-graph fp -o perf.data target/release/examples/native workload 3 4 100000 3
//   perf report -i perf.data --no-children --percent-limit 0.5 --stdio
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openBench, root } from './wasm-serve.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    records: { type: 'string', default: '100000' },
    'busy-s': { type: 'string', default: '10' },
    'busy-from-s': { type: 'string', default: '60' },
    top: { type: 'string', default: '30' },
    'interval-us': { type: 'string', default: '100' },
    only: { type: 'string' },
    callers: { type: 'string' },
    json: { type: 'string' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: node tests/perf/wasm-profile.mjs PKG_DIR [--records N] [--busy-s S] [--top N] [--only LOAD] [--json FILE]');
  process.exit(2);
}
const records = Number(args.records);
const busyToml = await readFile(join(root, 'docs', 'examples', 'busy-cluster.toml'), 'utf8');

/** Families of functions, by name, whose share says what costs more in wasm than natively. */
const families = [
  ['memcmp / bcmp', /\b(memcmp|bcmp)\b/],
  ['memcpy / memmove', /\b(memcpy|memmove)\b/],
  ['memset', /\bmemset\b/],
  ['allocator (dlmalloc, alloc/dealloc/realloc)', /dlmalloc|__rust_(alloc|dealloc|realloc)|__rdl_|\bmalloc\b|\bfree\b/],
  ['hashing (Hash / Hasher)', /[Hh]ash(er)?\b|::hash|write_u64|sip|fx/],
  ['BTreeMap / BTreeSet', /btree/i],
];

/** Self time per function name (rustc's hash suffix dropped), and the total, in ms; with
 * `callers`, the self time of the functions it matches per nearest `kafka_sim::` caller. */
function selfTime(profile, callers) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => (n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').pop()})`)
    .replace(/::h[0-9a-f]{16}$/, '');
  const self = new Map();
  const by = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    total += dt;
    const f = name(byId.get(id));
    self.set(f, (self.get(f) ?? 0) + dt);
    if (callers && callers.test(f)) {
      let at = parent.get(id);
      while (at !== undefined && (callers.test(name(byId.get(at))) || !name(byId.get(at)).includes('kafka_sim::'))) {
        at = parent.get(at);
      }
      const caller = at === undefined ? '(none)' : name(byId.get(at));
      by.set(caller, (by.get(caller) ?? 0) + dt);
    }
  });
  return { self, total, by };
}

function report(title, { self, total, by }, wallMs) {
  console.log(`\n== ${title}: ${wallMs.toFixed(0)} ms wall, ${total.toFixed(0)} ms profiled`);
  console.log('self ms      %  function');
  const sorted = [...self].sort((a, b) => b[1] - a[1]);
  for (const [f, ms] of sorted.slice(0, Number(args.top))) {
    console.log(`${ms.toFixed(0).padStart(7)}  ${(100 * ms / total).toFixed(1).padStart(5)}  ${f.slice(0, 150)}`);
  }
  console.log('families (self time):');
  for (const [family, re] of families) {
    const ms = sorted.filter(([f]) => re.test(f)).reduce((sum, [, t]) => sum + t, 0);
    console.log(`${ms.toFixed(0).padStart(7)}  ${(100 * ms / total).toFixed(1).padStart(5)}  ${family}`);
  }
  if (args.callers) {
    console.log(`/${args.callers}/ by the simulation's caller:`);
    for (const [f, ms] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      console.log(`${ms.toFixed(0).padStart(7)}  ${(100 * ms / total).toFixed(1).padStart(5)}  ${f.slice(0, 150)}`);
    }
  }
}

const loads = [
  { load: 'workload3', title: `workload, 3 brokers / 4 partitions, ${records} records (produce + consume)`, brokers: 3, partitions: 4 },
  { load: 'workload12', title: `workload, 12 brokers / 100 partitions, ${records} records (produce + consume)`, brokers: 12, partitions: 100 },
  { load: 'busy', title: `busy cluster, ${args['busy-s']} simulated s from ${args['busy-from-s']} s` },
].filter((l) => !args.only || l.load === args.only);

const bench = await openBench(positionals[0]);
const out = {};
try {
  const { page } = bench;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: Number(args['interval-us']) });
  await page.evaluate(async () => {
    window.wasm = await import('/kafka_bench_wasm.js');
    await window.wasm.default();
  });
  for (const load of loads) {
    // Warm up (untimed, unprofiled), then set up what is not measured, then the profiled run.
    // The busy cluster warms up on its way to --busy-from-s.
    const setup = async () => page.evaluate(({ load, records, busyToml, busyFromS }) => {
      const { wasm } = window;
      if (load.load === 'busy') {
        window.subject = new wasm.Busy(busyToml);
        window.subject.run_until_ms(busyFromS * 1000);
      } else {
        window.subject = new wasm.Run(load.brokers, load.partitions, records);
      }
    }, { load, records, busyToml, busyFromS: Number(args['busy-from-s']) });
    const run = async () => page.evaluate(({ load, busyS }) => {
      const { subject } = window;
      const started = performance.now();
      if (load.load === 'busy') {
        subject.run_until_ms(subject.now_ms() + busyS * 1000);
      } else {
        subject.produce();
        subject.consume();
      }
      const ms = performance.now() - started;
      const hash = subject.trace_hash();
      subject.free();
      return { ms, hash };
    }, { load, busyS: Number(args['busy-s']) });
    if (load.load !== 'busy') {
      await setup();
      await run();
    }
    await setup();
    await cdp.send('Profiler.start');
    const { ms, hash } = await run();
    const { profile } = await cdp.send('Profiler.stop');
    const times = selfTime(profile, args.callers ? new RegExp(args.callers, 'i') : null);
    report(`${load.title}, trace ${hash}`, times, ms);
    out[load.load] = { wall_ms: ms, trace_hash: hash, profiled_ms: times.total, self_ms: Object.fromEntries(times.self) };
  }
  bench.checkErrors();
} finally {
  await bench.close();
}
if (args.json) await writeFile(args.json, JSON.stringify(out));

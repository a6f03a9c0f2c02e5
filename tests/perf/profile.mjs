// Where a frame of the busy cluster goes (issue 17): a CPU profile (DevTools' Profiler) of the
// page playing docs/examples/busy-cluster.toml, summed by function, self and inclusive time.
// Not a test: it prints the table and judges nothing.
//
//   DIST=/tmp/dist node tests/perf/profile.mjs [--speed 100×] [--play-s 6] [--warm-s 0] [--brokers 3] [--top 50]
//     [--scroll top|topics] [--split NAME] [--ahead N --rewind FRACTION]
//
// Function names need a wasm with its name section: trunk's wasm-opt strips it, so profile a
// copy of the dist whose .wasm is wasm-bindgen's output run through `wasm-opt -Oz -g` (and
// the index's integrity attributes removed). `--warm-s` plays at the speed that long first,
// unprofiled, so the profile is of a longer run. `--split NAME` splits the time of a generic
// function by its instances (every yew component's view is one `CompStateInner<COMP>::view`,
// told apart by its place in the wasm) and lists what each calls of the page and the core.
// `--rewind F1,F2,...` profiles rewinds instead of play: after the warm-up and `--ahead N`
// jumps of ten minutes, the slider moved to each fraction of the run in turn (the marks
// caught up between them), timed from the input to the frame that paints the moment.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveDist, launch } from '../e2e/harness.mjs';
import { openScenario, timedJump } from './arrival.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    speed: { type: 'string', default: '100×' },
    'play-s': { type: 'string', default: '6' },
    'warm-s': { type: 'string', default: '0' },
    brokers: { type: 'string', default: '3' },
    top: { type: 'string', default: '50' },
    scroll: { type: 'string', default: 'top' },
    split: { type: 'string' },
    ahead: { type: 'string', default: '0' },
    rewind: { type: 'string' },
  },
});

/** Per instance of the functions named like `match` (the outermost on each sample's stack):
 * its inclusive time, and the page's and the core's functions it spends it in. */
function split(profile, match) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (n) => `${n.callFrame.functionName.slice(-30)} at ${n.callFrame.lineNumber}:${n.callFrame.columnNumber}`;
  const instances = new Map();
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const stack = [];
    for (let at = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at));
    const outer = stack.findLastIndex((n) => n.callFrame.functionName.includes(match));
    if (outer < 0) return;
    const entry = instances.get(where(stack[outer])) ?? { ms: 0, inner: new Map() };
    entry.ms += dt;
    const seen = new Set();
    for (const n of stack.slice(0, outer)) {
      const f = n.callFrame.functionName.replace(/::h[0-9a-f]{16}$/, '');
      if (/kafka_playground|kafka_sim|format|setAttribute|nodeValue/.test(f) && !seen.has(f)) {
        seen.add(f);
        entry.inner.set(f, (entry.inner.get(f) ?? 0) + dt);
      }
    }
    instances.set(where(stack[outer]), entry);
  });
  console.log(`\n${match}, by instance`);
  for (const [at, { ms, inner }] of [...instances].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
    console.log(`${ms.toFixed(0).padStart(7)} ms  ${at}`);
    for (const [f, t] of [...inner].sort((a, b) => b[1] - a[1]).slice(0, 5)) console.log(`           ${t.toFixed(0).padStart(5)}  ${f.slice(0, 150)}`);
  }
}

let toml = await readFile(join(here, '..', '..', 'docs', 'examples', 'busy-cluster.toml'), 'utf8');
if (args.brokers !== '3') toml = toml.replace(/^\[\[steps\]\]/m, `[cluster]\nbrokers = ${args.brokers}\n\n[[steps]]`);

const served = await serveDist();
const browser = await launch();
try {
  const { page } = await openScenario(browser, served.url, toml);
  await page.getByTestId('speed').selectOption({ label: args.speed });
  if (args.scroll === 'topics') await page.getByTestId('partition').nth(6).scrollIntoViewIfNeeded();
  if (Number(args['warm-s']) > 0) {
    await page.getByTestId('play').click();
    await page.waitForTimeout(Number(args['warm-s']) * 1000);
    await page.getByTestId('play').click();
  }
  const clockMs = () => page.evaluate(() => Math.round(Number(
    document.querySelector('[data-testid=clock]').textContent.match(/t = ([\d.]+) s/)[1]) * 1000));
  const arrival = (ms) => page.waitForFunction((ms) => !document.querySelector('[data-testid=seek-progress]')
    && Math.abs(Number(document.querySelector('[data-testid=clock]').textContent.match(/t = ([\d.]+) s/)[1]) * 1000 - ms) < 2,
  ms, { timeout: 600_000, polling: 10 });
  for (let i = 0; i < Number(args.ahead); i += 1) {
    const to = (await clockMs()) + 600_000;
    await page.getByTestId('ahead-10').click();
    await arrival(to);
    await page.waitForFunction(() => !document.querySelector('[data-testid=marks-catch-up]'), null, { timeout: 600_000 });
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  let what;
  // One profile per rewind (what the page does between them, the marks' catch-up, is not a
  // rewind's), summed.
  const profiles = [];
  if (args.rewind !== undefined) {
    const end = await clockMs();
    const took = [];
    for (const fraction of args.rewind.split(',').map(Number)) {
      await cdp.send('Profiler.start');
      took.push(Math.round(await timedJump(page, Math.round(end * fraction), 'slider')));
      profiles.push((await cdp.send('Profiler.stop')).profile);
      // The marks catch up between rewinds, as when a reader looks before moving on.
      await page.waitForFunction(() => !document.querySelector('[data-testid=marks-catch-up]'), null, { timeout: 600_000 });
    }
    const median = [...took].sort((a, b) => a - b)[Math.floor(took.length / 2)];
    what = `rewound to ${args.rewind} of ${end / 1000} s in ${took.join(', ')} ms (median ${median})`;
  } else {
    await cdp.send('Profiler.start');
    await page.getByTestId('play').click();
    await page.waitForTimeout(Number(args['play-s']) * 1000);
    await page.getByTestId('play').click();
    profiles.push((await cdp.send('Profiler.stop')).profile);
    what = `played ${args['play-s']} s at ${args.speed}`;
  }
  const clock = await page.getByTestId('clock').textContent();

  const name = (n) => (n.callFrame.functionName || `(anonymous ${n.callFrame.url.split('/').pop()})`).replace(/::h[0-9a-f]{16}$/, '');
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    profile.samples.forEach((id, i) => {
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      total += dt;
      const n = byId.get(id);
      self.set(name(n), (self.get(name(n)) ?? 0) + dt);
      const seen = new Set();
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const f = name(byId.get(at));
        if (!seen.has(f)) {
          seen.add(f);
          inclusive.set(f, (inclusive.get(f) ?? 0) + dt);
        }
      }
    });
  }
  const table = (map, title) => {
    console.log(`\n${title} (ms of ${total.toFixed(0)} ms profiled)`);
    for (const [f, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
      console.log(`${ms.toFixed(0).padStart(7)}  ${(100 * ms / total).toFixed(1).padStart(5)} %  ${f.slice(0, 160)}`);
    }
  };
  console.log(`${what}; ${clock}`);
  table(self, 'self time');
  table(inclusive, 'inclusive time');
  if (args.split) for (const profile of profiles) split(profile, args.split);
} finally {
  await browser.close();
  served.server.close();
}

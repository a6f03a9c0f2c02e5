// The page's performance on the busy cluster (issue 17), in headless Chromium: frame times
// while playing at 1x and 100x, virtual time per real second, a rewind, a reload of a long run
// (first draw, then its replay), and the longest input block during a 10-minute jump forward.
// Not a test: it prints a table and writes JSON, and judges nothing by itself.
//
//   DIST=/tmp/dist node tests/perf/page.mjs [--play-s 8] [--brokers 3] [--out FILE] [--quick] [--no-jump]
//     [--scroll top|topics] [--ahead N]
//
// DIST is a release build (`trunk build --release --dist DIST`). A jump's arrival is timed in the
// page (arrival.mjs): from the input to the frame that paints the moment. Frames are requestAnimationFrame
// deltas; blocks are long tasks (PerformanceObserver 'longtask', every task over 50 ms); style,
// layout and script time per frame are Chromium's own counters (Performance.getMetrics).
// `--scroll topics` plays with the partition table's seventh row scrolled into view (the table
// is below the fold at 1280x900, and the page draws the records of rows on screen only).
// `--ahead N` (N ≥ 1) jumps ten minutes ahead N times (each timed), so the long run that is
// played, reloaded and rewound is N × 10 minutes long and more: `--ahead 6` is issue 17's
// hour-long run.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serveDist, launch } from '../e2e/harness.mjs';
import { timedJump } from './arrival.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    'play-s': { type: 'string', default: '8' },
    brokers: { type: 'string', default: '3' },
    out: { type: 'string', default: '/tmp/page-perf.json' },
    // Only the busy cluster played at 1x and 100x (a quick A/B of two builds).
    quick: { type: 'boolean', default: false },
    // Leaves out the jump ten minutes ahead (builds without the page's "+10 min" button).
    'no-jump': { type: 'boolean', default: false },
    scroll: { type: 'string', default: 'top' },
    ahead: { type: 'string', default: '1' },
  },
});
const PLAY_S = Number(args['play-s']);
const BROKERS = Number(args.brokers);

/** busy-cluster.toml, ending at `untilMs`, on `brokers` brokers. */
async function busyScenario(untilMs, brokers) {
  let toml = await readFile(join(here, '..', '..', 'docs', 'examples', 'busy-cluster.toml'), 'utf8');
  toml = toml.replace(/^run_until_ms = \d+$/m, `run_until_ms = ${untilMs}`);
  if (brokers !== 3) toml = toml.replace(/^\[\[steps\]\]/m, `[cluster]\nbrokers = ${brokers}\n\n[[steps]]`);
  return toml;
}

/** Records rAF deltas and long tasks from now on; `window.__perf.take()` returns and resets them. */
function recorder() {
  if (window.__perf) return;
  const perf = { frames: [], longtasks: [], last: null };
  const frame = (t) => {
    if (perf.last !== null) perf.frames.push(t - perf.last);
    perf.last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) perf.longtasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  perf.take = () => {
    const taken = { frames: perf.frames, longtasks: perf.longtasks };
    perf.frames = [];
    perf.longtasks = [];
    return taken;
  };
  window.__perf = perf;
}

const quantile = (xs, q) => {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const round = (x) => Math.round(x * 10) / 10;
const summary = ({ frames, longtasks }) => ({
  hist: Object.entries(frames.reduce((h, f) => { const k = Math.round(f / 16.67); h[k] = (h[k] ?? 0) + 1; return h; }, {})).map(([k, v]) => `${k}v:${v}`).join(" "),
  frames: frames.length,
  p50_ms: round(quantile(frames, 0.5)),
  p95_ms: round(quantile(frames, 0.95)),
  max_frame_ms: round(Math.max(0, ...frames)),
  longest_task_ms: round(Math.max(0, ...longtasks)),
});

const clockMs = (page) => page.evaluate(() => {
  const m = document.querySelector('[data-testid=clock]').textContent.match(/t = ([\d.]+) s/);
  return Math.round(Number(m[1]) * 1000);
});
const replayDone = (page, timeout = 600_000) => page.waitForFunction(
  () => !document.querySelector('[data-testid=seek-progress]'), null, { timeout, polling: 50 });

/** Opens the scenario `toml` through the files dialog, as a reader would. */
async function importScenario(page, toml) {
  await page.getByTestId('files').click();
  await page.getByTestId('import-file').setInputFiles({ name: 'busy.toml', mimeType: 'application/toml', buffer: Buffer.from(toml) });
}

/** Chromium's own counters (DevTools' Performance.getMetrics): seconds spent so far. */
async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

async function play(page, speed, seconds) {
  await page.getByTestId('speed').selectOption({ label: speed });
  await page.evaluate(() => window.__perf.take());
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const before = await metrics(cdp);
  const [v0, t0] = [await clockMs(page), Date.now()];
  await page.getByTestId('play').click();
  await page.waitForTimeout(seconds * 1000);
  await page.getByTestId('play').click();
  const [v1, t1] = [await clockMs(page), Date.now()];
  const taken = await page.evaluate(() => window.__perf.take());
  const after = await metrics(cdp);
  await cdp.detach();
  // Per frame drawn: the browser's style and layout work, and the page's script (wasm).
  const per = (name) => round(((after[name] - before[name]) * 1000) / Math.max(1, taken.frames.length));
  return {
    ...summary(taken),
    virtual_per_real: round((v1 - v0) / (t1 - t0)),
    style_ms_per_frame: per('RecalcStyleDuration'),
    layout_ms_per_frame: per('LayoutDuration'),
    script_ms_per_frame: per('ScriptDuration'),
    dom_nodes: after.Nodes,
  };
}

/** Moves the slider to `ms` (one change event, as a drag ends) and times the arrival. */
async function seek(page, ms, ahead = false) {
  await page.evaluate(() => window.__perf.take());
  const started = Date.now();
  const progress = setInterval(async () => {
    const text = await page.evaluate(() => document.querySelector('[data-testid=seek-progress]')?.textContent).catch(() => null);
    if (text) console.error(`  ${((Date.now() - started) / 1000).toFixed(0)} s: ${text}`);
  }, 10_000);
  // Forward past the horizon: the page's "+10 min" (the slider ends at the horizon).
  const elapsed = Math.round(await timedJump(page, ms, ahead ? 'ahead' : 'slider'));
  // Then the checker's marks, which read the run again behind a note of their own (builds
  // before it waited for them before arriving).
  await page.waitForFunction(() => !document.querySelector('[data-testid=marks-catch-up]'), null,
    { timeout: 600_000, polling: 10 });
  clearInterval(progress);
  const checked = Date.now() - started;
  return { to_s: ms / 1000, ms: elapsed, checked_ms: checked, ...summary(await page.evaluate(() => window.__perf.take())) };
}

class Quick extends Error {}

const served = await serveDist();
const browser = await launch();
const results = new Proxy({}, { set(target, key, value) { console.error(key, JSON.stringify(value)); target[key] = value; return true; } });
Object.assign(results, { date: new Date().toISOString(), brokers: BROKERS, jump_s: 600, play_s: PLAY_S });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    if (!localStorage.getItem('kafka-playground/lessons')) localStorage.setItem('kafka-playground/lessons', '{"dismissed":true}');
  });
  await context.addInitScript(recorder);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('console', (message) => { if (message.type() === 'error') console.error('console:', message.text()); });
  const started = Date.now();
  await page.goto(`${served.url}/?seed=7`);
  await page.getByTestId('clock').waitFor();
  results.first_render_ms = Date.now() - started;

  // The busy cluster as the example file has it (10 s), played at 1x and 100x.
  await importScenario(page, await busyScenario(10_000, BROKERS));
  await page.getByTestId('partition').first().waitFor();
  await replayDone(page);
  if (args.scroll === 'topics') {
    await page.getByTestId('partition').nth(6).scrollIntoViewIfNeeded();
    results.scroll = 'topics';
  }
  results.play_1x = await play(page, '1×', PLAY_S);
  results.play_100x = await play(page, '100×', PLAY_S);
  if (args.quick) throw new Quick();
  const short = await clockMs(page);
  results.rewind_short = await seek(page, Math.round(short / 2));

  // Forward into a future never run: ten minutes of virtual time, simulated in slices.
  if (!args['no-jump']) results.jump_forward = await seek(page, (await clockMs(page)) + 600_000, true);
  // More of them make the long run longer; each is timed as the first.
  results.jumps_further = [];
  for (let i = 1; i < Number(args.ahead) && !args['no-jump']; i += 1) {
    results.jumps_further.push(await seek(page, (await clockMs(page)) + 600_000, true));
  }
  const end = await clockMs(page);
  results.play_1x_long = await play(page, '1×', PLAY_S);
  results.play_100x_long = await play(page, '100×', PLAY_S);

  // The long run reloaded: its first draw, then its replay behind the progress bar. Its
  // length now, after the two plays, is the run reloaded and then rewound.
  results.long_run_s = (await clockMs(page)) / 1000;
  await page.evaluate(() => window.__perf.take());
  const reloading = Date.now();
  await page.reload();
  await page.getByTestId('partition').first().waitFor({ timeout: 600_000 });
  results.reload_first_draw_ms = Date.now() - reloading;
  await replayDone(page);
  results.reload_replay = { ms: Date.now() - reloading, ...summary(await page.evaluate(() => window.__perf.take())) };
  results.rewinds = [];
  for (const fraction of [0.5, 0.93, 0.07, 0.99]) {
    results.rewinds.push(await seek(page, Math.round(end * fraction)));
  }
} catch (error) {
  if (!(error instanceof Quick)) throw error;
} finally {
  await browser.close();
  served.server.close();
}

await writeFile(args.out, JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
console.log(`written to ${args.out}`);

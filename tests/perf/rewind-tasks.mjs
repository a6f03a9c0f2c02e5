// A rewind's tasks on the page's main thread (issue 17), from a Chromium trace: for each of a
// few rewinds in the busy cluster's run of ten minutes, every task over 3 ms with its script,
// style, layout and paint, so what a rewind waits for can be read off. Not a test.
// `--times` leaves the trace out and only times twelve rewinds (tracing slows the page):
// a quick A/B of two builds, run in turns.
//
// `--ahead=N` makes the run N jumps of ten minutes long first (one by default).
//
//   DIST=/tmp/dist node tests/perf/rewind-tasks.mjs [--times] [--ahead=N]
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDist, launch } from '../e2e/harness.mjs';
import { openScenario, timedJump } from './arrival.mjs';
const timesOnly = process.argv.includes('--times');
const ahead = Number(process.argv.find((a) => a.startsWith('--ahead='))?.slice('--ahead='.length) ?? 1);
const here = dirname(fileURLToPath(import.meta.url));
const toml = await readFile(join(here, '..', '..', 'docs', 'examples', 'busy-cluster.toml'), 'utf8');
const served = await serveDist();
const browser = await launch();
try {
  const { context, page } = await openScenario(browser, served.url, toml);
  const clockMs = () => page.evaluate(() => Math.round(Number(document.querySelector('[data-testid=clock]').textContent.match(/t = ([\d.]+) s/)[1]) * 1000));
  for (let i = 0; i < ahead; i += 1) {
    await timedJump(page, (await clockMs()) + 600_000, 'ahead');
    await page.waitForFunction(() => !document.querySelector('[data-testid=marks-catch-up]'), null, { timeout: 600_000 });
  }
  const end = await clockMs();
  const fractions = timesOnly ? [0.5, 0.93, 0.07, 0.99, 0.3, 0.6, 0.8, 0.45, 0.15, 0.7, 0.2, 0.85] : [0.5, 0.93, 0.07, 0.99, 0.3, 0.6];
  const took = [];
  for (const f of fractions) {
    if (timesOnly) {
      took.push(Math.round(await timedJump(page, Math.round(end * f), 'slider')));
      await page.waitForFunction(() => !document.querySelector('[data-testid=marks-catch-up]'), null, { timeout: 600_000 });
      continue;
    }
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,v8,toplevel', transferMode: 'ReportEvents' });
    took.push(Math.round(await timedJump(page, Math.round(end * f), 'slider')));
    await cdp.send('Tracing.end');
    await done;
    const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    const mine = events.filter((e) => e.ph === 'X' && e.tid === main?.tid && e.pid === main?.pid);
    const tasks = mine.filter((e) => e.name.endsWith('RunTask') && e.dur > 3000).sort((a, b) => a.ts - b.ts);
    const t0 = tasks[0]?.ts ?? 0;
    console.log(`rewind to ${f}: ${took.at(-1)} ms`);
    for (const t of tasks) {
      const inside = (n) => mine.filter((e) => e.name === n && e.ts >= t.ts && e.ts < t.ts + t.dur).reduce((a, e) => a + e.dur, 0) / 1000;
      console.log(`  at ${((t.ts - t0) / 1000).toFixed(0).padStart(4)} ms: ${(t.dur / 1000).toFixed(1).padStart(6)} ms  script ${inside('FunctionCall').toFixed(1)} timer ${inside('TimerFire').toFixed(1)} event ${inside('EventDispatch').toFixed(1)} style ${inside('UpdateLayoutTree').toFixed(1)} layout ${inside('Layout').toFixed(1)} paint ${(inside('Paint') + inside('PrePaint')).toFixed(1)}`);
    }
    await page.waitForFunction(() => !document.querySelector('[data-testid=marks-catch-up]'), null, { timeout: 600_000 });
    await cdp.detach();
  }
  const sorted = [...took].sort((a, b) => a - b);
  console.log(`took ${took.join(', ')} ms; median ${sorted[Math.floor(sorted.length / 2)]}, mean ${Math.round(took.reduce((a, b) => a + b) / took.length)}`);
} finally { await browser.close(); served.server.close(); }

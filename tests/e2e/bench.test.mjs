// End to end: `./playground bench`'s page measurement and its report, on a tiny input, so that
// neither rots between two sittings of the bench (issue 17 asks CI to run the benchmarks' code).
// tests/perf/page.mjs plays the busy cluster on six brokers for a second at each speed, on the
// build under test, then makes its long run with one jump of ten minutes, reloads it and rewinds
// it; tests/perf/report.py then writes its section from that and the bundle's size. The figures' values are not judged here: a timed test on a shared machine would fail
// for the machine's load, not the code's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = process.env.DIST ? normalize(process.env.DIST) : join(root, 'dist');

/** Whether `python3` runs here (the bench's report needs it; the page's measurement does not). */
const python = await run('python3', ['--version']).then(() => true, () => false);

test("the bench's page measurement and its report", { timeout: 180_000 }, async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'kafka-playground-bench-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const pageJson = join(out, 'page.json');
  await run('node', [join(root, 'tests', 'perf', 'page.mjs'), '--play-s', '1', '--ahead', '1', '--brokers', '6', '--out', pageJson],
    { cwd: root, timeout: 150_000, maxBuffer: 1 << 24 });
  const page = JSON.parse(await readFile(pageJson, 'utf8'));
  assert.equal(page.brokers, 6);
  assert.ok(page.first_render_ms > 0, `a first render: ${page.first_render_ms}`);
  for (const speed of ['play_1x', 'play_100x']) {
    assert.ok(page[speed].frames > 0, `${speed} drew frames: ${JSON.stringify(page[speed])}`);
    assert.ok(page[speed].virtual_per_real > 0, `${speed} moved the clock: ${JSON.stringify(page[speed])}`);
  }
  // Played faster at 100x than at 1x, whatever the machine's load.
  assert.ok(page.play_100x.virtual_per_real > page.play_1x.virtual_per_real,
    `100x ${page.play_100x.virtual_per_real}x, 1x ${page.play_1x.virtual_per_real}x`);
  // The long run: ten minutes ahead, then the two plays, reloaded and rewound.
  assert.ok(page.jump_forward.to_s > 600 && page.jump_forward.ms > 0, JSON.stringify(page.jump_forward));
  assert.ok(page.long_run_s > page.jump_forward.to_s, `the run reloaded (${page.long_run_s} s) ends after the jump`);
  assert.ok(page.reload_first_draw_ms > 0, `the reload drew: ${page.reload_first_draw_ms}`);
  assert.equal(page.rewinds.length, 4);
  for (const rewind of page.rewinds) assert.ok(rewind.to_s < page.long_run_s && rewind.ms > 0, JSON.stringify(rewind));

  if (!python) {
    t.diagnostic('python3 is not installed: the report (tests/perf/report.py) was not run');
    return;
  }
  const wasm = (await readdir(dist)).find((f) => f.endsWith('.wasm'));
  const bytes = await readFile(join(dist, wasm));
  await writeFile(join(out, 'bundle.txt'),
    `release wasm: ${bytes.length} bytes raw, ${gzipSync(bytes, { level: 9 }).length} bytes gzip -9\n`);
  await writeFile(join(out, 'started'), '');
  const benchmarks = join(out, 'BENCHMARKS.md');
  await writeFile(benchmarks, '# Benchmarks\n\nNewest first.\n\n## an earlier section\n');
  await run('python3', [join(root, 'tests', 'perf', 'report.py'), out, join(out, 'criterion'), benchmarks, 'test'], { cwd: root });
  const written = await readFile(benchmarks, 'utf8');
  const section = written.slice(written.indexOf('\n## ') + 1, written.indexOf('\n## an earlier section'));
  assert.match(section, /^## \d{4}-\d\d-\d\d \(`\.\/playground bench`\)/, 'a new section on top, dated');
  assert.match(written, /\n\n## an earlier section\n$/, 'the earlier section kept after it, one blank line between');
  assert.match(section, /\| first render \| \d+ ms \|/);
  assert.match(section, /\| 6 brokers at 100x \| [\d.]+x real time; frames p50 [\d.]+ ms, p95 [\d.]+ ms/);
  assert.match(section, /\| reload of the long run \| first draw \d+ ms; its replay behind the progress bar [\d.]+ s/);
  assert.match(section, /\| rewinds in the long run \| to [\d,]+ s \d+ ms, to [\d,]+ s \d+ ms, to [\d,]+ s \d+ ms, to [\d,]+ s \d+ ms;/);
  // A run of ten minutes is no hour: the hour's targets are not judged on it.
  assert.match(section, /\| reload of an hour's run drawn within 1 s \(a run of [\d,]+ s\) \| \d+ ms \| not an hour's run \|/);
  assert.match(section, /\| a jump of ten simulated minutes never blocks input over 50 ms \| .* in 1 jump \| (met|\*\*not met\*\*) \|/);
  // Each target this run measured has a verdict; the rest say they were not measured.
  assert.match(section, /\| the page at 1x, 6 brokers: p95 frame at most 16\.7 ms \| [\d.]+ ms \| (met|\*\*not met\*\*) \|/);
  assert.match(section, /\| release wasm at most 400 KB gzip \| [\d,]+ KB \| (met|\*\*not met\*\*) \|/);
  assert.match(section, /\| end to end, 3 brokers, natively: at least 5,000,000 records\/s \| not measured \| not measured \|/);
});

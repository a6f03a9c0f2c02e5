// End to end: the run downloaded as a scenario file (JSON and TOML, as kafka-sim run reads them)
// and imported into another browser by the file picker or a drop opens the identical run as a
// new run (same trace fingerprint, clock, topics and leaders); a bad or foreign file says which
// field and line is wrong and replaces nothing; the export to real Kafka shows its files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { playgroundSuite } from './harness.mjs';
import { busyRun as busyRunOf, state, storage } from './run-state.mjs';

const suite = playgroundSuite();

const savedRuns = async (page) => JSON.parse((await storage(page))['kafka-playground/runs'] ?? '{"runs":[]}').runs;

/** A busy run, paused between milliseconds (which the file must keep): stepped event by event
 * until the clock stands between two, as some events fall on a whole millisecond. */
async function busyRun(seed) {
  const playground = await busyRunOf(suite, seed);
  const { page } = playground;
  const micros = () => page.getByTestId('clock').getAttribute('data-micros').then(BigInt);
  for (let steps = 0; steps === 0 || (await micros()) % 1000n === 0n; steps += 1) {
    assert.ok(steps < 50, `50 steps, all on whole milliseconds (t = ${await micros()} µs)`);
    await page.getByTestId('step').click();
    // The clock is redrawn on the next frame (and may not move: events can share a moment).
    await playground.twoFrames();
  }
  return playground;
}

/** The text behind a download link (a data: URL). */
async function linkText(link) {
  const href = await link.getAttribute('href');
  return decodeURIComponent(href.slice(href.indexOf(',') + 1));
}

/** Drops a file made of `parts` on the page, as a reader dragging it from their desktop. */
test('a downloaded scenario file opens the identical run in another browser, beside its runs', async () => {
  const playground = await busyRun(31);
  const { page } = playground;
  const before = await state(page);
  await page.getByTestId('files').click();
  await page.getByRole('dialog', { name: 'Scenario files' }).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  assert.match(download.suggestedFilename(), /^kafka-playground-seed31-\d+ms\.json$/);
  const json = await readFile(await download.path(), 'utf8');
  const scenario = JSON.parse(json);
  assert.equal(scenario.seed, 31);
  assert.equal(scenario.check_invariants, true);
  assert.deepEqual(scenario.steps.map((s) => s.command).slice(0, 2), ['create_topic', 'add_producer']);
  assert.ok(scenario.run_until_us, 'the clock was between milliseconds, and the file keeps it');
  const toml = await linkText(page.getByTestId('download-toml'));
  assert.match(toml, /^seed = 31$/m);
  assert.match(toml, /^\[\[steps\]\]$/m);
  await page.getByTestId('files-close').click();

  // Another browser with a run of its own: the file opens beside it.
  const reader = await busyRun(5);
  const own = await savedRuns(reader.page);
  await reader.page.getByTestId('files').click();
  await reader.page.getByTestId('import-file').setInputFiles({ name: 'shared.json', mimeType: 'application/json', buffer: Buffer.from(json) });
  await reader.page.waitForURL(/\?seed=31$/);
  assert.deepEqual(await state(reader.page), before, 'same trace fingerprint, clock, topics, leaders, brokers');
  const runs = await savedRuns(reader.page);
  assert.equal(runs.length, own.length + 1, 'a new run beside the saved ones');
  assert.deepEqual(runs.slice(1), own, 'the reader\'s own run is untouched');
  await reader.page.reload();
  assert.deepEqual(await state(reader.page), before, 'and a reload keeps it');

  // The TOML file, dropped on a fresh page, is the same run.
  const third = await suite.open(1, { width: 1280, height: 900 });
  await third.dropFile('shared.toml', [toml]);
  await third.page.waitForURL(/\?seed=31$/);
  assert.deepEqual(await state(third.page), before, 'TOML gives the same run');
  for (const p of [playground, reader, third]) assert.deepEqual(p.errors, []);
});

test('a bad or foreign file names the field and line, and replaces nothing', async () => {
  const playground = await busyRun(32);
  const { page } = playground;
  const before = await state(page);
  const saved = await storage(page);
  const notice = page.getByTestId('notice');

  const unknown = '{\n  "seed": 3,\n  "steps": [\n    {"at_ms": 500, "command": "explode"}\n  ]\n}\n';
  await page.getByTestId('files').click();
  await page.getByTestId('import-file').setInputFiles({ name: 'lesson.json', mimeType: 'application/json', buffer: Buffer.from(unknown) });
  await notice.waitFor();
  const message = await notice.textContent();
  assert.match(message, /"lesson\.json" could not be imported: steps\[0\]: unknown variant `explode`/);
  assert.match(message, /at line 4 column \d+/);
  assert.match(message, /Nothing was replaced: your saved runs are as they were\./);
  console.log('screenshot:', await playground.screenshot('files-import-error', { fullPage: false }));
  await playground.screenshotThemes('files-import-error');
  assert.deepEqual(await state(page), before);
  assert.deepEqual(await storage(page), saved);

  const cases = [
    ['range.json', ['{"steps": [{"at_ms": 500, "command": "create_topic", "name": "t",\n "partitions": 99999999999, "replication_factor": 3}]}'],
      /steps\[0\]: invalid value: integer `99999999999`.* at line 2/],
    ['shape.toml', ['[cluster]\nbrokers = 12\n'], /cluster\.brokers: 1 to 9/],
    ['photo.png', ['\u0089PNG\r\n'], /"photo\.png" is not a scenario file: kafka-sim reads \.json and \.toml files/],
    ['binary.json', [[0x7b, 0xff, 0xfe, 0]], /the file is not text \(invalid UTF-8 at byte 1\)/],
    ['junk.json', [50 * 1024 * 1024], /the file is 52428800 bytes; a scenario file may be at most 1048576 bytes \(1 MiB\)/],
    ['late.json', ['{"run_until_ms": 86400001}'], /run_until_ms: the run ends at .*; the page replays at most/],
  ];
  for (const [name, parts, expected] of cases) {
    await page.getByTestId('notice-dismiss').click();
    await playground.dropFile(name, parts);
    await notice.waitFor();
    assert.match(await notice.textContent(), expected, name);
    assert.deepEqual(await storage(page), saved, `${name}: storage as it was`);
  }
  assert.deepEqual(await state(page), before, 'the run shown is as it was');
  assert.deepEqual(playground.errors, []);
});

test('the export to real Kafka shows each generated file and downloads one script', async () => {
  const playground = await busyRun(33);
  const { page } = playground;
  await page.getByTestId('files').click();
  await page.getByTestId('export-real-kafka').click();
  const dialog = page.getByRole('dialog', { name: 'Export to real Kafka' });
  await dialog.waitFor();
  const names = await page.getByTestId('export-file').allTextContents();
  for (const name of ['README.md', 'compose.yaml', 'run.sh', 'producer-producer-1.properties', 'records-producer-1-orders.txt']) {
    assert.ok(names.includes(name), `${name} in ${names}`);
  }
  const text = page.getByTestId('export-text');
  assert.match(await text.textContent(), /^#!\/bin\/sh/, 'run.sh first');
  assert.match(await text.textContent(), /docker compose kill -s KILL broker2/, 'the crash as a command');
  await page.locator('[data-testid=export-file][data-file="compose.yaml"]').click();
  assert.match(await text.textContent(), /image: "?apache\/kafka:4\.\d+\.\d+/);
  const bundle = await linkText(page.getByTestId('export-download'));
  assert.match(bundle, /^#!\/bin\/sh\n/);
  assert.match(bundle, /^cat > kafka-playground-seed33\/compose\.yaml <<'KAFKA_PLAYGROUND_EOF'$/m);
  assert.equal(await page.getByTestId('export-download').getAttribute('download'), 'kafka-playground-seed33.sh');
  await playground.screenshotThemes('export-dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(playground.errors, []);
});

test('an import into a full list of runs asks before pushing out the oldest', async () => {
  const playground = await busyRun(34);
  const { page } = playground;
  const before = await state(page);
  await page.getByTestId('files').click();
  const json = await linkText(page.getByTestId('download-json'));
  await page.getByTestId('files-close').click();
  // Eight saved runs: the list is full.
  await page.evaluate(() => {
    const list = JSON.parse(localStorage.getItem('kafka-playground/runs'));
    const [run] = list.runs;
    list.runs = [8, 7, 6, 5, 4, 3, 2, 1].map((id) => ({ ...run, id, name: `Run ${id}` }));
    list.last_id = 8;
    localStorage.setItem('kafka-playground/runs', JSON.stringify(list));
  });
  const saved = await storage(page);
  await playground.dropFile('again.json', [json]);
  const confirm = page.getByTestId('confirm');
  await confirm.waitFor();
  assert.match(await confirm.textContent(), /Open "again\.json" as a new run\?.*pushes out the oldest \("Run 1"\)/);
  await page.getByTestId('confirm-cancel').click();
  await confirm.waitFor({ state: 'detached' });
  assert.deepEqual(await storage(page), saved, 'cancelled: nothing replaced');
  assert.deepEqual(await state(page), before);

  await playground.dropFile('again.json', [json]);
  await page.getByTestId('confirm-ok').click();
  await page.waitForFunction(() => JSON.parse(localStorage.getItem('kafka-playground/runs')).runs[0].id === 9);
  const ids = JSON.parse((await storage(page))['kafka-playground/runs']).runs.map((r) => r.id);
  assert.deepEqual(ids, [9, 8, 7, 6, 5, 4, 3, 2], 'the new run in front, the oldest gone');
  assert.deepEqual(await state(page), before, 'the same run, opened anew');
  assert.deepEqual(playground.errors, []);
});

// End to end: the page on a busy cluster (docs/examples/busy-cluster.toml: 36 partitions, RF=3,
// 1,000 records a second, a group of three). At a speed the simulation cannot keep, the clock
// runs as fast as it can and the timeline says how fast; pausing stops it. A saved long run is
// drawn at once on reload, then replayed behind the progress bar to the identical run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { playgroundSuite } from './harness.mjs';
import { state } from './run-state.mjs';

const suite = playgroundSuite();

/** The busy cluster example, ending at `untilMs`. */
async function busyCluster(untilMs) {
  const toml = await readFile(new URL('../../docs/examples/busy-cluster.toml', import.meta.url), 'utf8');
  return toml.replace(/^run_until_ms = \d+$/m, `run_until_ms = ${untilMs}`);
}

async function openBusy(playground, untilMs) {
  const { page } = playground;
  await page.getByTestId('files').click();
  await page.getByTestId('import-file').setInputFiles({ name: 'busy.toml', mimeType: 'application/toml', buffer: Buffer.from(await busyCluster(untilMs)) });
  await page.getByTestId('partition').first().waitFor();
}

test('at 100x a busy cluster runs as fast as it can, the timeline says how fast, and pausing stops it', async () => {
  const playground = await suite.open(7, { width: 1280, height: 900 });
  const { page } = playground;
  await openBusy(playground, 10_000);
  await state(page);
  await playground.setSpeed('100×');
  const started = await playground.seconds();
  await playground.play();
  const achieved = page.getByTestId('achieved-speed');
  await achieved.waitFor({ timeout: 20_000 });
  const text = await achieved.textContent();
  const times = Number(text.match(/^running at ([\d.]+)×$/)[1]);
  assert.ok(times > 0 && times < 90, `${text}: below nine tenths of 100×`);
  await playground.screenshotThemes('achieved-speed', page.locator('.timeline'));
  await playground.play();
  await page.getByTestId('achieved-speed').waitFor({ state: 'detached' });
  const paused = await playground.seconds();
  assert.ok(paused > started, `the clock ran: ${started} s to ${paused} s`);
  await page.waitForTimeout(1_000);
  assert.equal(await playground.seconds(), paused, 'paused, the clock stands still');
  assert.deepEqual(playground.errors, []);
});

test('a saved long busy run is drawn at once on reload, then replayed behind the progress bar', async () => {
  const playground = await suite.open(7, { width: 1280, height: 900 });
  const { page } = playground;
  await openBusy(playground, 45_000);
  const before = await state(page);
  assert.equal(before.clock, 't = 45.000 s');

  const reloaded = Date.now();
  await page.reload();
  await page.getByTestId('partition').first().waitFor();
  const drawn = Date.now() - reloaded;
  const bar = page.getByTestId('seek-progress');
  assert.ok(await bar.isVisible(), 'the replay goes on behind the progress bar');
  console.log(`drawn ${drawn} ms after the reload, then replayed`);
  const progress = () => bar.locator('progress').evaluate((p) => p.value).catch(() => Infinity);
  const first = await progress();
  // The page answers while it replays: the theme button changes the theme at once.
  const theme = await page.getByTestId('theme').textContent();
  await page.getByTestId('theme').click();
  assert.notEqual(await page.getByTestId('theme').textContent(), theme);
  await page.waitForFunction((first) => {
    const p = document.querySelector('[data-testid=seek-progress] progress');
    return !p || p.value > first;
  }, first);
  console.log('screenshot:', await playground.screenshot('reload-progress', { fullPage: false }));
  assert.deepEqual(await state(page), before, 'the same run: trace fingerprint, clock, leaders');
  assert.deepEqual(playground.errors, []);
});

test('+1 min runs a minute ahead behind the bar; a rewind arrives with the cluster, the checker catching up behind a note', async () => {
  const playground = await suite.open(7, { width: 1280, height: 900 });
  const { page } = playground;
  await openBusy(playground, 10_000);
  await state(page);
  await page.getByTestId('ahead-1').click();
  const ahead = await state(page);
  assert.equal(ahead.clock, 't = 70.000 s');

  // The checker's note, if it shows at all, may be gone before a look: watched from now on.
  await page.evaluate(() => {
    window.__checking = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid=marks-catch-up]')) window.__checking = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByTestId('timeline').evaluate((slider) => {
    slider.value = '35000';
    slider.dispatchEvent(new Event('change', { bubbles: true }));
  });
  const back = await state(page);
  assert.equal(back.clock, 't = 35.000 s');
  // 35 s of 1,000 records a second is more than the marks read in one budget: the rewind
  // arrived before they had, and said so until they had.
  await page.getByTestId('marks-catch-up').waitFor({ state: 'detached', timeout: 60_000 });
  assert.ok(await page.evaluate(() => window.__checking), 'the note showed while the marks caught up');

  // A minute ahead is the run played a minute on: the same as the example run to 70 s.
  const played = await suite.open(7, { width: 1280, height: 900 });
  await openBusy(played, 70_000);
  assert.equal((await state(played.page)).hash, ahead.hash);
  assert.deepEqual(playground.errors, []);
  assert.deepEqual(played.errors, []);
});

// End to end: a reload keeps the user's cluster; the timeline rewinds it by replay; runs opened
// from links are kept beside each other in a list, and starting over asks first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

/** Waits until a run being rebuilt on load has arrived. */
const replayed = (page) => page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'),
  null, { timeout: 60_000 });

/** The names in the Runs dialog, which it opens. */
async function runNames(page) {
  await page.getByRole('button', { name: 'Runs' }).click();
  await page.getByTestId('runs-dialog').waitFor();
  return page.getByTestId('run').locator('.run-name').allTextContents();
}

test('a reload restores the run, and the timeline rewinds it', async () => {
  const playground = await suite.open(5, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic();
  await playground.broker(1).getByRole('button', { name: 'Crash' }).click();
  await page.waitForTimeout(300);
  await playground.play();
  const before = await playground.seconds();

  await page.reload();
  await page.getByTestId('clock').waitFor();
  await replayed(page);
  assert.equal(await page.getByTestId('topic').count(), 1, 'the topic survived the reload');
  assert.match(await page.getByTestId('topic').textContent(), /min\.insync\.replicas=2/, 'with its configs');
  assert.equal(await playground.brokerStatus(1), 'crashed', 'so did the crash');
  assert.ok(Math.abs((await playground.seconds()) - before) < 1.01, 'the clock is where it was');
  assert.equal(await page.locator('[data-testid=speed] option:checked').textContent(), '10×', 'at the speed it played at');

  const end = await page.getByTestId('timeline').getAttribute('max');
  await page.getByTestId('timeline').fill('0');
  await page.getByTestId('timeline').dispatchEvent('change');
  assert.equal(await playground.clock(), 't = 0.000 s');
  assert.equal(await page.getByTestId('topic').count(), 0, 'before the topic was created');
  // The moments played past the last action stay in reach, after a reload too.
  assert.equal(await page.getByTestId('timeline').getAttribute('max'), end);
  await page.reload();
  await page.getByTestId('clock').waitFor();
  await replayed(page);
  assert.equal(await playground.clock(), 't = 0.000 s', 'reloaded where it was rewound to');
  assert.equal(await page.getByTestId('timeline').getAttribute('max'), end, 'and the future still in reach');
  await page.getByTestId('timeline').fill(String(Math.round(before * 1000)));
  await page.getByTestId('timeline').dispatchEvent('change');
  assert.equal(await page.getByTestId('topic').count(), 1, 'replayed forward');
  assert.equal(await playground.brokerStatus(1), 'crashed');
  console.log('screenshot:', await playground.screenshot('restored-after-reload'));
  assert.deepEqual(playground.errors, []);
});

test('a long jump replays in slices behind a progress bar and lands where the run was', async () => {
  const playground = await suite.open(9, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('100×');
  await playground.play();
  await playground.createTopic();
  await page.getByTestId('producer-add').click();
  await page.getByTestId('stream-rate').fill('50');
  await page.getByTestId('stream-start').click();
  await page.getByTestId('consumer-add').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=clock]').textContent
    .match(/t = ([\d.]+) s/)[1]) > 120, null, { timeout: 60_000 });
  await playground.play();
  const end = await playground.seconds();
  const messages = await page.getByTestId('topic').textContent();

  // Back ten seconds: the run is replayed from time zero to there.
  const target = Math.round((end - 10) * 1000);
  // One change event, as a drag ends with (the slider then follows the replay's clock).
  await page.getByTestId('timeline').evaluate((slider, value) => {
    slider.value = value;
    slider.dispatchEvent(new Event('change', { bubbles: true }));
  }, String(target));
  const sliced = await page.getByTestId('seek-progress').count() > 0;
  if (sliced) console.log('screenshot:', await playground.screenshot('seek-progress'));
  console.log(`the replay to ${target / 1000} s ${sliced ? 'showed a progress bar' : 'finished within one slice budget'}`);
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'), null, { timeout: 60_000 });
  await page.waitForFunction((ms) => Math.abs(Number(document.querySelector('[data-testid=clock]').textContent
    .match(/t = ([\d.]+) s/)[1]) * 1000 - ms) < 10, target, { timeout: 10_000 });
  assert.notEqual(await page.getByTestId('topic').textContent(), messages, 'with fewer messages than at the end');
  assert.deepEqual(playground.errors, []);
});

test('a new cluster started while the clock runs leaves the old run as it was and reloads as the new one', async () => {
  const playground = await suite.open(5, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic();
  await page.waitForTimeout(300);

  // Still playing: stopping the old run's clock must not save it over the new run.
  await page.getByTestId('new-cluster').click();
  await page.getByTestId('confirm-ok').click();
  assert.equal(await page.getByTestId('topic').count(), 0, 'a new cluster');
  await page.waitForTimeout(300);

  await page.reload();
  await page.getByTestId('clock').waitFor();
  await replayed(page);
  assert.equal(await page.getByTestId('topic').count(), 0, 'the reload shows the new cluster');
  const names = await runNames(page);
  assert.ok(names.includes('Run 1 · seed 5'), `the old run is kept: ${names}`);
  await page.getByRole('button', { name: 'Open Run 1 · seed 5' }).click();
  await replayed(page);
  assert.equal(await page.getByTestId('topic').count(), 1, 'with its topic');
  assert.deepEqual(playground.errors, []);
});

test('a ?seed= link opens a new run beside the saved one, and starting over asks first', async () => {
  const playground = await suite.open(5, { width: 1280, height: 900 });
  const { page } = playground;
  const base = page.url().replace(/\/\?.*$/, '');
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic();
  await playground.play();

  await page.goto(`${base}/?seed=7`);
  await page.getByTestId('clock').waitFor();
  assert.equal(await page.getByTestId('topic').count(), 0, 'a new run for seed 7');
  await playground.setSpeed('10×');
  await playground.play();
  await playground.brokersOnline();
  await playground.broker(3).getByRole('button', { name: 'Crash' }).click();
  await playground.play();

  await page.goto(`${base}/`);
  await page.getByTestId('clock').waitFor();
  await replayed(page);
  assert.deepEqual(await runNames(page), ['Run 2 · seed 7', 'Run 1 · seed 5'], 'the earlier run is still there');
  await playground.screenshotThemes('runs-dialog');
  await page.getByRole('button', { name: 'Open Run 1 · seed 5' }).click();
  await replayed(page);
  assert.match(page.url(), /\/\?seed=5$/);
  assert.equal(await page.getByTestId('topic').count(), 1, 'run 1, with its topic');

  await page.getByTestId('new-cluster').click();
  await page.getByRole('dialog', { name: 'Start a new cluster?' }).waitFor();
  console.log('screenshot:', await playground.screenshot('new-cluster-confirm'));
  await page.getByTestId('confirm-cancel').click();
  assert.equal(await page.getByTestId('confirm').count(), 0);
  assert.equal(await page.getByTestId('topic').count(), 1, 'Cancel keeps the run');
  await page.getByTestId('new-cluster-controllers').selectOption('3');
  await page.getByTestId('confirm-cancel').click();
  assert.equal(await page.getByTestId('new-cluster-controllers').inputValue(), '1', 'and its controllers');
  assert.equal(await page.getByTestId('controller').count(), 1);

  await page.getByTestId('new-cluster').click();
  await page.getByTestId('confirm-ok').click();
  assert.equal(await page.getByTestId('topic').count(), 0, 'a new cluster');
  assert.deepEqual(await runNames(page), ['Run 2 · seed 7', 'Run 1 · seed 5'], 'beside the saved runs');
  await page.getByRole('button', { name: 'Delete Run 2 · seed 7' }).click();
  await page.getByTestId('run-delete-confirm').click();
  assert.deepEqual(await page.getByTestId('run').locator('.run-name').allTextContents(), ['Run 1 · seed 5']);
  assert.deepEqual(playground.errors, []);
});

test('the single save of the earlier version moves into the list', async () => {
  const playground = await suite.open(1, { width: 1280, height: 900 });
  const { page } = playground;
  const old = JSON.stringify({
    seed: '5', now: 4200000, controllers: 1,
    log: [[1200317, { command: 'create_topic', name: 'orders', partitions: 3, replication_factor: 3,
      configs: { 'min.insync.replicas': '2' }, replica_assignment: null }]],
  });
  await page.evaluate((text) => localStorage.setItem('kafka-playground/v1', text), old);
  await page.goto(page.url().replace(/\/\?.*$/, '/'));
  // The progress bar may not be up yet when the page first draws: wait for the clock too.
  await playground.reached(4200);
  await replayed(page);
  assert.equal(await playground.clock(), 't = 4.200 s');
  assert.equal(await page.getByTestId('topic').count(), 1, 'the old run opens');
  assert.deepEqual(await runNames(page), ['Run 1 · seed 5']);
  assert.equal(await page.evaluate(() => localStorage.getItem('kafka-playground/v1')), null, 'moved, not copied');
  assert.deepEqual(playground.errors, []);
});


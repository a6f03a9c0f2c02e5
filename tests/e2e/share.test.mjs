// End to end: Share puts the whole run in a link; the link rebuilds the identical run in
// another browser (same trace fingerprint, clock, topics and leaders); a damaged link or one
// from a newer page says what is wrong and leaves the reader's saved run as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { playgroundSuite } from './harness.mjs';
import { busyRun as busyRunOf, state, storage } from './run-state.mjs';

const suite = playgroundSuite();

const busyRun = (seed) => busyRunOf(suite, seed);

async function shareLink(page) {
  await page.getByRole('button', { name: 'Share' }).click();
  const field = page.getByTestId('share-link');
  await field.waitFor();
  return field.inputValue();
}

test('a share link rebuilds the identical run in a new browser', async () => {
  const playground = await busyRun(21);
  const { page } = playground;
  const before = await state(page);
  const link = await shareLink(page);
  console.log(`a run of ${await page.evaluate(() => JSON.parse(localStorage.getItem('kafka-playground/runs')).runs[0].commands)} commands: link of ${link.length} characters`);
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#s=[A-Za-z0-9_-]+$/);
  assert.equal(await page.getByRole('dialog', { name: 'Share this run' }).count(), 1);
  await playground.screenshotThemes('share-dialog');
  await page.getByTestId('share-copy').click();
  await page.getByTestId('share-status').filter({ hasText: /./ }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('share-dialog').waitFor({ state: 'detached' });

  // A first visit: the lesson picker does not cover the run the link opens.
  const reader = await suite.open(1, { width: 1280, height: 900 }, { firstVisit: true });
  await reader.page.goto(link);
  await reader.page.getByTestId('clock').waitFor();
  await reader.page.waitForTimeout(300);
  assert.equal(await reader.page.getByTestId('lesson-picker').count(), 0, 'no picker over a shared run');
  const after = await state(reader.page);
  assert.deepEqual(after, before, 'same trace fingerprint, clock, topics, leaders and brokers');
  assert.match(reader.page.url(), /\/\?seed=21$/, 'the address bar names the run, without the link');
  const runs = await storage(reader.page);
  assert.equal(JSON.parse(runs['kafka-playground/runs']).runs.length, 1, 'opened as a run of its own');
  await reader.page.reload();
  assert.deepEqual(await state(reader.page), before, 'and a reload keeps it');
  assert.deepEqual(playground.errors, []);
  assert.deepEqual(reader.errors, []);
});

test('a damaged link or one from a newer page says what is wrong and replaces nothing', async () => {
  const playground = await busyRun(22);
  const { page } = playground;
  const before = await state(page);
  const link = await shareLink(page);
  await page.keyboard.press('Escape');
  const saved = await storage(page);
  const base = link.slice(0, link.indexOf('#'));

  await page.goto(link.slice(0, link.length - 40));
  const notice = page.getByTestId('notice');
  assert.match(await notice.textContent(), /This link could not be opened: the link is truncated or damaged\. Nothing was replaced/);
  console.log('screenshot:', await playground.screenshot('share-damaged-link'));
  assert.deepEqual(await state(page), before, 'the saved run is shown instead');
  assert.deepEqual(await storage(page), saved, 'and storage is as it was');
  await page.getByTestId('notice-dismiss').click();
  assert.equal(await notice.count(), 0, 'dismissed');

  const newer = deflateSync(Buffer.from('{"v":7,"something":"new"}')).toString('base64url');
  await page.goto(`${base}#s=${newer}`);
  assert.match(await notice.textContent(),
    /the link was made by a newer version of the playground \(format 7, this page reads up to 2\)/);
  assert.deepEqual(await storage(page), saved);

  await page.reload();
  assert.deepEqual(await state(page), before, 'the saved run still loads');
  assert.equal(await notice.count(), 0, 'the bad link left the address bar');
  assert.deepEqual(playground.errors, []);
});

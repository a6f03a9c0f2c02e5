// End to end: offsets given by hand in a consumer's card. A negative seek is refused with
// Java's IllegalArgumentException; an explicit commit with metadata is read back by
// committed(); a seek and position() answer; a paused partition is not read until resumed;
// and a share link replays the calls, answers included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite, screenshots, settles } from './harness.mjs';

const suite = playgroundSuite();

async function answers(card) {
  return card.getByTestId('offsets-answer').allTextContents();
}

async function waitForAnswer(page, pattern) {
  await page.waitForFunction((source) => [...document.querySelectorAll('[data-testid=offsets-answer]')]
    .some((a) => new RegExp(source).test(a.textContent)), pattern.source, { timeout: 30_000 });
}

test('seek, commit with metadata, ask, pause and resume from the consumer card', async () => {
  const playground = await suite.open(14, { width: 1400, height: 1400 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.createTopic(1);
  await playground.addProducer();
  await page.getByTestId('send-10').click();
  await page.getByTestId('consumer-commit').selectOption('after-processing');
  await page.getByTestId('consumer-add').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=group-lag]')]
    .map((c) => c.textContent).join() === '0', null, { timeout: 30_000 });
  const card = page.getByTestId('consumer').first();
  await card.getByTestId('consumer-offsets').locator('summary').click();

  // seek(-1): refused before anything is sent, as Java's consumer refuses it.
  await card.getByTestId('offsets-offset').fill('-1');
  await card.getByTestId('offsets-seek').click();
  await settles(() => page.getByTestId('consumer-error').textContent(),
    'IllegalArgumentException: seek offset must not be a negative number');
  await card.getByTestId('offsets-commit-sync').click();
  await settles(() => page.getByTestId('consumer-error').textContent(),
    'IllegalArgumentException: Invalid negative offset');

  // commitSync({orders-0: OffsetAndMetadata(4, "batch-17")}), then committed().
  await card.getByTestId('offsets-offset').fill('4');
  await card.getByTestId('offsets-metadata').fill('batch-17');
  await card.getByTestId('offsets-commit-sync').click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=group-row] td')]
    .map((c) => c.textContent)[1] === '4', null, { timeout: 20_000 });
  await card.getByTestId('offsets-committed').click();
  await waitForAnswer(page, /committed\(\[orders-0\]\) → \{orders-0=OffsetAndMetadata\{offset=4, leaderEpoch=null, metadata='batch-17'\}\}/);

  // seek(2): the records from offset 2 come again; position() answers 10 once read.
  await card.getByTestId('offsets-offset').fill('2');
  await card.getByTestId('offsets-seek').click();
  await page.waitForTimeout(1_500);
  await card.getByTestId('offsets-position').click();
  await waitForAnswer(page, /^position\(orders-0\) → 10$/);

  // offsetsForTimes from the beginning of time: the first record.
  await card.getByTestId('offsets-timestamp').fill('0');
  await card.getByTestId('offsets-for-times').click();
  await waitForAnswer(page, /offsetsForTimes\(\{orders-0=0\}\) → \{orders-0=\(timestamp=\d+, leaderEpoch=null, offset=0\)\}/);

  // pause(): new records are not read; resume(): they are.
  await card.getByTestId('offsets-pause').click();
  await settles(() => card.getByTestId('offsets-paused').textContent(), 'paused: orders-0');
  assert.equal(await card.getByTestId('offsets-pause').textContent(), 'resume()');
  await page.getByTestId('send-10').click();
  await page.waitForTimeout(2_000);
  const rows = () => page.locator('[data-testid=owned-partition] td').allTextContents();
  assert.equal((await rows())[1], '10', 'a paused partition is not fetched');
  await card.getByTestId('consumer-offsets').scrollIntoViewIfNeeded();
  await playground.screenshotThemes('consumer-offsets');
  // The card alone at 480 px, where the controls wrap.
  await page.setViewportSize({ width: 480, height: 1400 });
  await card.getByTestId('consumer-offsets').scrollIntoViewIfNeeded();
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const narrow = `${screenshots}/consumer-offsets-card-480-${colorScheme}.png`;
    await card.screenshot({ path: narrow });
    console.log('screenshot:', narrow);
  }
  await page.emulateMedia({ colorScheme: null });
  await page.setViewportSize({ width: 1400, height: 1400 });
  await card.getByTestId('offsets-pause').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=owned-partition] td')[1]?.textContent === '20',
    null, { timeout: 20_000 });
  const asked = await answers(card);

  // A share link replays every call: the answers come back the same.
  await page.getByRole('button', { name: 'Share' }).click();
  const field = page.getByTestId('share-link');
  await field.waitFor();
  const link = await field.inputValue();
  const reader = await suite.open(1, { width: 1400, height: 1400 });
  await reader.page.goto(link);
  await reader.page.getByTestId('clock').waitFor();
  const replayed = reader.page.getByTestId('consumer').first();
  await replayed.getByTestId('consumer-offsets').locator('summary').click();
  assert.deepEqual(await answers(replayed), asked);
  assert.deepEqual(playground.errors, []);
  assert.deepEqual(reader.errors, []);
});

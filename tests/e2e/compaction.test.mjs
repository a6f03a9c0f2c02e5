// End to end: docs/examples/compaction.toml opened on the page (dropped as a file) shows what
// each replica's log cleaner removed, the gaps it left in the offsets, and the topic form
// offers cleanup.policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('the log cleaner keeps the latest price per key, and the partition table shows what it removed', async () => {
  const toml = await readFile(new URL('../../docs/examples/compaction.toml', import.meta.url), 'utf8');
  const playground = await suite.open(1, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.dropFile('compaction.toml', [toml]);
  await page.waitForURL(/\?seed=11$/);
  await playground.reached(190000); // the file's run_until_ms: the cleaner's later passes are in the replay
  const topic = page.locator('[data-testid="topic"][data-topic="prices"]');
  await topic.waitFor();
  const cleaned = topic.getByTestId('cleaned');
  await cleaned.first().waitFor();
  assert.equal(await cleaned.count(), 3, 'the leader and both followers clean their own logs');
  for (const text of await cleaned.allTextContents()) assert.equal(text, 'cleaned 5 · ');
  const replica = topic.getByTestId('replica').first();
  const offsets = await replica.locator('.record').evaluateAll((records) => records.map((r) => r.title.split(' · ')[0]));
  assert.deepEqual(offsets, ['offset 4', 'offset 5', 'offset 7', 'offset 8'], 'offsets kept: the log has gaps');
  assert.equal(await topic.getByTestId('partition-findings').count(), 0, 'superseded values are not lost writes');
  assert.deepEqual(
    await page.getByTestId('topic-cleanup').locator('option').allTextContents(),
    ['delete', 'compact', 'compact,delete'],
  );
  await playground.screenshotThemes('compaction-cleaned', topic);
  assert.deepEqual(playground.errors, []);
});

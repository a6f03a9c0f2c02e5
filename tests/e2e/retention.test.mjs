// End to end: docs/examples/retention.toml opened on the page (dropped as a file) shows the
// partition's log start offset moved by retention on every replica, with the segments deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

test('retention moves the log start offset, and the partition table shows it', async () => {
  const toml = await readFile(new URL('../../docs/examples/retention.toml', import.meta.url), 'utf8');
  const playground = await suite.open(1, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.dropFile('retention.toml', [toml]);
  await page.waitForURL(/\?seed=5$/);
  await playground.reached(420000); // the file's run_until_ms
  const topic = page.locator('[data-testid="topic"][data-topic="events"]');
  await topic.waitFor();
  const starts = topic.getByTestId('log-start');
  await starts.first().waitFor();
  assert.equal(await starts.count(), 3, 'the leader and both followers');
  for (const text of await starts.allTextContents()) assert.match(text, /^start 15 · 3 seg\. deleted · $/);
  assert.equal(await topic.getByTestId('partition-findings').count(), 0, 'deleted by retention is not truncated after ack');
  const replica = topic.getByTestId('replica').first();
  assert.match(await replica.getAttribute('aria-label'), /log start offset 15, log end offset 18, high watermark 18/);
  await playground.screenshotThemes('retention-log-start', topic);
  assert.deepEqual(playground.errors, []);
});

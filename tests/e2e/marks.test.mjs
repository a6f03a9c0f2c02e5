// End to end: the checker's findings marked where the user looks (issue #16). A scenario file
// with a duplicate, one with a reorder and one with a read then aborted are imported; the
// partition's log marks the records, says what the checker found under the logs, and "why?"
// opens the cause chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();
const root = new URL('../../', import.meta.url);

async function imported(file, name) {
  const playground = await suite.open(1, { width: 1280, height: 1000 });
  const { page } = playground;
  await page.getByTestId('files').click();
  await page.getByTestId('import-file').setInputFiles({
    name, mimeType: 'application/json', buffer: readFileSync(new URL(file, root)),
  });
  await page.waitForURL(/\?seed=\d+$/);
  await page.waitForFunction(() => !document.querySelector('[data-testid=seek-progress]'));
  return playground;
}

test('both copies of a retried send are marked duplicate, and why? leads to the lost answer', async () => {
  const playground = await imported('docs/examples/duplicate-without-idempotence.json', 'duplicate.json');
  const { page } = playground;
  const topic = page.locator('[data-testid=topic][data-topic=payments]');
  const leaderRow = topic.locator('[data-testid=replica][data-broker="1"]');
  await leaderRow.locator('[data-testid=record-mark][data-kind=duplicate]').first().waitFor();
  assert.equal(await leaderRow.locator('[data-testid=record-mark][data-kind=duplicate]').count(), 2, 'both copies in the leader\'s log');
  const findings = topic.getByTestId('partition-findings');
  const duplicate = findings.locator('li', { has: page.locator('[data-testid=finding-mark][data-kind=duplicate]') });
  assert.equal(await duplicate.count(), 2);
  assert.match(await duplicate.first().textContent(), /offset \d+ · duplicate/);
  await duplicate.first().getByTestId('finding-why').click();
  const detail = duplicate.first().getByTestId('finding-detail');
  assert.match(await detail.textContent(), /payments-0: "charge 42 EUR" is at offsets \[\d+, \d+\]/);
  assert.match(await detail.textContent(), /without idempotence/);
  const causes = await detail.getByTestId('cause').allTextContents();
  assert.match(causes[0] ?? '', /cut/i, causes.join('\n'));
  await findings.scrollIntoViewIfNeeded();
  await playground.screenshotThemes('marks-duplicate', leaderRow);
  assert.deepEqual(playground.errors, []);
});

test('a reorder and a read then aborted are marked on their records with their why', async () => {
  for (const [file, kind, words, cause] of [
    ['crates/sim/tests/testdata/marks/reordered-without-idempotence.json', 'reordered', /offset 2 · reordered/, /cut/i],
    ['crates/sim/tests/testdata/marks/read-then-aborted.json', 'aborted-read', /offset 0 · read, then aborted/, /abort/i],
  ]) {
    const playground = await imported(file, `${kind}.json`);
    const { page } = playground;
    const topic = page.locator('[data-testid=topic][data-topic=payments]');
    await topic.locator(`[data-testid=record-mark][data-kind=${kind}]`).first().waitFor();
    const item = topic.getByTestId('partition-findings').locator('li', { has: page.locator(`[data-testid=finding-mark][data-kind=${kind}]`) });
    assert.equal(await item.count(), 1, kind);
    assert.match(await item.textContent(), words);
    await item.getByTestId('finding-why').click();
    const causes = await item.getByTestId('cause').allTextContents();
    assert.match(causes[0] ?? '', cause, `${kind}: ${causes.join('\n')}`);
    await item.scrollIntoViewIfNeeded();
    const marked = topic.locator('[data-testid=replica]', { has: page.locator(`[data-testid=record-mark][data-kind=${kind}]`) }).first();
    await playground.screenshotThemes(`marks-${kind}`, marked);
    assert.deepEqual(playground.errors, []);
  }
});

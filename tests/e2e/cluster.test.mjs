// End to end: the built page boots a three-broker cluster, time runs when Play is pressed, and
// a crashed broker is fenced by the controller after broker.session.timeout.ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite, settles } from './harness.mjs';

const suite = playgroundSuite();

test('three brokers appear and the clock advances after Play', async () => {
  const playground = await suite.open(7);
  assert.equal(await playground.brokers().count(), 3);
  // The page opens on a started cluster: the clock ran until every broker registered.
  const started = await playground.clock();
  assert.notEqual(started, 't = 0.000 s');
  await playground.play();
  await playground.page.waitForFunction(
    (at) => document.querySelector('[data-testid=clock]').textContent !== at, started,
  );
  const opened = Number(started.match(/t = ([\d.]+) s/)[1]);
  await playground.page.waitForTimeout(400);
  assert.ok((await playground.seconds()) > opened + 0.1, 'virtual time moves in real time at 1×');
  for (const id of [1, 2, 3]) {
    assert.equal(await playground.brokerStatus(id), 'online');
  }
  const events = await playground.events();
  assert.ok(events.some((e) => e.includes('broker 1 registered with the controller')), events.join('\n'));
  console.log('screenshot:', await playground.screenshot('cluster-running'));
  assert.deepEqual(playground.errors, []);
});

test('a crashed broker is fenced once its session times out', async () => {
  const playground = await suite.open(11);
  await playground.setSpeed('10×');
  await playground.play();
  await playground.page.waitForFunction(
    () => document.querySelectorAll('[data-testid=broker] .badge').length === 3 &&
      [...document.querySelectorAll('[data-testid=broker] .badge')].every((b) => b.textContent === 'online'),
  );
  await playground.broker(2).getByRole('button', { name: 'Crash' }).click();
  await settles(() => playground.brokerStatus(2), 'crashed');
  // 9 s of virtual time is under a second of real time at 10×.
  await playground.page.waitForFunction(
    () => [...document.querySelectorAll('[data-testid=event]')].some((e) =>
      e.textContent.includes('broker 2 fenced by the controller')),
    null,
    { timeout: 10_000 },
  );
  const events = await playground.events();
  assert.ok(events.some((e) => /broker 2 fenced by the controller: no heartbeat for \d+/.test(e)));
  console.log('screenshot:', await playground.screenshot('broker-2-fenced'));
  assert.deepEqual(playground.errors, []);
});

test('in slow motion the network view shows requests and responses on the wire', async () => {
  const playground = await suite.open(12, { width: 1400, height: 900 });
  const { page } = playground;
  // The page opens with the brokers registered; the next traffic (heartbeats, metadata) is
  // a step or a few away. Then at 0.001× a 1 ms hop takes a real second.
  for (let i = 0; i < 200 && await page.locator('[data-testid=network] circle.message').count() === 0; i += 1) {
    await page.getByTestId('step').click();
  }
  await playground.setSpeed('0.001×');
  await playground.play();
  await page.waitForFunction(() => /^[1-9]\d* message\(s\) on the wire/.test(
    document.querySelector('[data-testid=network-summary]').textContent));
  assert.ok(await page.locator('[data-testid=network] circle.message').count() > 0);
  console.log('screenshot:', await playground.screenshot('network-slow-motion'));
  assert.deepEqual(playground.errors, []);
});

test('drag across a link in the network view to cut it, click it to heal it', async () => {
  const playground = await suite.open(12, { width: 1280, height: 900 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.brokersOnline();
  // Paused, so nothing above the network view changes height between measuring the link and
  // the stroke (a stroke that misses by a few pixels cuts nothing). A knife works paused too.
  await playground.play();
  await page.waitForFunction(() => document.querySelector('[data-testid=play]').getAttribute('aria-pressed') === 'false');
  // The middle of the B2–B3 arc in page pixels, and a short stroke across it.
  const link = page.locator('[data-testid=network] polyline[data-link="B2-B3"]');
  await page.getByTestId('network').scrollIntoViewIfNeeded();
  const middle = await link.evaluate((line) => {
    const p = line.getPointAtLength(line.getTotalLength() / 2);
    const screen = new DOMPoint(p.x, p.y).matrixTransform(line.getScreenCTM());
    return { x: screen.x, y: screen.y };
  });
  await page.mouse.move(middle.x, middle.y - 5);
  await page.mouse.down();
  await page.mouse.move(middle.x, middle.y + 2, { steps: 3 });
  await page.locator('[data-testid=network] .knife').waitFor({ state: 'attached' });
  await page.mouse.move(middle.x, middle.y + 5, { steps: 2 });
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('polyline[data-link="B2-B3"]').classList.contains('cut'));
  assert.equal(await page.locator('[data-testid=network] polyline.cut').count(), 1, 'the knife cut one link');
  assert.match(await page.getByTestId('network-summary').textContent(), /1 cut link\(s\)/);
  assert.ok((await playground.events()).some((e) => e.includes('network cut between broker 2 and broker 3')),
    (await playground.events()).join('\n'));
  console.log('screenshot:', await playground.screenshot('network-knife'));

  await page.mouse.click(middle.x, middle.y);
  await page.waitForFunction(() => !document.querySelector('polyline[data-link="B2-B3"]').classList.contains('cut'));
  assert.match(await page.getByTestId('network-summary').textContent(), /0 cut link\(s\)/);
  assert.deepEqual(playground.errors, []);
});

test('a new cluster starts with fresh forms and console: what was typed for the last run stays with it', async () => {
  const playground = await suite.open(7);
  const { page } = playground;
  await playground.createTopic();
  await page.getByTestId('producer-acks').selectOption('1');
  await page.getByTestId('producer-transactional-id').fill('payments-tx');
  await playground.console('kafka-topics.sh --bootstrap-server localhost:9092 --list');
  await settles(async () => (await page.getByTestId('console-output').textContent()).includes('orders'), true,
    'the console lists the topic');

  await page.getByTestId('new-cluster').click();
  await page.getByRole('button', { name: 'Start over' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=partition]').length === 0);
  // Kafka's defaults again: acks=all and no transactional.id, so the next producer's sends
  // do not fail for settings of a run left behind.
  assert.equal(await page.getByTestId('producer-acks').inputValue(), 'all');
  assert.equal(await page.getByTestId('producer-transactional-id').inputValue(), '');
  assert.equal((await page.getByTestId('console-output').textContent()).includes('orders'), false,
    'the console shows nothing of the last cluster');
  await playground.createTopic();
  await playground.addProducer();
  await page.getByTestId('send').click();
  await playground.play();
  await settles(async () => /: acknowledged: partition \d+, offset 0,/.test(await page.getByTestId('operation').first().textContent()),
    true, 'the send is acknowledged');
  // A refusal is about the run it happened in: the next run starts without it.
  await page.getByTestId('producer-name').fill('producer-1'); // the first producer's name
  await page.getByTestId('producer-add').click();
  await page.getByTestId('producer-error').waitFor();
  await page.getByTestId('new-cluster').click();
  await page.getByRole('button', { name: 'Start over' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=partition]').length === 0);
  assert.equal(await page.getByTestId('producer-error').count(), 0, 'the last run\'s refusal is gone');
  assert.deepEqual(playground.errors, []);
});

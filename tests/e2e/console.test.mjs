// End to end: the console speaks kafka-topics.sh; what it creates appears in the page and in
// the run's timeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();
const TOPICS = 'kafka-topics.sh --bootstrap-server localhost:9092';

test('kafka-topics.sh creates, describes and refuses as Kafka does', async () => {
  const playground = await suite.open(9, { width: 1400, height: 1100 });
  const { page } = playground;
  await playground.setSpeed('10×');
  await playground.play();
  await playground.brokersOnline();
  await playground.console(`${TOPICS} --create --topic payments --partitions 2 --replication-factor 3 --config min.insync.replicas=2`);
  await page.getByTestId('topic').first().waitFor();
  assert.match(await page.getByTestId('topic').textContent(), /payments · 2 partition\(s\) · replication factor 3 · min\.insync\.replicas=2/);
  await playground.console(`${TOPICS} --describe --topic payments`);
  await playground.console(`${TOPICS} --create --topic payments`);
  const transcript = await page.getByTestId('console-output').textContent();
  assert.match(transcript, /Created topic payments\./);
  assert.match(transcript, /Topic: payments\tTopicId: \S{22}\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: min\.insync\.replicas=2/);
  assert.match(transcript, /\tTopic: payments\tPartition: 1\tLeader: \d\tReplicas: [\d,]+\tIsr: [\d,]+\tElr: \tLastKnownElr: /);
  assert.match(transcript, /Error while executing topic command : Topic 'payments' already exists\./);
  console.log('screenshot:', await playground.screenshot('console'));
  assert.deepEqual(playground.errors, []);
});

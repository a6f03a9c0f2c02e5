// End to end: what a newcomer could not read. The network drawing's labels stay at least
// 11 CSS px on screen on a narrow page (the drawing scales with its width) without running
// into each other or out of the brokers' circles on a phone's 360 px, and a disabled
// button (a lesson's Back and Next) keeps text contrast of at least 3:1 in both themes while
// still looking disabled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playgroundSuite } from './harness.mjs';

const suite = playgroundSuite();

for (const width of [480, 1280]) {
  test(`at ${width} px the network's labels are at least 11 px on screen`, async () => {
    const playground = await suite.open(3, { width, height: 900 });
    const { page } = playground;
    await playground.createTopic(1);
    await playground.addProducer();
    const network = page.getByTestId('network');
    await network.scrollIntoViewIfNeeded();
    await playground.twoFrames();
    // A label's font size on screen: its size in drawing units times the drawing's scale.
    const sizes = await page.evaluate(() => [...document.querySelectorAll('.network .node text')].map((text) => {
      const scale = text.getScreenCTM().a;
      return { label: text.textContent, px: parseFloat(getComputedStyle(text).fontSize) * scale };
    }));
    assert.ok(sizes.length >= 5, JSON.stringify(sizes));
    for (const { label, px } of sizes) assert.ok(px >= 10.9, `${label}: ${px.toFixed(1)} px`);
    await playground.screenshotThemes(`network-labels-${width}`, network);
    assert.deepEqual(playground.errors, []);
  });
}

test('at 360 px the network\'s labels neither overlap nor leave the brokers\' circles, with eight clients', async () => {
  const playground = await suite.open(3, { width: 360, height: 900 });
  const { page } = playground;
  for (let i = 0; i < 8; i++) {
    await playground.addProducer();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=producer]').length === n, i + 1);
  }
  const network = page.getByTestId('network');
  await network.scrollIntoViewIfNeeded();
  await playground.twoFrames();
  const seen = await page.evaluate(() => {
    const box = (e) => { const r = e.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom }; };
    return [...document.querySelectorAll('.network .node')].map((node) => ({
      label: node.querySelector('text').textContent,
      text: box(node.querySelector('text')),
      circle: box(node.querySelector('circle')),
    }));
  });
  assert.equal(seen.filter((n) => n.label.startsWith('producer')).length, 8, JSON.stringify(seen.map((n) => n.label)));
  const meet = (a, b) => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
  for (let i = 0; i < seen.length; i++) {
    for (let j = i + 1; j < seen.length; j++) {
      assert.ok(!meet(seen[i].text, seen[j].text), `${seen[i].label} and ${seen[j].label} overlap`);
    }
  }
  for (const { label, text, circle } of seen.filter((n) => /^B\d+$/.test(n.label))) {
    const inside = text.l >= circle.l && text.r <= circle.r && text.t >= circle.t && text.b <= circle.b;
    assert.ok(inside, `${label} leaves its circle: ${JSON.stringify({ text, circle })}`);
  }
  await playground.screenshotThemes('network-labels-360-eight-clients', network);
  assert.deepEqual(playground.errors, []);
});

/** WCAG's contrast ratio of two `rgb(...)` colours. */
function contrast(a, b) {
  const luminance = ([r, g, b]) => {
    const linear = (c) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const [la, lb] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (la + 0.05) / (lb + 0.05);
}

for (const colorScheme of ['dark', 'light']) {
  test(`in the ${colorScheme} theme a disabled button's text has at least 3:1 contrast and looks disabled`, async () => {
    const playground = await suite.open(16, { width: 1280, height: 900 }, { colorScheme });
    const { page } = playground;
    const panel = await playground.startLesson('acks');
    const found = [];
    for (const id of ['lesson-back', 'lesson-next']) {
      const button = panel.getByTestId(id);
      // Back is disabled on the first step; Next on a step not done yet (the first is done
      // as the lesson opens, so the second).
      if (id === 'lesson-next' && !(await button.isDisabled())) await button.click();
      await page.waitForFunction((testid) => document.querySelector(`[data-testid=${testid}]`)?.disabled, id);
      // The colours as painted: the button's text and fill, each over what lies behind the
      // button by the button's opacity.
      const seen = await button.evaluate((b) => {
        const rgb = (c) => c.match(/[\d.]+/g).map(Number);
        const behind = (e) => {
          for (let p = e.parentElement; p; p = p.parentElement) {
            const c = rgb(getComputedStyle(p).backgroundColor);
            if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
          }
          return [255, 255, 255];
        };
        const style = getComputedStyle(b);
        const under = behind(b);
        const over = (c, alpha) => c.slice(0, 3).map((v, i) => v * alpha + under[i] * (1 - alpha));
        const opacity = Number(style.opacity);
        const fill = rgb(style.backgroundColor);
        const fillAlpha = (fill[3] ?? 1) * opacity;
        const background = over(fill, fillAlpha);
        // The button is composited as one layer: where its text is, the text over what lies behind.
        const text = over(rgb(style.color), opacity);
        return { text, background, enabledText: rgb(getComputedStyle(b.parentElement).color), under, border: style.borderStyle, cursor: style.cursor };
      });
      found.push({ id, seen, ratio: contrast(seen.text, seen.background) });
    }
    // Half opacity left the primary Next at 2.9:1 (dark) and 2.2:1 (light).
    for (const { id, seen, ratio } of found) {
      assert.ok(ratio >= 3, `${id}: ${ratio.toFixed(2)}:1 ${JSON.stringify(seen)}`);
      assert.ok(ratio < contrast(seen.enabledText, seen.under), `${id}: dimmer than the panel's text`);
    }
    for (const { id, seen } of found) assert.equal(seen.border, 'dashed', `${id} looks disabled`);
    await panel.scrollIntoViewIfNeeded();
    console.log('screenshot:', await playground.screenshot(`disabled-buttons-${colorScheme}`, { fullPage: false }));
    await page.setViewportSize({ width: 480, height: 900 });
    console.log('screenshot:', await playground.screenshot(`disabled-buttons-${colorScheme}-480`, { fullPage: false }));
    assert.deepEqual(playground.errors, []);
  });
}

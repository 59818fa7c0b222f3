// The page on a phone: a 375-px touch viewport (and a 320-px one), digits
// drawn with touch events through CDP, no scrolling while drawing, nothing
// wider than the screen. Screenshots: tests/artifacts/mobile-{light,dark}.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  UNTRAINED, openPage, drawWithTouch, drawAll, result, screenshot, openSuite, closeSuite,
} from '../e2e/harness.mjs';

const PHONE = { viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
let server, origin, browser, digits, trained;

before(async () => ({ server, origin, browser, digits, trained } = await openSuite()));
after(() => closeSuite({ server, browser }));

async function phonePage(options = {}) {
  const context = await browser.newContext({ ...PHONE, ...options });
  const { page, problems } = await openPage(context, origin);
  const cdp = await context.newCDPSession(page);
  return { context, page, problems, cdp };
}

const noOverflow = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

test('every authored digit drawn with a finger on a 375-px phone is read correctly', async (t) => {
  if (!trained) return t.skip(UNTRAINED);
  const { context, page, problems, cdp } = await phonePage();
  const wrong = await drawAll(page, digits, (strokes) => drawWithTouch(page, cdp, strokes));
  assert.deepEqual(wrong, [], `${wrong.length} of ${digits.length} digits read wrongly`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('drawing with a finger does not scroll the page; the layout fits the phone and does not shift', async () => {
  const { context, page, problems, cdp } = await phonePage();
  assert.ok(await noOverflow(page), 'no horizontal scrolling at 375 px');
  const box = await page.locator('#pad').boundingBox();
  assert.ok(box.width >= 250 && box.x >= 0 && box.x + box.width <= 375, JSON.stringify(box));
  await page.evaluate(() => {
    window.inkreadShifts = [];
    new PerformanceObserver((list) => window.inkreadShifts.push(...list.getEntries().map((e) => e.value)))
      .observe({ type: 'layout-shift' });
    window.scrollTo(0, 40);
  });
  const before = await page.evaluate(() => window.scrollY);
  // A mostly vertical drag, which would scroll a page that did not claim the touch.
  await drawWithTouch(page, cdp, [[[0.5, 0.15], [0.5, 0.85]]]);
  const r = await result(page);
  assert.notEqual(r.prediction, '', 'the finger drew');
  assert.equal(await page.evaluate(() => window.scrollY), before, 'the page did not scroll');
  const shift = await page.evaluate(() => window.inkreadShifts.reduce((a, b) => a + b, 0));
  assert.ok(shift < 0.001, `the result appeared with a layout shift of ${shift}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a 320-px phone has no horizontal overflow', async () => {
  const { context, page, problems } = await phonePage({ viewport: { width: 320, height: 568 } });
  assert.ok(await noOverflow(page));
  await page.click('#model-card summary');
  await page.waitForSelector('#model-card-body dl');
  assert.ok(await noOverflow(page), 'with the model card open');
  assert.deepEqual(problems, []);
  await context.close();
});

test('mobile screenshots in light and dark mode', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { context, page, problems, cdp } = await phonePage({ colorScheme });
    await drawWithTouch(page, cdp, digits.find((d) => d.label === 2).strokes);
    await result(page);
    await screenshot(page, `mobile-${colorScheme}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

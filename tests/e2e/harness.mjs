// Shared by the page's end-to-end tests (tests/node/e2e-*.test.mjs): the
// built site served on an ephemeral port, Debian's Chromium through
// playwright-core, pointer strokes from tests/e2e/strokes.json, and the checks
// every test makes (no console errors, no request outside the origin).
import { readFile, mkdir, access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../../scripts/serve.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The site under test: dist/site (npm run build), or INKREAD_SITE. */
export const SITE = process.env.INKREAD_SITE ?? `${ROOT}dist/site/`;
export const ARTIFACTS = `${ROOT}tests/artifacts/`;
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const LAUNCH = { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS };
export const READY_TIMEOUT = 20_000;

const exists = (p) => access(p).then(() => true, () => false);

/**
 * Whether the site runs the trained model. Tests that check which digit is
 * predicted need it; before the trainer ships models/mnist.inkr the site
 * carries a random-weight test model and those tests are skipped.
 * Returns true or a skip reason.
 */
export async function trainedModel() {
  if (process.env.INKREAD_SITE) return true;
  const shipped = `${ROOT}models/mnist.inkr`;
  if (!(await exists(shipped))) return false;
  const [a, b] = await Promise.all([readFile(shipped), readFile(`${SITE}models/mnist.inkr`)]);
  if (!a.equals(b)) throw new Error('dist/site/models/mnist.inkr differs from models/mnist.inkr: run npm run build');
  return true;
}
export const UNTRAINED = 'needs the trained models/mnist.inkr (the site runs the random-weight test model)';

export async function loadStrokes() {
  return JSON.parse(await readFile(new URL('strokes.json', import.meta.url), 'utf8')).digits;
}

export async function startServer(dir = SITE) {
  const server = await serveStatic(dir, 0);
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

export const launch = () => chromium.launch(LAUNCH);

/** What a browser test file starts before its tests: the site's server, Chromium, the strokes, the model's kind. */
export async function openSuite() {
  const { server, origin } = await startServer();
  return { server, origin, browser: await launch(), digits: await loadStrokes(), trained: await trainedModel() };
}

export async function closeSuite({ server, browser } = {}) {
  await browser?.close();
  server?.close();
}
export const launchPersistent = (dir, options = {}) =>
  chromium.launchPersistentContext(dir, { ...LAUNCH, ...options });

/**
 * Records what must never happen on the page: console errors, uncaught
 * exceptions, failed requests, and any request outside `origin`.
 */
export function watch(context, page, origin) {
  const problems = [];
  const outside = (url) => !url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:');
  context.on('request', (r) => outside(r.url()) && problems.push(`request outside the origin: ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  return problems;
}

/** Opens the page and waits until a prediction can be made. */
export async function openPage(context, origin, { path = '/index.html', forceNoSimd = false } = {}) {
  const page = await context.newPage();
  const problems = watch(context, page, origin);
  if (forceNoSimd) {
    // Fakes a browser without WASM SIMD: only the page's 31-byte probe fails.
    await page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => (bytes.byteLength === 31 ? false : validate(bytes));
    });
  }
  await page.goto(`${origin}${path}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: READY_TIMEOUT });
  return { page, problems };
}

/** Points along a polyline about every `spacing` px (pad coordinates -> page pixels). */
function densify(points, box, spacing = 24) {
  const px = points.map(([x, y]) => [box.x + x * box.width, box.y + y * box.height]);
  const out = [px[0]];
  for (let i = 1; i < px.length; i++) {
    const [x0, y0] = px[i - 1];
    const [x1, y1] = px[i];
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / spacing));
    for (let k = 1; k <= n; k++) out.push([x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n]);
  }
  return out;
}

/** Draws strokes on #pad with real mouse events (pointerdown, pointermoves, pointerup). */
export async function drawWithMouse(page, strokes) {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  for (const stroke of strokes) {
    const points = densify(stroke, box);
    await page.mouse.move(...points[0]);
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...p);
    await page.mouse.up();
  }
}

/** Draws strokes with touch events through CDP (touchStart, touchMove..., touchEnd). */
export async function drawWithTouch(page, cdp, strokes) {
  await page.locator('#pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#pad').boundingBox();
  for (const stroke of strokes) {
    const points = densify(stroke, box, 24);
    const touch = (type, [x, y]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    await touch('touchStart', points[0]);
    for (const p of points.slice(1)) await touch('touchMove', p);
    await touch('touchEnd', points[points.length - 1]);
  }
}

/** Waits until no prediction is pending, then reads the result hooks. */
export async function result(page) {
  await page.waitForFunction(() => document.body.dataset.busy === '0', null, { timeout: 10_000 });
  return page.evaluate(() => ({
    prediction: document.getElementById('prediction').textContent,
    confidence: document.getElementById('confidence').textContent,
    message: document.getElementById('message').textContent,
  }));
}

/** Clears the pad and waits for the empty result. */
export async function clearPad(page) {
  await page.click('#clear');
  await page.waitForFunction(() => document.getElementById('prediction').textContent === '');
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.waitForTimeout(250); // let the bars' transitions finish
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** Draws every digit and returns the ones read wrongly, as readable strings. */
export async function drawAll(page, digits, draw) {
  const wrong = [];
  for (const d of digits) {
    await draw(d.strokes);
    const r = await result(page);
    if (r.prediction !== String(d.label)) {
      wrong.push(`${d.label} (${d.name}): read '${r.prediction}' ${r.confidence} ${r.message}`);
    }
    await clearPad(page);
  }
  return wrong;
}

// Assembles dist/site/: the page (web/), the WASM modules and the model, a
// self-contained folder that any static host can serve.
import { cp, mkdir, rm, access, readFile, readdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';

const SITE = 'dist/site';
const WASM_DIR = 'build-wasm/bin';
const MODEL = 'models/mnist.inkr';
const FALLBACK_MODEL = 'build/testdata/model-flatten.inkr';

const exists = (p) => access(p).then(() => true, () => false);

await rm(SITE, { recursive: true, force: true });
await mkdir(`${SITE}/models`, { recursive: true });
await cp('web', SITE, { recursive: true });
// The core module of each build is the page's first download; the full
// module (decoding, number reading) is loaded on first use.
for (const module of ['core', 'full']) {
  for (const variant of ['simd', 'baseline']) {
    const name = `inkread_${module}_${variant}.wasm`;
    await cp(`${WASM_DIR}/${name}`, `${SITE}/${name}`);
  }
}
if (await exists(MODEL)) {
  await cp(MODEL, `${SITE}/models/mnist.inkr`);
} else {
  // Before the trainer has shipped a model, the page runs a random-weight test
  // model so that everything else can be built and tested.
  console.warn(`build-site: ${MODEL} not found; using the untrained test model`);
  if (!(await exists(FALLBACK_MODEL))) {
    await mkdir('build/testdata', { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('build/bin/inkread-testdata', ['build/testdata'], { stdio: 'inherit' });
  }
  await cp(FALLBACK_MODEL, `${SITE}/models/mnist.inkr`);
}
// Comments are for the source, not for the page's download: they are removed
// from the site's JavaScript (acorn finds them, so strings, regular
// expressions and template literals stay as they are) and CSS; a whole-line
// comment goes with its line. Without node-acorn (Debian's, which emcc also
// needs) the files are copied as they are.
const acorn = await import('/usr/share/nodejs/acorn/dist/acorn.mjs').catch(() => null);
if (!acorn) console.warn('build-site: node-acorn not found; JavaScript comments are kept');

function withoutRanges(text, ranges) {
  let out = '';
  let pos = 0;
  for (let [start, end] of ranges) {
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const lineEnd = text.indexOf('\n', end) === -1 ? text.length : text.indexOf('\n', end);
    const alone = !text.slice(lineStart, start).trim() && !text.slice(end, lineEnd).trim();
    if (alone) [start, end] = [lineStart, Math.min(text.length, lineEnd + 1)];
    else while (start > pos && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    out += text.slice(pos, start);
    pos = end;
  }
  return out + text.slice(pos);
}

function stripJs(text, file) {
  const ranges = [];
  acorn.parse(text, {
    ecmaVersion: 'latest',
    sourceType: file.endsWith('boot.js') || file.endsWith('sw.js') ? 'script' : 'module',
    onComment: (block, _, start, end) => ranges.push([start, end]),
  });
  return withoutRanges(text, ranges);
}

// CSS has no strings with '/*' in this site, nor the HTML '<!--' outside comments.
const matches = (text, re) => [...text.matchAll(re)].map((m) => [m.index, m.index + m[0].length]);
const stripCss = (text) => withoutRanges(text, matches(text, /\/\*[\s\S]*?\*\//g));
const stripHtml = (text) => withoutRanges(text, matches(text, /<!--[\s\S]*?-->/g));

for (const entry of await readdir(SITE, { recursive: true, withFileTypes: true })) {
  const file = `${entry.path}/${entry.name}`;
  if (!entry.isFile()) continue;
  if (acorn && /\.m?js$/.test(entry.name)) await writeFile(file, stripJs(await readFile(file, 'utf8'), file));
  if (entry.name.endsWith('.css')) await writeFile(file, stripCss(await readFile(file, 'utf8')));
  if (entry.name.endsWith('.html')) await writeFile(file, stripHtml(await readFile(file, 'utf8')));
}

// Stamp a hash of the site's content into the service worker, so that every
// deploy that changes any file is a new service worker with a fresh cache.
const hash = createHash('sha256');
for (const entry of (await readdir(SITE, { recursive: true, withFileTypes: true })).sort((a, b) =>
  `${a.path}/${a.name}`.localeCompare(`${b.path}/${b.name}`))) {
  if (!entry.isFile() || entry.name === 'sw.js') continue;
  hash.update(`${entry.path}/${entry.name}\0`).update(await readFile(`${entry.path}/${entry.name}`));
}
const version = hash.digest('hex').slice(0, 12);
const sw = await readFile(`${SITE}/sw.js`, 'utf8');
if (!/^const VERSION = .*;$/m.test(sw)) throw new Error('build-site: sw.js has no VERSION line');
await writeFile(`${SITE}/sw.js`, sw.replace(/^const VERSION = .*;$/m, `const VERSION = '${version}';`));
console.log(`build-site: wrote ${SITE}/ (version ${version})`);

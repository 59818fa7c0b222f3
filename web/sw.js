// Service worker: makes the page work offline.
// - install: caches every file of the site (every WASM module, also those the
//   page loads only on first use, and the model).
// - fetch: network first, so a new deploy reaches people as soon as they are
//   online, and every response that arrives refreshes the cache; when the
//   network fails, the cached copy answers.
// - activate: removes the caches of older versions of this file.
// Only same-origin GET requests are handled; the page makes no others.
// build-site.mjs replaces this with a hash of the site's files on every build.
const VERSION = 'dev';
const CACHE = `inkread-v${VERSION}`;
const ASSETS = [
  './',
  'index.html',
  'style.css',
  'boot.js',
  'app.js',
  'pad.js',
  'debug.js',
  'modelcard.js',
  'worker.js',
  'inkread.js',
  'number.js',
  'number.css',
  'number-worker.js',
  'uploads.js',
  'inkread_core_simd.wasm',
  'inkread_core_baseline.wasm',
  'inkread_full_simd.wasm',
  'inkread_full_baseline.wasm',
  'models/mnist.inkr',
  'manifest.webmanifest',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // 'no-cache': revalidate with the server, so an install never caches a stale file.
      await cache.addAll(ASSETS.map((url) => new Request(url, { cache: 'no-cache' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('inkread-') && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(networkFirst(event, request));
});

async function networkFirst(event, request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') {
      event.waitUntil(cache.put(request, response.clone()));
    }
    return response;
  } catch (error) {
    // Offline: the cached copy; a navigation with a query (?build=baseline) gets the page.
    const cached = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
    if (cached) return cached;
    throw error;
  }
}

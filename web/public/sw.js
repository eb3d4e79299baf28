// DermaFollow's service worker: the app shell only, so the app opens from the home screen like an
// app and starts even on a bad connection. It never stores an API answer, a photo, a WebSocket or
// anything of another origin: clinical data must not outlive the session in a browser cache.
//
// - Fingerprinted files under /assets/ (Vite puts a content hash in each name): cache first, kept.
// - Page loads (navigations): the network first; offline, the cached shell (/index.html), whose
//   scripts then say plainly that the server cannot be reached.
// - Everything else (/api/, /ws, /s3/, /config.json, other origins) is not touched at all.

const SHELL_CACHE = 'dermafollow-shell-v1';
const SHELL = ['/index.html', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  // Older shells go: a new deployment's index.html names new asset files.
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== SHELL_CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

function isShellAsset(url) {
  return url.origin === self.location.origin && url.pathname.startsWith('/assets/');
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (request.mode === 'navigate' && url.origin === self.location.origin && !url.pathname.startsWith('/api/')) {
    event.respondWith(fetch(request).catch(() => caches.match('/index.html')));
    return;
  }
  if (isShellAsset(url)) {
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
  // Anything else: no respondWith, so the browser fetches it as if there were no worker.
});

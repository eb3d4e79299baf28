// Installable on phones: the web app manifest (public/manifest.webmanifest) and a service worker
// (public/sw.js) that keeps the app shell only, never an API answer or a photo.

/** Registers the service worker once the page has loaded (it must not slow the first paint). */
export function registerServiceWorker(nav: Navigator = navigator, win: Window = window): void {
  if (!('serviceWorker' in nav)) return;
  win.addEventListener('load', () => {
    nav.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
      // Without it the app still works; it just cannot be installed or start offline.
    });
  });
}

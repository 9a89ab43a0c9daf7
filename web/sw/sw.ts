// Nichoir's service worker: the app shell (scripts, styles, icons) cached per build so the app
// opens at once and works from a phone's home screen; live data (/api) never cached; an honest
// offline page when the host cannot be reached. A new build is a new worker (its file carries the
// build's version): it caches the new shell, takes over, and drops the old one.
/// <reference lib="webworker" />
export type {};

declare const self: ServiceWorkerGlobalScope;
/** The build's files under /assets/, listed by web/build.mjs. */
declare const PRECACHE: string[];
/** A hash of those files: a new build is a new worker. */
declare const VERSION: string;

const CACHE = `nichoir-${VERSION}`;
const OFFLINE_PAGE = "/assets/offline.html";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      // Live data skips the worker altogether where the browser can say so (static routing, in
      // Chromium): a request that a closing page sends with `keepalive` (pads/image-remove.ts
      // deleting a removed image's file) is otherwise often lost on its way through a worker.
      const install = event as ExtendableEvent & { addRoutes?: (rules: object[]) => Promise<void> };
      await install.addRoutes?.([{ condition: { urlPattern: "/api/*" }, source: "network" }]).catch(() => undefined);
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE);
      // The new shell is complete: no need to wait for the old tabs to close.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("nichoir-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  // Other origins, live data and the worker itself go to the network as they are.
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
  if (request.mode === "navigate") {
    // Pages: always the host's current one; without the network, say so plainly.
    event.respondWith(fetch(request).catch(async () => (await caches.match(OFFLINE_PAGE)) ?? Response.error()));
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    // This build's files: from the cache (they change only with the build, and so does the cache).
    event.respondWith(
      (async () => {
        const cached = await caches.match(request, { ignoreSearch: true });
        return cached ?? fetch(request);
      })(),
    );
  }
});

/** What the server pushes (crates/notify/src/model.rs `PushPayload`), decrypted by the browser. */
interface PushPayload {
  id: number;
  kind: string;
  title: string;
  body: string;
  url: string;
  tag: string;
  ring: boolean;
  cancel?: boolean;
}

self.addEventListener("push", (event) => {
  let p: PushPayload | null;
  try {
    p = event.data?.json() as PushPayload;
  } catch {
    p = null;
  }
  if (!p || typeof p.tag !== "string") return;
  const payload = p;
  event.waitUntil(
    (async () => {
      if (payload.cancel) {
        // A call answered or given up elsewhere: stop ringing here.
        for (const n of await self.registration.getNotifications({ tag: payload.tag })) n.close();
        return;
      }
      // A tab of the app in front already shows it in the bell.
      const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      if (tabs.some((c) => (c as WindowClient).focused && (c as WindowClient).visibilityState === "visible")) return;
      await self.registration.showNotification(payload.title || "Nichoir", {
        body: payload.body,
        tag: payload.tag,
        icon: "/assets/icons/icon-192.png",
        badge: "/assets/icons/icon-192.png",
        data: { url: payload.url, id: payload.id },
        requireInteraction: payload.ring,
      } as NotificationOptions);
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = (event.notification.data ?? {}) as { url?: string; id?: number };
  const url = new URL(data.url && data.url.startsWith("/") ? data.url : "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const c of tabs) {
        const w = c as WindowClient;
        if (new URL(w.url).origin === self.location.origin) {
          await w.focus();
          await w.navigate(url).catch(() => undefined);
          return;
        }
      }
      await self.clients.openWindow(url);
    })(),
  );
});

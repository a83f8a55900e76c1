// Tenant Desk's service worker: shows Web Push notifications (tenantdesk/notifications/
// push.py sends them) and opens the request on a click. It handles no fetches.

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      // A visible page of the site shows the message live; no notification over it.
      if (windows.some((client) => client.visibilityState === "visible")) return;
      await self.registration.showNotification(data.title || "Tenant Desk", {
        body: data.body || "",
        tag: data.tag,
        data: { url: data.url || "/" },
      });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((client) => client.url === url);
      if (open) return open.focus();
      return self.clients.openWindow(url);
    })(),
  );
});

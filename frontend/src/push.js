// Web Push in the browser: registering the service worker (/sw.js) and
// subscribing this device with the server's VAPID key. Plain JavaScript
// because it is all promise plumbing over browser APIs; the app (Rust) posts
// the subscription to the server. Errors reject with a short code:
// "unsupported", "denied" or the browser's message.

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export function registerWorker() {
  if (!("serviceWorker" in navigator)) {
    return Promise.resolve(false);
  }
  return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => true, () => false);
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    bytes[i] = raw.charCodeAt(i);
  }
  return bytes;
}

// Asks for permission, registers the worker and subscribes; resolves with
// the subscription's JSON text ({endpoint, keys: {p256dh, auth}}).
export async function subscribePush(publicKey) {
  if (!pushSupported()) {
    throw "unsupported";
  }
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    throw "denied";
  }
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  const wanted = keyBytes(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription) {
    const current = subscription.options && subscription.options.applicationServerKey;
    const same = current && new Uint8Array(current).every((b, i) => b === wanted[i]);
    if (!same) {
      await subscription.unsubscribe();
      subscription = null;
    }
  }
  if (!subscription) {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: wanted,
    });
  }
  return JSON.stringify(subscription.toJSON());
}

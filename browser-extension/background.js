// activity-core website tracking: tells the activity-core tracker on this computer which page
// the focused tab of the focused browser window shows, through the native messaging host
// `dev.activity_core.browser`. One source for Chromium-based browsers (a service worker)
// and Firefox (a background script); no build step.
//
// Reported on every change: tab switch, window focus (including focus leaving the browser,
// reported as `none`), navigation, title change, in-page history changes (pushState,
// replaceState, hash), plus a heartbeat every 10 s while a tab stays focused. Private/incognito
// windows are never reported: the manifest keeps the extension out of them
// ("incognito": "not_allowed") and a tab that says it is incognito is skipped all the same.
"use strict";

const api = globalThis.browser ?? globalThis.chrome;
const HOST = "dev.activity_core.browser";
const HEARTBEAT_MS = 10_000;
const NONE = api.windows.WINDOW_ID_NONE;

function browserName() {
  const brands = (navigator.userAgentData?.brands ?? []).map((b) => b.brand);
  if (/Firefox\//.test(navigator.userAgent)) return "Firefox";
  if (brands.includes("Microsoft Edge")) return "Microsoft Edge";
  if (brands.includes("Google Chrome")) return "Google Chrome";
  if (brands.includes("Brave")) return "Brave";
  return "Chromium";
}
const BROWSER = browserName();

let port = null;
let retryMs = 1000;
let focusedWindow = null; // null: unknown yet, NONE: focus is not in a normal browser window
let queue = Promise.resolve();

function connect() {
  const connectedAt = Date.now();
  try {
    port = api.runtime.connectNative(HOST);
  } catch (e) {
    port = null;
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 60_000);
    return;
  }
  port.onMessage.addListener((m) => {
    if (m && m.type === "error") console.warn("activity-core host refused a message:", m.message);
  });
  port.onDisconnect.addListener(() => {
    const why = api.runtime.lastError?.message ?? "disconnected";
    console.warn("activity-core host:", why);
    port = null;
    // connectNative does not fail when the host is missing: the port disconnects at once.
    // Only a connection that lived a while resets the backoff, so a missing host is retried
    // less and less often (1 s doubling to a minute), not every second forever.
    if (Date.now() - connectedAt > 30_000) retryMs = 1000;
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 60_000);
  });
  report("connected");
}

function send(message) {
  if (!port) return;
  try {
    port.postMessage(message);
  } catch (e) {
    // The port closed under us: onDisconnect reconnects.
  }
}

async function current() {
  if (focusedWindow === NONE) return null;
  if (focusedWindow === null) return null; // not known yet: report nothing rather than guess
  const query = { active: true, windowId: focusedWindow };
  let tabs = [];
  try {
    tabs = await api.tabs.query(query);
  } catch (e) {
    return null; // the window closed meanwhile
  }
  const tab = tabs[0];
  if (!tab || tab.incognito || !tab.url) return null;
  return tab;
}

// Reports are queued so they reach the host in the order the browser's events came.
function report(reason) {
  queue = queue.then(async () => {
    const tab = await current();
    if (!tab) {
      send({ type: "none", reason, at: Date.now() });
      return;
    }
    send({
      type: "tab",
      url: tab.url,
      title: tab.title ?? "",
      browser: BROWSER,
      incognito: false,
      reason,
      at: Date.now(),
    });
  }).catch((e) => console.warn("activity-core report failed:", e));
}

api.tabs.onActivated.addListener(() => report("activated"));
api.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (!tab.active) return;
  if (change.url) report("navigation");
  else if (change.title) report("title");
});
api.tabs.onRemoved.addListener(() => report("closed"));
api.windows.onFocusChanged.addListener((windowId) => {
  focusedWindow = windowId;
  report(windowId === NONE ? "focus-left" : "focus");
});
api.windows.onRemoved.addListener(() => report("closed"));
// In-page navigation: pushState/replaceState and fragment changes, in the top frame.
for (const event of [api.webNavigation.onHistoryStateUpdated, api.webNavigation.onReferenceFragmentUpdated]) {
  event.addListener((d) => {
    if (d.frameId === 0) report("history");
  });
}

// The heartbeat while the same tab stays focused (a service worker stays alive while its
// native port is open); an alarm restarts everything if the worker was stopped anyway.
setInterval(() => report("heartbeat"), HEARTBEAT_MS);
api.alarms.create("activity-core-heartbeat", { periodInMinutes: 0.5 });
api.alarms.onAlarm.addListener(() => {
  if (!port) connect();
  else report("heartbeat");
});

// Where the focus is when the worker starts (a browser start, an update, a worker restart while
// the user is in another application or a private window): never assume the browser has it.
async function learnFocus() {
  try {
    const w = await api.windows.getLastFocused();
    if (focusedWindow === null) focusedWindow = w && w.focused && !w.incognito ? w.id : NONE;
  } catch (e) {
    if (focusedWindow === null) focusedWindow = NONE;
  }
}

learnFocus().finally(connect);

// This browser as a device of the account: a durable installation id (kept in localStorage, not
// tied to an account, never a secret) makes registering idempotent, so signing in again from the
// same browser - or a page and its player registering at once - gets the same device back; a
// name from the browser and the OS ("Chrome on Linux") tells the account's devices apart.
import { api } from "./api.js";

const INSTALLATION_KEY = "cinemesh.installation";

export function installationId() {
  let id = localStorage.getItem(INSTALLATION_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(INSTALLATION_KEY, id);
  }
  return id;
}

const BROWSERS = [
  [/Edg\//, "Edge"],
  [/OPR\//, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrome\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS = [
  [/Android/, "Android"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** {browser, os, type} of this browser, from User-Agent Client Hints where there are some. */
export function describeBrowser(nav = navigator) {
  const ua = nav.userAgent ?? "";
  const brands = (nav.userAgentData?.brands ?? []).map((b) => b.brand);
  const brand =
    brands.find((b) => /Edge|Opera|Chrome/.test(b) && !/Chromium|Not/.test(b)) ?? brands.find((b) => b === "Chromium");
  const browser = brand?.replace(/^Google /, "").replace(/^Microsoft /, "") ?? BROWSERS.find(([re]) => re.test(ua))?.[1] ?? "Browser";
  const platform = nav.userAgentData?.platform;
  const os = platform && platform !== "Unknown" ? platform : SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? "the web";
  const mobile = nav.userAgentData?.mobile ?? /Mobi/.test(ua);
  const type = /iPad|Tablet/.test(ua) ? "tablet" : mobile ? "smartphone" : "desktop";
  return { browser, os, type };
}

/** Registers (or finds again) this browser's device: the device id. */
export async function registerDevice({ replace = null } = {}) {
  const { browser, os, type } = describeBrowser();
  const body = {
    device_type: type,
    device_name: `${browser} on ${os}`,
    os,
    app_version: "web",
    installation_id: installationId(),
  };
  if (replace) body.replace_device_id = replace;
  const device = await api("/me/devices", { method: "POST", body });
  return device.device_id;
}

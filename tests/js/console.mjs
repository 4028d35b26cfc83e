// The account console in a real browser (Debian's Chromium through playwright-core),
// against a real accountd and a real SMTP listener, as a person would use it:
// sign up → verify through the mailed link → turn on 2FA with a code computed from the
// page's secret → log out → log in with the TOTP → log in elsewhere and sign that session
// out from the first → change the avatar → export and download → delete the account.
// Every page is checked by axe (no serious or critical violation) and photographed at
// desktop and phone widths.
//
// Environment: BASE_URL, MAIL_DIR (the SMTP sink's directory), SCREENSHOT_DIR,
// ADMIN_IDENTIFIER and ADMIN_PASSWORD (an administrator made by `accountd user create`).
import { createHmac } from "node:crypto";
import { deflateSync } from "node:zlib";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import AxeBuilder from "@axe-core/playwright";

const base = process.env.BASE_URL;
const mailDir = process.env.MAIL_DIR;
const shots = process.env.SCREENSHOT_DIR;
mkdirSync(shots, { recursive: true });

const password = "Console-Pass-42!";
const email = "jane.console@example.com";
const username = "janeconsole";
const desktop = { width: 1280, height: 900 };
const phone = { width: 375, height: 812 };
const problems = [];
let checks = 0;

function check(condition, what) {
  checks += 1;
  if (!condition) throw new Error("check failed: " + what);
}

// ---------- an independent TOTP (RFC 6238: SHA-1, 6 digits, 30 s) ----------

function base32(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

const usedSteps = new Set();
// A code of a time step no earlier login used (the API accepts each code once).
async function freshCode(secret) {
  for (;;) {
    const step = Math.floor(Date.now() / 1000 / 30);
    if (!usedSteps.has(step)) {
      usedSteps.add(step);
      return totp(secret, step);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---------- mail ----------

function mailLinks(recipient, path) {
  const links = [];
  for (const name of readdirSync(mailDir).filter((n) => n.endsWith(".eml")).sort()) {
    const raw = readFileSync(join(mailDir, name), "utf8");
    if (!raw.toLowerCase().includes(recipient.toLowerCase())) continue;
    // Undo quoted-printable soft breaks and base64 parts, then look for the link.
    let text = raw.replace(/=\r?\n/g, "").replace(/=3D/gi, "=");
    for (const chunk of raw.split(/\r?\n\r?\n/)) {
      const compact = chunk.replace(/\s+/g, "");
      if (/^[A-Za-z0-9+/=]{40,}$/.test(compact)) text += Buffer.from(compact, "base64").toString("utf8");
    }
    const match = text.match(new RegExp(path.replace(/[?]/g, "\\?") + "([A-Za-z0-9_-]+)"));
    if (match) links.push(match[0]);
  }
  return links;
}

async function waitForLink(recipient, path) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const links = mailLinks(recipient, path);
    if (links.length) return links[links.length - 1];
    if (Date.now() > deadline) throw new Error("no mail to " + recipient + " with " + path);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ---------- a small PNG, made here (a 64x64 gradient) ----------

function png(size, seed) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buffer) => {
    let c = 0xffffffff;
    for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;
  header[9] = 2;
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = [0];
    for (let x = 0; x < size; x++) row.push((x * 4 + seed) & 255, (y * 4) & 255, (seed * 3) & 255);
    rows.push(Buffer.from(row));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---------- the browser ----------

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function newPage(viewport = desktop) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(page.url() + ": " + error));
  page.on("console", (message) => {
    // A failed API call is logged by Chromium as a failed resource: the page shows it.
    if (message.type() === "error" && !message.text().includes("Failed to load resource")) problems.push(page.url() + ": " + message.text());
  });
  return page;
}

async function open(page, path) {
  await page.goto(base + path, { waitUntil: "load" });
  await page.waitForSelector("body[data-ready]", { timeout: 15000 });
}

const axeFindings = [];
async function audit(page, name) {
  const results = await new AxeBuilder({ page }).analyze();
  for (const violation of results.violations) {
    if (violation.impact === "serious" || violation.impact === "critical") {
      axeFindings.push(`${name}: ${violation.id} (${violation.impact}) ${violation.help} — ${violation.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
    }
  }
}

// Screenshots and axe at each width, of a page the given browser context can see; each in
// a fresh tab (one long-lived tab through dozens of pages has crashed Chromium here).
async function photograph(page, path, name, widths = [["desktop", desktop], ["phone", phone]]) {
  for (const [label, viewport] of widths) {
    const tab = await page.context().newPage();
    tab.on("pageerror", (error) => problems.push(path + ": " + error));
    tab.on("crash", () => problems.push(path + ": the tab crashed"));
    await tab.setViewportSize(viewport);
    await open(tab, path);
    await audit(tab, name + " @" + label);
    await tab.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: true });
    await tab.close();
  }
}

const started = Date.now();
const step = (text) => console.log(`  ${((Date.now() - started) / 1000).toFixed(1)} s  ${text}`);

try {
  // ---- the pages for people who are not signed in ----
  const visitor = await newPage();
  for (const name of ["login", "signup", "forgot-password"]) await photograph(visitor, "/" + name, name);
  // A refused sign-up shows the API's message next to the field it names.
  await open(visitor, "/signup");
  await visitor.getByLabel("Email").fill("not-an-email");
  await visitor.getByLabel("Username").fill("ok_name");
  await visitor.getByLabel("Password", { exact: true }).fill(password);
  await visitor.getByRole("button", { name: "Create account" }).click();
  await visitor.locator('[data-error-for="email"]:not(:empty)').waitFor();
  check((await visitor.getByLabel("Email").getAttribute("aria-invalid")) === "true", "the email field is marked invalid");
  step("auth pages, field errors");

  // ---- sign up ----
  const me = await newPage();
  await open(me, "/signup");
  await me.getByLabel("Email").fill(email);
  await me.getByLabel("Username").fill(username);
  await me.locator("[data-availability-status][data-available=true]").waitFor();
  await me.getByLabel("Password", { exact: true }).fill(password);
  await me.getByRole("button", { name: "Create account" }).click();
  await me.waitForURL(/\/settings\/profile/);
  await me.waitForSelector("body[data-ready]");
  check((await me.locator("#notice").textContent()).includes(email), "the welcome notice names the address");
  step("signed up");

  // ---- verify through the mailed link ----
  const verify = await waitForLink(email, "/verify-email?token=");
  await me.goto(base + verify);
  await me.getByRole("button", { name: "Confirm my email" }).click();
  await me.locator("#outcome.ok").waitFor();
  await open(me, "/settings/email");
  check((await me.locator("[data-me-verified]").textContent()) === "verified", "the email page says verified");
  step("verified through the mail");

  // ---- two-factor ----
  await open(me, "/settings/two-factor");
  await me.locator("#f-setup-password").fill(password);
  await me.getByRole("button", { name: "Start setup" }).click();
  await me.locator("[data-2fa-pending]:not([hidden])").waitFor();
  const qr = await me.locator("img[data-qr]").getAttribute("src");
  check(qr.startsWith("data:image/png;base64,"), "the QR code is an inline PNG");
  const secret = (await me.locator("[data-secret]").textContent()).trim();
  await me.locator("#f-enable-code").fill(await freshCode(secret));
  await me.locator("#f-enable-password").fill(password);
  const [codesFile] = await Promise.all([
    me.waitForEvent("download", { timeout: 15000 }).catch(() => null),
    (async () => {
      await me.getByRole("button", { name: "Turn on" }).click();
      await me.locator("[data-recovery]:not([hidden])").waitFor();
      await me.getByRole("link", { name: "Download" }).click();
    })(),
  ]);
  const recoveryCodes = await me.locator("[data-recovery-codes] code").allTextContents();
  check(recoveryCodes.length === 10, "ten recovery codes are shown");
  check(codesFile !== null, "the recovery codes download");
  const downloaded = readFileSync(await codesFile.path(), "utf8");
  check(recoveryCodes.every((code) => downloaded.includes(code)), "the downloaded file holds the codes");
  await me.locator("[data-2fa-status]", { hasText: "is on" }).waitFor();
  step("two-factor on");

  // ---- log out, log in with the TOTP ----
  await me.getByRole("button", { name: "Log out" }).click();
  await me.waitForURL(/\/login/);
  await me.waitForSelector("body[data-ready]");
  await me.getByLabel("Email or username").fill(username);
  await me.getByLabel("Password").fill(password);
  await me.getByRole("button", { name: "Log in", exact: true }).click();
  await me.getByLabel("Authentication or recovery code").fill(await freshCode(secret));
  await me.getByRole("button", { name: "Verify" }).click();
  await me.waitForURL(/\/settings\/profile/);
  await me.waitForSelector("body[data-ready]");
  step("logged in with the TOTP");

  // ---- log in elsewhere, sign that session out from here ----
  const elsewhere = await newPage();
  await open(elsewhere, "/login");
  await elsewhere.getByLabel("Email or username").fill(email);
  await elsewhere.getByLabel("Password").fill(password);
  await elsewhere.getByRole("button", { name: "Log in", exact: true }).click();
  await elsewhere.getByLabel("Authentication or recovery code").fill(recoveryCodes[0]);
  await elsewhere.getByRole("button", { name: "Verify" }).click();
  await elsewhere.waitForURL(/\/settings\/profile/);
  check((await elsewhere.request.get(base + "/v1/me")).status() === 200, "the other browser is signed in");
  await open(me, "/settings/sessions");
  check((await me.locator('[data-current="true"]').count()) === 1, "the current session is marked");
  check((await me.locator('[data-current="false"]').count()) === 1, "the other session is listed");
  await me.locator('[data-current="false"]').getByRole("button", { name: "Sign out" }).click();
  await me.locator('[data-current="false"]').waitFor({ state: "detached" });
  check((await elsewhere.request.get(base + "/v1/me")).status() === 401, "the other browser is signed out");
  await elsewhere.reload();
  await elsewhere.waitForURL(/\/login\?next=/);
  step("signed the other session out");

  // ---- change the avatar ----
  await open(me, "/settings/profile");
  const avatar = join(shots, "..", "console-avatar.png");
  writeFileSync(avatar, png(64, 40));
  await me.getByLabel("Avatar").setInputFiles(avatar);
  check((await me.locator('img[data-preview="avatar"]').getAttribute("src")).startsWith("blob:"), "the chosen picture is previewed");
  await me.getByRole("button", { name: "Upload avatar" }).click();
  await me.locator('img[data-preview="avatar"][data-saved]').waitFor();
  const profile = await (await me.request.get(base + "/v1/me")).json();
  check(profile.avatarUrl && (await me.locator('img[data-preview="avatar"]').getAttribute("src")) === profile.avatarUrl, "the avatar is saved and shown");
  // The profile form saves and the theme follows the preference.
  await me.getByLabel("Display name").fill("Jane Console");
  await me.getByLabel("Theme").selectOption("dark");
  await me.getByRole("button", { name: "Save profile" }).click();
  await me.locator("#notice", { hasText: "saved" }).waitFor();
  check((await me.evaluate(() => document.documentElement.dataset.theme)) === "dark", "the dark theme applies");
  step("avatar and profile changed");

  // ---- a token shown once, the live activity ----
  await open(me, "/settings/tokens");
  await me.locator("#f-token-name").fill("ci");
  await me.getByRole("button", { name: "Create token" }).click();
  // The panel is in the page from the start, hidden and empty: wait until the answer shows it.
  await me.locator("[data-new-token]").waitFor({ state: "visible" });
  check((await me.locator("[data-token-value]").textContent()).startsWith("pat_"), "the new token is shown once");
  await open(me, "/settings/activity");
  await me.locator("[data-live].ok").waitFor();
  await me.request.patch(base + "/v1/me", { data: { bio: "live" }, headers: { Origin: base } });
  await me.locator('[data-list="activity"] li[data-id] code', { hasText: "profile.updated" }).first().waitFor({ timeout: 15000 });
  step("token shown once, activity live");

  // ---- export and download ----
  await open(me, "/settings/export");
  await me.getByRole("button", { name: "Start an export" }).click();
  await me.locator("[data-export-download]:not([hidden])").waitFor({ timeout: 30000 });
  check((await me.locator("[data-export-progress]").getAttribute("value")) === "100", "the progress bar is full");
  const [archive] = await Promise.all([me.waitForEvent("download"), me.getByRole("link", { name: "Download the archive" }).click()]);
  const zip = readFileSync(await archive.path());
  check(zip.subarray(0, 2).toString() === "PK" && zip.includes("profile.json"), "the archive is a zip with profile.json");
  step("exported and downloaded");

  // ---- the admin pages ----
  const admin = await newPage();
  await open(admin, "/login");
  await admin.getByLabel("Email or username").fill(process.env.ADMIN_IDENTIFIER);
  await admin.getByLabel("Password").fill(process.env.ADMIN_PASSWORD);
  await admin.getByRole("button", { name: "Log in", exact: true }).click();
  await admin.waitForURL(/\/settings\/profile/);
  await photograph(admin, "/admin/users", "admin-users");
  await open(admin, "/admin/users");
  await admin.locator(`li[data-user="${username}"]`).waitFor();
  await photograph(admin, "/admin/activity", "admin-activity");
  step("admin pages");

  // ---- delete the account ----
  await open(me, "/settings/delete");
  await me.getByLabel("Current password").fill(password);
  await me.getByLabel("Two-factor code").fill(recoveryCodes[1]);
  await me.getByRole("button", { name: "Delete my account" }).click();
  await me.locator('[data-error-for="confirm"]:not(:empty)').waitFor();
  await me.getByLabel("I understand").check();
  await me.getByRole("button", { name: "Delete my account" }).click();
  await me.waitForURL(/\/login\?deleted=1/);
  check((await me.request.get(base + "/v1/me")).status() === 401, "the session ended with the account");
  check((await me.request.get(base + "/v1/usernames/" + username + "/availability")).ok, "the username answers");
  check((await (await me.request.get(base + "/v1/usernames/" + username + "/availability")).json()).available === true, "the username is free again");
  step("account deleted");
  await admin.request.patch(base + "/v1/me", { data: { preferences: { theme: "dark" } }, headers: { Origin: base } });
  // ---- screenshots and axe of every settings page (as the administrator, dark, then light at desktop width) ----
  const settings = ["profile", "email", "username", "password", "addresses", "two-factor", "passkeys", "sessions", "login-history", "tokens", "uploads", "linked-accounts", "activity", "export", "referrals", "perks", "delete"];
  for (const name of settings) await photograph(admin, "/settings/" + name, name);
  await admin.request.patch(base + "/v1/me", { data: { preferences: { theme: "light" } }, headers: { Origin: base } });
  for (const name of settings) await photograph(admin, "/settings/" + name, name + "-light", [["desktop", desktop]]);
  step("settings pages photographed and audited");

} catch (error) {
  problems.push(String(error.stack || error));
} finally {
  await browser.close();
}

problems.push(...axeFindings);
console.log(`console suite: ${checks} checks, ${readdirSync(shots).filter((n) => n.endsWith(".png")).length} screenshots in ${shots}`);
if (problems.length) {
  console.error("console suite FAILED:\n  " + problems.join("\n  "));
  process.exit(1);
}
console.log("console suite passed");

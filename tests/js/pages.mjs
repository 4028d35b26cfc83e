// Drives one of accountd's mail-link pages in headless Chromium, as a person would:
//   node pages.mjs click URL [SESSION_TOKEN]       press the page's button
//   node pages.mjs reset URL PASSWORD [REPEATED]   fill the new-password form and submit
//   node pages.mjs open URL                        only load the page
// Prints one JSON line: {"outcome": "ok"|"error"|"", "text": "...", "formVisible": bool}.
import { chromium } from "playwright-core";

const [action, url, ...rest] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const context = await browser.newContext();
  if (action === "click" && rest[0]) {
    const { hostname } = new URL(url);
    await context.addCookies([{ name: "accountd_session", value: rest[0], domain: hostname, path: "/", httpOnly: true, sameSite: "Lax" }]);
  }
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  await page.goto(url, { waitUntil: "load" });
  if (action === "reset") {
    await page.getByLabel("New password", { exact: true }).fill(rest[0]);
    await page.getByLabel("Repeat the new password").fill(rest[1] ?? rest[0]);
  }
  if (action === "click" || action === "reset") {
    await page.getByRole("button").click();
    await page.waitForFunction(() => document.getElementById("outcome").textContent.length > 0, null, { timeout: 15000 });
  } else {
    await page.waitForTimeout(300);
  }
  if (process.env.SCREENSHOT) {
    await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  }
  const result = await page.evaluate(() => ({
    outcome: document.getElementById("outcome").className,
    text: document.getElementById("outcome").textContent,
    formVisible: !document.getElementById("action").hidden,
  }));
  // CSP violations and script errors are failures of the page, whatever it shows.
  result.errors = errors.filter((e) => !e.includes("Failed to load resource"));
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}

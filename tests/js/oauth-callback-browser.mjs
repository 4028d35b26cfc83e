// Drives accountd's social login callback page in headless Chromium: opens the provider's
// authorization URL, lets the provider send the browser back to the page, and, when the
// page asks for a username, types one and submits. Prints one JSON line with what the
// browser ended up showing.
//
//   node oauth-callback-browser.mjs --url URL --username NAME
//   node oauth-callback-browser.mjs --start ACCOUNTD_AUTHORIZE_ROUTE --hint LOGIN_HINT --username NAME
//
// With --start the browser begins as a web app does: it asks accountd's authorize route
// (keeping the accountd_oauth cookie) and goes to the provider's URL with login_hint.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    start: { type: "string" },
    hint: { type: "string", default: "" },
    username: { type: "string", default: "" },
    chromium: { type: "string", default: process.env.CHROMIUM || "/usr/bin/chromium" },
  },
});

const userDataDir = mkdtempSync(join(tmpdir(), "accountd-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: values.chromium,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const out = { errors: [] };
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") out.errors.push(message.text());
  });
  page.on("pageerror", (error) => out.errors.push(String(error)));
  page.setDefaultTimeout(20000);

  if (values.start) {
    // The context's request API shares the browser's cookie jar, as a web app's fetch would.
    const answer = await context.request.get(values.start);
    const target = new URL((await answer.json()).url);
    target.searchParams.set("login_hint", values.hint);
    await page.goto(target.href);
  } else {
    await page.goto(values.url);
  }
  await page.waitForSelector("body[data-result]");
  out.first = await page.getAttribute("body", "data-result");
  if (out.first === "signup") {
    const field = page.getByLabel("Username");
    out.suggested = await field.inputValue();
    await field.fill(values.username);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForFunction(() => document.body.dataset.result !== "signup");
  }
  out.result = await page.getAttribute("body", "data-result");
  out.code = await page.getAttribute("body", "data-code");
  out.heading = (await page.textContent("h1")).trim();
  out.status = (await page.textContent("#status")).trim();
  out.url = page.url();
  out.sessionCookie = (await context.cookies()).some((cookie) => cookie.name === "accountd_session");
} catch (error) {
  out.errors.push(String(error));
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(out) + "\n");

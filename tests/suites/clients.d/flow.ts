// The TypeScript client's flow against a real server, through the packed package
// (@accountd/client: openapi-fetch over the generated paths, and its thin layer): register,
// verify by the mailed link, 2FA on and a login with it, sessions listed and one revoked,
// a personal access token made and used, user search, the admin listing, the activity
// stream resumed with Last-Event-ID, an avatar upload. Run by tests/suites/clients with
// ACCOUNTD_URL, ACCOUNTD_BIN, ACCOUNTD_DATA_DIR and MAIL_DIR set.
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { AccountdError, createAccountdClient, unwrap, type StreamEvent } from "@accountd/client";

const url = process.env.ACCOUNTD_URL!;
const mailDir = process.env.MAIL_DIR!;
const password = "Sunny-Kettle-42!";
const steps: string[] = [];

function step(name: string): void {
  steps.push(name);
  console.log(`  typescript: ${name}`);
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** RFC 6238 (SHA-1, 6 digits, 30 s), written here, independent of the server. */
function totp(secretBase32: string, atSeconds: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secretBase32.replace(/=+$/, "").toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atSeconds / 30)));
  const digest = createHmac("sha1", key).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  return String((digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

async function mailedToken(address: string, link: string): Promise<string> {
  const pattern = new RegExp(`${link.replace(/[/]/g, "\\/")}\\?token=([A-Za-z0-9_-]+)`);
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    for (const name of readdirSync(mailDir).filter((n) => n.endsWith(".eml")).sort().reverse()) {
      const text = readFileSync(join(mailDir, name), "utf8");
      const match = pattern.exec(text.replace(/=\r?\n/g, "").replace(/=3D/g, "="));
      if (text.includes(address) && match) return match[1];
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no mail with ${link} to ${address} within 30 s`);
}

async function expectError(status: number, code: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    assert(error instanceof AccountdError, `expected an AccountdError, got ${error}`);
    assert(error.status === status && error.code === code, `expected ${status} ${code}, got ${error.status} ${error.code}`);
    return;
  }
  throw new Error(`expected ${status} ${code}, the call succeeded`);
}

/** A 2×2 PNG, made here. */
function png(): Uint8Array<ArrayBuffer> {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(2, 0);
  header.writeUInt32BE(2, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Uint8Array.from(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk("IHDR", header),
      chunk("IDAT", deflateSync(rows)),
      chunk("IEND", Buffer.alloc(0)),
    ]),
  );
}

async function nextEvent(events: AsyncGenerator<StreamEvent>): Promise<StreamEvent> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no event within 10 s")), 10_000));
  const next = await Promise.race([events.next(), timeout]);
  assert(!next.done, "the stream ended");
  return next.value;
}

async function main(): Promise<void> {
  const username = `ts${process.pid}${Date.now() % 100000}`;
  const email = `${username}@example.com`;
  const client = createAccountdClient({ baseUrl: url });
  const { api } = client;

  const registered = await client.register({ email, username, password });
  assert(registered.user.username === username && client.token?.startsWith("ses_"), "registered with a session");
  const firstSession = client.token!;
  step("registered");

  const token = await mailedToken(email, "/verify-email");
  const verified = unwrap(await api.POST("/v1/auth/verify-email", { body: { token } }));
  assert(verified.emailVerified === true, "emailVerified");
  assert(unwrap(await api.GET("/v1/me")).emailVerified === true, "the profile says verified");
  step("verified by the mailed link");

  const { secret } = unwrap(await api.POST("/v1/me/2fa/setup", { body: { password } }));
  const now = Date.now() / 1000;
  const enabled = unwrap(await api.POST("/v1/me/2fa/enable", { body: { code: totp(secret, now), password } }));
  assert("recoveryCodes" in enabled && enabled.recoveryCodes.length === 10, "10 recovery codes");
  step("2FA enabled");

  const login = await client.login(username, password);
  assert(login.kind === "mfaRequired", "the password step asks for a second factor");
  const wrong = totp(secret, now) === "000000" ? "111111" : "000000";
  await expectError(401, "2fa:invalid_code", () => client.loginSecondFactor(login.mfaToken, { code: wrong }));
  // The enabling code was spent; the next step's code (within the ±1 step window) is fresh.
  const second = await client.loginSecondFactor(login.mfaToken, { code: totp(secret, now + 30) });
  assert(second.user.username === username && client.token !== firstSession, "a new session");
  step("logged in with 2FA");

  let streamOpen!: () => void;
  const open = new Promise<void>((resolve) => (streamOpen = resolve));
  const activity = client.stream("/v1/me/activity/stream", { onOpen: () => streamOpen() });
  const opened = activity.next();
  await open;
  const sessions = unwrap(await api.GET("/v1/me/sessions")).items;
  assert(sessions.length === 2, `two sessions, got ${sessions.length}`);
  const current = sessions.filter((s) => s.current);
  const other = sessions.filter((s) => !s.current);
  assert(current.length === 1 && other.length === 1, "one current, one other");
  unwrap(await api.DELETE("/v1/me/sessions/{id}", { params: { path: { id: other[0].id } } }));
  const remaining = unwrap(await api.GET("/v1/me/sessions")).items;
  assert(remaining.length === 1 && remaining[0].id === current[0].id, "only the current session is left");
  const stale = createAccountdClient({ baseUrl: url, token: firstSession });
  await expectError(401, "auth:unauthenticated", async () => unwrap(await stale.api.GET("/v1/me")));
  step("sessions listed, one revoked");

  const created = unwrap(await api.POST("/v1/me/tokens", { body: { name: "ci", scopes: ["user:read"] } }));
  assert(created.token.startsWith("pat_"), "a pat_ token");
  const withPat = createAccountdClient({ baseUrl: url, token: created.token });
  assert(unwrap(await withPat.api.GET("/v1/me")).username === username, "the PAT reads the profile");
  await expectError(403, "auth:session_required", async () => unwrap(await withPat.api.GET("/v1/me/sessions")));
  step("personal access token created and used");

  // The stream saw the session revoked; then, resumed from that event, the token created.
  const revokedEvent = await Promise.race([
    opened.then((next) => (next.done ? Promise.reject(new Error("the stream ended")) : next.value)),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no event within 10 s")), 10_000)),
  ]);
  assert(revokedEvent.event === "activity" && revokedEvent.id, "an activity event with an id");
  assert(JSON.parse(revokedEvent.data).action === "session.revoked", `session.revoked, got ${revokedEvent.data}`);
  await activity.return(undefined);
  const resumed = client.stream("/v1/me/activity/stream", { lastEventId: revokedEvent.id });
  const afterRevoked = await nextEvent(resumed);
  assert(JSON.parse(afterRevoked.data).action === "token.created", `token.created next, got ${afterRevoked.data}`);
  await resumed.return(undefined);
  step("activity stream resumed with Last-Event-ID");

  const { avatarUrl } = await client.uploadAvatar(new Blob([png()], { type: "image/png" }), "avatar.png");
  assert(typeof avatarUrl === "string" && unwrap(await api.GET("/v1/me")).avatarUrl === avatarUrl, "the avatar is set");
  step("avatar uploaded (multipart)");

  const anonymous = createAccountdClient({ baseUrl: url });
  const found = unwrap(await anonymous.api.GET("/v1/users", { params: { query: { query: username.slice(0, 6), limit: 100 } } }));
  assert(found.items.some((profile) => profile.username === username), "the search finds the user");
  step("users searched");

  await expectError(403, "auth:forbidden", async () =>
    unwrap(await api.GET("/v1/admin/users", { params: { query: { query: username } } })),
  );
  execFileSync(process.env.ACCOUNTD_BIN!, ["user", "promote", username], { stdio: "pipe" });
  const listed = unwrap(await api.GET("/v1/admin/users", { params: { query: { query: username } } }));
  assert(listed.total === 1 && listed.items[0].username === username && listed.items[0].role === "admin", "listed as admin");
  step("admin listing after `accountd user promote`");

  await client.logout();
  const loggedOut = createAccountdClient({ baseUrl: url, token: second.session.token });
  await expectError(401, "auth:unauthenticated", async () => unwrap(await loggedOut.api.GET("/v1/me")));
  step("logged out");
  console.log(`typescript client: ${steps.length} passed, 0 failed`);
}

main().catch((failure) => {
  console.error(`typescript client: FAILED after ${steps.at(-1) ?? "start"}: ${failure}`);
  console.log(`typescript client: ${steps.length} passed, 1 failed`);
  process.exit(1);
});

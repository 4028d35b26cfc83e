// The accountd client: `createAccountdClient` returns openapi-fetch's typed client over the
// generated `paths` (src/schema.ts, from the OpenAPI document), plus the few things a
// generator does badly: choosing cookie or bearer sessions, the two-step 2FA login, the
// server-sent event streams with Last-Event-ID resume, and the multipart avatar upload.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

export type { components, operations, paths };
export type Schemas = components["schemas"];
export type Profile = Schemas["Profile"];
export type AuthResponse = Schemas["AuthResponse"];
export type MfaRequired = Schemas["MfaRequired"];
export type ErrorBody = Schemas["ErrorBody"];

export interface AccountdClientOptions {
  /** The API's origin, e.g. `https://accounts.example.com`. */
  baseUrl: string;
  /**
   * `bearer` (the default, for servers and native apps): the session token from a login is
   * kept and sent as `Authorization: Bearer`. `cookie` (for browsers on an allowed origin):
   * the server's `accountd_session` cookie carries the session; requests are sent with
   * `credentials: "include"` and no token is kept.
   */
  session?: "bearer" | "cookie";
  /** A token to start with: a session (`ses_…`) or a personal access token (`pat_…`). */
  token?: string;
  /** A fetch implementation (default: the global `fetch`). */
  fetch?: typeof globalThis.fetch;
}

/** An error answer of the API: the contract's error body with its HTTP status. */
export class AccountdError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields?: Record<string, string>;

  constructor(status: number, body: unknown) {
    const error = (body ?? {}) as Partial<ErrorBody>;
    super(error.message ?? `HTTP ${status}`);
    this.name = "AccountdError";
    this.status = status;
    this.code = error.code ?? "unknown";
    this.fields = (error as { fields?: Record<string, string> }).fields;
  }
}

/** The answer of `POST /v1/auth/login`: signed in, or a second factor is needed. */
export type LoginResult =
  | { kind: "signedIn"; auth: AuthResponse }
  | { kind: "mfaRequired"; mfaToken: string; methods: string[] };

/** One event of a server-sent event stream. */
export interface StreamEvent {
  /** The event's `id:` (a feed position); send it back as `Last-Event-ID` to resume. */
  id?: string;
  event: string;
  data: string;
}

export interface StreamOptions {
  /** Resume after this event id (`Last-Event-ID`). */
  lastEventId?: string;
  signal?: AbortSignal;
  /** Called once the server has answered and the stream is open (before any event). */
  onOpen?: () => void;
}

export interface AccountdClient {
  /** The typed client: `api.GET("/v1/me")`, `api.POST("/v1/me/tokens", { body })`, … */
  readonly api: Client<paths>;
  /** The bearer token in use, if any. */
  readonly token: string | undefined;
  /** Sends this token (a session or a PAT) from now on; `undefined` stops sending one. */
  setToken(token: string | undefined): void;
  /** Registers and keeps the new session. */
  register(body: Schemas["RegisterRequest"]): Promise<AuthResponse>;
  /** The password step; on success without 2FA the session is kept. */
  login(identifier: string, password: string): Promise<LoginResult>;
  /** The second step with a TOTP code or a recovery code; the session is kept. */
  loginSecondFactor(
    mfaToken: string,
    second: { code: string } | { recoveryCode: string },
  ): Promise<AuthResponse>;
  /** Revokes the current session and forgets it. */
  logout(): Promise<void>;
  /** Sets the avatar from image bytes (`multipart/form-data`, field `file`). */
  uploadAvatar(image: Blob, filename?: string): Promise<Schemas["AvatarUrl"]>;
  /** Reads a `text/event-stream` route of the API (activity, action logs, export events). */
  stream(path: StreamPath, options?: StreamOptions): AsyncGenerator<StreamEvent>;
}

/** The API's event streams. */
export type StreamPath =
  | "/v1/me/activity/stream"
  | "/v1/action-logs/stream"
  | `/v1/me/export/${string}/events`;

/**
 * Throws `AccountdError` for an error answer, returns the data otherwise (`undefined` for a
 * `204`). Works on every result of `api.GET`/`api.POST`/…: `unwrap(await api.GET("/v1/me"))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) {
    throw new AccountdError(result.response.status, result.error);
  }
  return result.data as T;
}

export function createAccountdClient(options: AccountdClientOptions): AccountdClient {
  const mode = options.session ?? "bearer";
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  let token = options.token;

  const api = createClient<paths>({
    baseUrl,
    fetch: fetchImpl,
    credentials: mode === "cookie" ? "include" : "same-origin",
  });
  const auth: Middleware = {
    onRequest({ request }) {
      if (token !== undefined && !request.headers.has("Authorization")) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
  api.use(auth);

  const keep = (answer: AuthResponse): AuthResponse => {
    if (mode === "bearer") token = answer.session.token;
    return answer;
  };
  const authHeaders = (): Record<string, string> =>
    token === undefined ? {} : { Authorization: `Bearer ${token}` };

  return {
    api,
    get token() {
      return token;
    },
    setToken(next) {
      token = next;
    },
    async register(body) {
      return keep(unwrap(await api.POST("/v1/users", { body })));
    },
    async login(identifier, password) {
      const answer = unwrap(await api.POST("/v1/auth/login", { body: { identifier, password } }));
      if ("mfaToken" in answer) {
        return { kind: "mfaRequired", mfaToken: answer.mfaToken, methods: answer.methods };
      }
      return { kind: "signedIn", auth: keep(answer) };
    },
    async loginSecondFactor(mfaToken, second) {
      const body = { mfaToken, ...second } as Schemas["LoginSecondStepRequest"];
      return keep(unwrap(await api.POST("/v1/auth/login/2fa", { body })));
    },
    async logout() {
      const { response, error } = await api.POST("/v1/auth/logout");
      if (!response.ok) throw new AccountdError(response.status, error);
      token = undefined;
    },
    async uploadAvatar(image, filename = "avatar") {
      const form = new FormData();
      form.append("file", image, filename);
      // openapi-fetch would serialise the body as JSON; a FormData body lets fetch set the
      // multipart boundary itself.
      const response = await fetchImpl(`${baseUrl}/v1/me/avatar`, {
        method: "POST",
        body: form,
        headers: authHeaders(),
        credentials: mode === "cookie" ? "include" : "same-origin",
      });
      const body: unknown = await response.json().catch(() => undefined);
      if (!response.ok) throw new AccountdError(response.status, body);
      return body as Schemas["AvatarUrl"];
    },
    stream(path, streamOptions = {}) {
      return readStream(fetchImpl, `${baseUrl}${path}`, {
        ...authHeaders(),
        mode,
        lastEventId: streamOptions.lastEventId,
        signal: streamOptions.signal,
        onOpen: streamOptions.onOpen,
      });
    },
  };
}

async function* readStream(
  fetchImpl: typeof globalThis.fetch,
  url: string,
  options: {
    Authorization?: string;
    mode: string;
    lastEventId?: string;
    signal?: AbortSignal;
    onOpen?: () => void;
  },
): AsyncGenerator<StreamEvent> {
  const headers: Record<string, string> = { Accept: "text/event-stream" };
  if (options.Authorization) headers.Authorization = options.Authorization;
  if (options.lastEventId !== undefined) headers["Last-Event-ID"] = options.lastEventId;
  const response = await fetchImpl(url, {
    headers,
    signal: options.signal,
    credentials: options.mode === "cookie" ? "include" : "same-origin",
  });
  if (!response.ok || response.body === null) {
    throw new AccountdError(response.status, await response.json().catch(() => undefined));
  }
  options.onOpen?.();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event: StreamEvent = { event: "message", data: "" };
  let hasData = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (hasData) yield event;
          event = { id: event.id, event: "message", data: "" };
          hasData = false;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") {
          event.data = hasData ? `${event.data}\n${value}` : value;
          hasData = true;
        } else if (field === "event") {
          event.event = value;
        } else if (field === "id") {
          event.id = value;
        }
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

// accountd's console. Every action goes through the public API with the session cookie
// (fetch sends the page's Origin, which the API's CSRF rule checks), exactly as any other
// client would. The page shells come from the server; this module fills them, binds the
// forms and shows the API's `message` next to the field named in `fields`.

const body = document.body;
const prefix = body.dataset.prefix || "";
const pageId = body.dataset.page;
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

// Before anything else: the last theme this browser saw, so pages do not flash.
const savedTheme = window.localStorage.getItem("accountd-theme");
if (savedTheme) document.documentElement.dataset.theme = savedTheme;

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme || "system";
  window.localStorage.setItem("accountd-theme", theme || "system");
}

// ---------- the API ----------

async function api(method, path, payload) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (payload instanceof FormData) {
    init.body = payload;
  } else if (payload !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(payload);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (_) {
    return { ok: false, status: 0, data: { message: "The server could not be reached. Check your connection and try again." } };
  }
  let data = {};
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("application/json")) {
    data = await response.json().catch(() => ({}));
  }
  if (response.status === 429 && !data.message) data.message = "Too many attempts. Wait a moment and try again.";
  if (!response.ok && !data.message) data.message = "Something went wrong (" + response.status + "). Try again later.";
  return { ok: response.ok, status: response.status, data };
}

const page = (path) => prefix + path;
const go = (path) => window.location.assign(page(path));

function loginRedirect() {
  const next = window.location.pathname + window.location.search;
  window.location.replace(page("/login") + "?next=" + encodeURIComponent(next));
}

// ---------- small DOM helpers ----------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function when(value) {
  if (!value) return "never";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

function device(d, userAgent) {
  if (!d) return userAgent || "Unknown device";
  const browser = d.browser && d.browser !== "unknown" ? d.browser + (d.version && d.version !== "unknown" ? " " + d.version : "") : "";
  const os = d.os && d.os !== "unknown" ? d.os : "";
  return [browser, os].filter(Boolean).join(" on ") || userAgent || "Unknown device";
}

function notice(text, ok = true) {
  const box = $("#notice");
  if (!box) return;
  box.textContent = text;
  box.classList.toggle("error", !ok);
}

function fill(list, items, render, empty) {
  list.replaceChildren(...(items.length ? items.map(render) : [el("li", { class: "empty", text: empty })]));
}

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch (_) {
    button.textContent = "Copy failed: select the text instead";
  }
}

// ---------- forms ----------

// Which field an error code belongs to when the API names none in `fields`.
const codeFields = [
  ["password:", ["newPassword", "password"]],
  ["auth:invalid_credentials", ["password", "currentPassword"]],
  ["2fa:invalid_code", ["code", "recoveryCode"]],
  ["validation:invalid_email", ["email", "address"]],
  ["user:email_taken", ["email"]],
  ["address:taken", ["address"]],
  ["validation:invalid_username", ["username"]],
  ["validation:reserved_username", ["username"]],
  ["user:username_taken", ["username"]],
  ["referral:", ["referralCode", "code"]],
  ["token:invalid_scope", ["scopes"]],
  ["webhook:", ["discordWebhookUrl"]],
  ["media:", ["file"]],
  ["domain:", ["domain"]],
];

function clearErrors(form) {
  $$("[data-error-for]", form).forEach((node) => (node.textContent = ""));
  $$("[aria-invalid]", form).forEach((node) => node.removeAttribute("aria-invalid"));
  const general = $("[data-form-error]", form);
  if (general) general.textContent = "";
}

function fieldError(form, name, message) {
  const slot = $(`[data-error-for="${CSS.escape(name)}"]`, form);
  if (!slot) return false;
  slot.textContent = message;
  const input = form.elements.namedItem(name);
  const target = input instanceof RadioNodeList ? input[0] : input;
  if (target) target.setAttribute("aria-invalid", "true");
  return true;
}

// Shows an API error: each entry of `fields` next to its field, the message next to the
// field its code is about, or above the button.
function showError(form, data) {
  clearErrors(form);
  let placed = false;
  for (const [name, message] of Object.entries(data.fields || {})) {
    placed = fieldError(form, name, message) || placed;
  }
  if (!placed && data.code) {
    for (const [code, names] of codeFields) {
      if (!(data.code === code || (code.endsWith(":") && data.code.startsWith(code)))) continue;
      const name = names.find((candidate) => $(`[data-error-for="${CSS.escape(candidate)}"]`, form));
      if (name) {
        placed = fieldError(form, name, data.message);
        break;
      }
    }
  }
  const general = $("[data-form-error]", form);
  if (!placed && general) general.textContent = data.message;
  const invalid = $('[aria-invalid="true"]', form);
  (invalid || general)?.focus?.();
  if (!invalid && general) general.setAttribute("tabindex", "-1");
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) node = node[part] = node[part] || {};
  node[parts[parts.length - 1]] = value;
}

function getPath(source, path) {
  return path.split(".").reduce((node, part) => (node == null ? undefined : node[part]), source);
}

// The JSON body of a form: dotted names nest, checkboxes are booleans (or, sharing a
// name with a value, an array), empty `data-optional` fields are left out and empty
// `data-null-empty` fields are null.
function formBody(form) {
  const result = {};
  const arrays = new Set();
  for (const input of form.elements) {
    if (!input.name || input.disabled || input.type === "submit" || input.type === "button" || input.type === "file") continue;
    if (input.name === "confirm" || input.name === "confirmPassword") continue;
    if (input.type === "checkbox") {
      if (input.hasAttribute("value") && form.querySelectorAll(`[name="${CSS.escape(input.name)}"]`).length > 1) {
        if (!arrays.has(input.name)) {
          arrays.add(input.name);
          setPath(result, input.name, []);
        }
        if (input.checked) getPath(result, input.name).push(input.value);
      } else {
        setPath(result, input.name, input.checked);
      }
      continue;
    }
    const value = input.value;
    if (value === "" && input.hasAttribute("data-optional")) continue;
    if (value === "" && input.hasAttribute("data-null-empty")) {
      setPath(result, input.name, null);
      continue;
    }
    setPath(result, input.name, input.type === "number" ? Number(value) : value);
  }
  return result;
}

function fillForm(form, source) {
  for (const input of form.elements) {
    if (!input.name) continue;
    const value = getPath(source, input.name);
    if (value === undefined) continue;
    if (input.type === "checkbox") input.checked = Boolean(value);
    else if (input.type !== "file" && input.type !== "password") input.value = value === null ? "" : value;
  }
}

// Binds a form: `submit(form, body)` returns the API's answer; on success `done` runs.
function bind(form, submit, done) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (form.hasAttribute("data-confirm-password") && form.elements.newPassword.value !== form.elements.confirmPassword.value) {
      fieldError(form, "confirmPassword", "The two passwords are not the same.");
      form.elements.confirmPassword.focus();
      return;
    }
    const confirm = form.elements.namedItem("confirm");
    if (confirm && confirm.type === "checkbox" && !confirm.checked) {
      fieldError(form, "confirm", "Tick this box to confirm.");
      confirm.focus();
      return;
    }
    const buttons = $$("button", form);
    buttons.forEach((button) => (button.disabled = true));
    try {
      const reply = await submit(form, formBody(form));
      if (reply.ok) await done(reply.data, form);
      else if (reply.status === 401 && reply.data.code === "auth:unauthenticated") loginRedirect();
      else showError(form, reply.data);
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  });
}

// `<form data-api="METHOD /path" data-success="...">`: the generic form.
function bindApiForms(context) {
  for (const form of $$("form[data-api]")) {
    const [method, path] = form.dataset.api.split(" ");
    bind(
      form,
      (_, payload) => api(method, path, payload),
      async (data) => {
        notice(form.dataset.success || "Saved.");
        if (form.hasAttribute("data-reset")) form.reset();
        if (path === "/v1/me" && data && data.preferences) applyTheme(data.preferences.theme);
        if (form.hasAttribute("data-refresh-me")) await context.refresh?.();
        if (form.hasAttribute("data-reload")) await context.reload?.();
      },
    );
  }
}

// ---------- username availability ----------

function bindAvailability() {
  const input = $("[data-availability]");
  if (!input) return;
  const status = $("[data-availability-status]");
  const initial = status.textContent;
  let timer = null;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const username = input.value.trim();
    if (!username) {
      status.textContent = initial;
      return;
    }
    timer = setTimeout(async () => {
      asked = username;
      const reply = await api("GET", "/v1/usernames/" + encodeURIComponent(username) + "/availability");
      if (asked !== username || !reply.ok) return;
      const reasons = { taken: "is taken", invalid: "is not a valid username", reserved: "is reserved" };
      status.textContent = reply.data.available
        ? "“" + reply.data.username + "” is available."
        : "“" + username + "” " + (reasons[reply.data.reason] || "is not available") + ".";
      status.dataset.available = String(Boolean(reply.data.available));
    }, 300);
  });
}

// ---------- WebAuthn (JSON forms, as the API speaks them) ----------

const b64urlToBuffer = (value) => {
  const text = atob(value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0)).buffer;
};

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64urlToBuffer(json.challenge),
    user: { ...json.user, id: b64urlToBuffer(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: b64urlToBuffer(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64urlToBuffer(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: b64urlToBuffer(c.id) })),
  };
}

async function passkeyAssertion(options) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
  return credential.toJSON();
}

// ---------- the signed-in shell ----------

async function loadMe() {
  const reply = await api("GET", "/v1/me");
  if (reply.status === 401) {
    loginRedirect();
    return null;
  }
  if (!reply.ok) {
    notice(reply.data.message, false);
    return null;
  }
  const me = reply.data;
  applyTheme(me.preferences && me.preferences.theme);
  $$("[data-me]").forEach((node) => (node.textContent = getPath(me, node.dataset.me) ?? ""));
  $$("[data-admin-only]").forEach((node) => (node.hidden = me.role !== "admin"));
  $$("[data-me-img]").forEach((img) => {
    const url = me[img.dataset.meImg];
    img.hidden = !url;
    if (url) img.src = url;
  });
  return me;
}

function bindLogout() {
  const button = $('[data-action="logout"]');
  if (!button) return;
  button.addEventListener("click", async () => {
    await api("POST", "/v1/auth/logout");
    go("/login");
  });
}

function button(label, onClick, className = "secondary small") {
  return el("button", { type: "button", class: className, onclick: onClick }, label);
}

// ---------- pages ----------

const pages = {};

function afterSignIn() {
  const next = new URLSearchParams(window.location.search).get("next");
  // Only a path on this server: never an open redirect.
  if (next && next.startsWith("/") && !next.startsWith("//")) window.location.assign(next);
  else go("/settings/profile");
}

async function loadProviders(mode) {
  const box = $("[data-providers]");
  if (!box) return;
  const reply = await api("GET", "/v1/auth/oauth/providers");
  if (!reply.ok) return;
  box.replaceChildren(
    ...reply.data.items.map((provider) =>
      button(
        (mode === "signup" ? "Sign up with " : "Log in with ") + provider.name,
        async () => {
          const start = await api("GET", "/v1/auth/oauth/" + encodeURIComponent(provider.id) + "/authorize");
          if (start.ok) window.location.assign(start.data.url);
          else notice(start.data.message, false);
        },
        "secondary wide",
      ),
    ),
  );
}

pages.login = async () => {
  const form = $('form[data-handler="login"]');
  const second = $('form[data-handler="login-2fa"]');
  let mfaToken = null;
  const signedIn = (data) => {
    if (!data.mfaRequired) return afterSignIn();
    // The second step: no session yet, only the short-lived mfaToken.
    mfaToken = data.mfaToken;
    form.hidden = true;
    $("[data-alternatives]").hidden = true;
    second.hidden = false;
    const passkeyStep = $('[data-action="passkey-second-step"]', second);
    if (passkeyStep) passkeyStep.hidden = !(data.methods || []).includes("passkey");
    second.elements.code.focus();
  };
  bind(form, (_, payload) => api("POST", "/v1/auth/login", payload), (data) => signedIn(data));
  bind(
    second,
    (_, payload) => {
      const code = payload.code.trim();
      const answer = /^\d{6}$/.test(code) ? { mfaToken, code } : { mfaToken, recoveryCode: code };
      return api("POST", "/v1/auth/login/2fa", answer);
    },
    (data) => signedIn(data),
  );
  $('[data-action="passkey-second-step"]')?.addEventListener("click", async () => {
    try {
      const options = await api("POST", "/v1/auth/login/2fa/passkey-options", { mfaToken });
      if (!options.ok) return showError(second, options.data);
      const credential = await passkeyAssertion(options.data);
      const reply = await api("POST", "/v1/auth/login/2fa", { mfaToken, challengeId: options.data.challengeId, credential });
      if (reply.ok) signedIn(reply.data);
      else showError(second, reply.data);
    } catch (_) {
      showError(second, { message: "The passkey was not used." });
    }
  });
  $('[data-action="passkey-login"]')?.addEventListener("click", async () => {
    const identifier = form.elements.identifier.value.trim();
    try {
      const options = await api("POST", "/v1/auth/passkey/options", identifier ? { identifier } : {});
      if (!options.ok) return showError(form, options.data);
      const credential = await passkeyAssertion(options.data);
      const reply = await api("POST", "/v1/auth/passkey/login", { challengeId: options.data.challengeId, credential });
      if (reply.ok) signedIn(reply.data);
      else showError(form, reply.data);
    } catch (_) {
      showError(form, { message: "The passkey was not used." });
    }
  });
  bindApiForms({});
  await loadProviders("login");
};

pages.signup = async () => {
  const form = $('form[data-handler="signup"]');
  const referral = new URLSearchParams(window.location.search).get("ref");
  if (referral) form.elements.referralCode.value = referral;
  bindAvailability();
  bind(form, (_, payload) => api("POST", "/v1/users", payload), () => go("/settings/profile?welcome=1"));
  await loadProviders("signup");
};

pages["forgot-password"] = async () => bindApiForms({});

pages.profile = async (me, context) => {
  const form = $('form[data-fill="me"]');
  fillForm(form, me);
  context.refresh = async () => fillForm(form, await loadMe());
  if (new URLSearchParams(window.location.search).get("welcome")) {
    notice("Welcome! We sent a link to " + me.email + " to confirm your address.");
  }
  $('[data-action="webhook-test"]').addEventListener("click", async () => {
    const reply = await api("POST", "/v1/me/discord-webhook/test");
    if (reply.ok) notice("The test message was delivered.");
    else showError(form, reply.data);
  });
  for (const input of $$("[data-preview-for]")) {
    input.addEventListener("change", () => {
      const img = $(`[data-preview="${input.dataset.previewFor}"]`);
      const file = input.files[0];
      if (!file) return;
      img.src = URL.createObjectURL(file);
      img.hidden = false;
    });
  }
  for (const mediaForm of $$('form[data-handler="media"]')) {
    const kind = mediaForm.dataset.kind;
    mediaForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(mediaForm);
      const file = mediaForm.elements.file.files[0];
      if (!file) {
        fieldError(mediaForm, "file", "Choose a picture first.");
        mediaForm.elements.file.focus();
        return;
      }
      const data = new FormData();
      data.append("file", file);
      const reply = await api("POST", "/v1/me/" + kind, data);
      if (!reply.ok) return showError(mediaForm, reply.data);
      const img = $(`[data-preview="${kind}"]`);
      img.src = reply.data[kind + "Url"];
      img.hidden = false;
      img.dataset.saved = "true";
      mediaForm.reset();
      notice(kind === "avatar" ? "Your avatar is changed." : "Your banner is changed.");
    });
  }
  for (const remove of $$('[data-action="remove-media"]')) {
    remove.addEventListener("click", async () => {
      const reply = await api("DELETE", "/v1/me/" + remove.dataset.kind);
      if (!reply.ok) return notice(reply.data.message, false);
      $(`[data-preview="${remove.dataset.kind}"]`).hidden = true;
      notice("Removed.");
    });
  }
};

pages.email = async (me) => {
  const badge = $("[data-me-verified]");
  badge.textContent = me.emailVerified ? "verified" : "not verified";
  badge.classList.add(me.emailVerified ? "ok" : "warn");
  const resend = $('[data-action="resend-verification"]');
  resend.hidden = me.emailVerified;
  resend.addEventListener("click", async () => {
    const reply = await api("POST", "/v1/auth/resend-verification");
    notice(reply.ok ? "We sent the verification link again." : reply.data.message, reply.ok);
  });
  const pending = $("[data-pending]");
  const form = $('form[data-handler="email-change"]');
  bind(form, (_, payload) => api("POST", "/v1/me/email", payload), (data) => {
    $("[data-pending-email]").textContent = data.pendingEmail;
    pending.hidden = false;
    form.reset();
    notice("Check " + data.pendingEmail + " for the confirmation link.");
  });
  $('[data-action="resend-email-change"]').addEventListener("click", async () => {
    const reply = await api("POST", "/v1/me/email/resend");
    notice(reply.ok ? "We sent the confirmation link again." : reply.data.message, reply.ok);
  });
};

pages.username = async () => bindAvailability();
pages.password = async () => {};

pages.addresses = async (_, context) => {
  const list = $('[data-list="addresses"]');
  context.reload = async () => {
    const reply = await api("GET", "/v1/me/addresses");
    if (!reply.ok) return notice(reply.data.message, false);
    fill(list, reply.data.items, (address) =>
      el(
        "li",
        {},
        el("span", { class: "grow" }, address.address, " ", el("span", { class: "badge " + (address.isVerified ? "ok" : "warn"), text: address.isVerified ? "verified" : "not verified" }), el("span", { class: "meta", text: "Added " + when(address.addedAt) })),
        el(
          "span",
          { class: "actions" },
          address.isVerified
            ? null
            : button("Send the link again", async () => {
                const r = await api("POST", "/v1/me/addresses/" + address.id + "/send-verification");
                notice(r.ok ? "We sent the link again." : r.data.message, r.ok);
              }),
          button("Remove", async () => {
            const r = await api("DELETE", "/v1/me/addresses/" + address.id);
            notice(r.ok ? "Address removed." : r.data.message, r.ok);
            await context.reload();
          }),
        ),
      ),
    "No additional addresses.");
  };
  await context.reload();
};

function showRecoveryCodes(codes) {
  const section = $("[data-recovery]");
  section.hidden = false;
  $("[data-recovery-codes]").replaceChildren(...codes.map((code) => el("li", {}, el("code", { text: code }))));
  const text = codes.join("\n") + "\n";
  const link = $("[data-download-codes]");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const copyButton = $('[data-action="copy-codes"]');
  copyButton.onclick = () => copy(text, copyButton);
  section.scrollIntoView();
}

pages["two-factor"] = async (me, context) => {
  context.reload = async () => {
    const reply = await api("GET", "/v1/me/2fa");
    if (!reply.ok) return notice(reply.data.message, false);
    const status = reply.data;
    $("[data-2fa-status]").textContent = status.enabled
      ? "Two-factor authentication is on since " + when(status.enabledAt) + ". Recovery codes left: " + status.recoveryCodesRemaining + "."
      : "Two-factor authentication is off.";
    $$("[data-2fa]").forEach((section) => (section.hidden = section.dataset["2fa"] !== (status.enabled ? "on" : "off")));
  };
  bind($('form[data-handler="2fa-setup"]'), (_, payload) => api("POST", "/v1/me/2fa/setup", payload), (data) => {
    $("[data-qr]").src = data.qrCode;
    $("[data-secret]").textContent = data.secret;
    $("[data-2fa-pending]").hidden = false;
    $("#f-enable-code").focus();
  });
  bind($('form[data-handler="2fa-enable"]'), (_, payload) => api("POST", "/v1/me/2fa/enable", payload), async (data, form) => {
    if (data.emailCodeSent) {
      $("[data-email-code]", form).hidden = false;
      notice("We emailed you a code: enter it with a new code from the app.");
      return;
    }
    form.reset();
    $("[data-2fa-pending]").hidden = true;
    notice("Two-factor authentication is on.");
    showRecoveryCodes(data.recoveryCodes);
    await context.reload();
  });
  bind($('form[data-handler="2fa-regenerate"]'), (_, payload) => api("POST", "/v1/me/2fa/recovery-codes", payload), async (data, form) => {
    form.reset();
    notice("New recovery codes are made; the old ones no longer work.");
    showRecoveryCodes(data.recoveryCodes);
    await context.reload();
  });
  await context.reload();
};

pages.passkeys = async (_, context) => {
  const list = $('[data-list="passkeys"]');
  if (!list) return;
  context.reload = async () => {
    const reply = await api("GET", "/v1/me/passkeys");
    if (!reply.ok) return notice(reply.data.message, false);
    fill(list, reply.data.items, (passkey) =>
      el(
        "li",
        {},
        el("span", { class: "grow" }, passkey.name, el("span", { class: "meta", text: "Added " + when(passkey.createdAt) + " · last used " + when(passkey.lastUsedAt) })),
        el(
          "span",
          { class: "actions" },
          button("Rename", async () => {
            const name = window.prompt("New name", passkey.name);
            if (!name) return;
            const r = await api("PATCH", "/v1/me/passkeys/" + passkey.id, { name });
            notice(r.ok ? "Renamed." : r.data.message, r.ok);
            await context.reload();
          }),
          button("Remove", async () => {
            const r = await api("DELETE", "/v1/me/passkeys/" + passkey.id);
            notice(r.ok ? "Passkey removed." : r.data.message, r.ok);
            await context.reload();
          }),
        ),
      ),
    "No passkeys yet.");
  };
  const form = $('form[data-handler="passkey-add"]');
  bind(
    form,
    async (_, payload) => {
      const { name, ...reauth } = payload;
      const options = await api("POST", "/v1/me/passkeys/options", reauth);
      if (!options.ok) return options;
      let credential;
      try {
        credential = (await navigator.credentials.create({ publicKey: creationOptions(options.data.publicKey) })).toJSON();
      } catch (_) {
        return { ok: false, data: { message: "The passkey was not created." } };
      }
      return api("POST", "/v1/me/passkeys", { challengeId: options.data.challengeId, credential, ...(name ? { name } : {}) });
    },
    async () => {
      form.reset();
      notice("Passkey added.");
      await context.reload();
    },
  );
  await context.reload();
};

pages.sessions = async (_, context) => {
  const list = $('[data-list="sessions"]');
  context.reload = async () => {
    const reply = await api("GET", "/v1/me/sessions");
    if (!reply.ok) return notice(reply.data.message, false);
    fill(list, reply.data.items, (session) =>
      el(
        "li",
        { "data-session": session.id, "data-current": String(session.current) },
        el(
          "span",
          { class: "grow" },
          device(session.device, session.userAgent),
          " ",
          session.current ? el("span", { class: "badge ok", text: "this session" }) : null,
          el("span", { class: "meta", text: (session.ip || "unknown IP") + (session.location ? " · " + session.location : "") + " · last active " + when(session.lastSeenAt) + " · signed in " + when(session.createdAt) }),
        ),
        session.current
          ? null
          : el(
              "span",
              { class: "actions" },
              button("Sign out", async () => {
                const r = await api("DELETE", "/v1/me/sessions/" + session.id);
                notice(r.ok ? "That session is signed out." : r.data.message, r.ok);
                await context.reload();
              }),
            ),
      ),
    "No sessions.");
  };
  $('[data-action="revoke-other-sessions"]').addEventListener("click", async () => {
    const r = await api("DELETE", "/v1/me/sessions?keepCurrent=true");
    notice(r.ok ? "Every other session is signed out." : r.data.message, r.ok);
    await context.reload();
  });
  await context.reload();
};

pages["login-history"] = async () => {
  const reply = await api("GET", "/v1/me/login-history?limit=100");
  if (!reply.ok) return notice(reply.data.message, false);
  const rows = reply.data.items.map((entry) =>
    el(
      "tr",
      {},
      el("td", { text: when(entry.at) }),
      el("td", { text: entry.success ? "Signed in" : "Failed" + (entry.failureReason ? " (" + entry.failureReason + ")" : "") }),
      el("td", { text: entry.method || "" }),
      el("td", { text: device(entry.device, entry.userAgent) }),
      el("td", { text: entry.ip || "" }),
    ),
  );
  $('[data-list="login-history"]').replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: "5", text: "No logins yet." }))]));
};

pages.tokens = async (_, context) => {
  const list = $('[data-list="tokens"]');
  context.reload = async () => {
    const reply = await api("GET", "/v1/me/tokens");
    if (!reply.ok) return notice(reply.data.message, false);
    fill(list, reply.data.items, (token) =>
      el(
        "li",
        {},
        el("span", { class: "grow" }, token.name, " ", el("code", { text: token.prefix + "…" }), el("span", { class: "meta", text: token.scopes.join(", ") + " · created " + when(token.createdAt) + " · last used " + when(token.lastUsedAt) + (token.expiresAt ? " · expires " + when(token.expiresAt) : "") })),
        el(
          "span",
          { class: "actions" },
          button("Revoke", async () => {
            const r = await api("DELETE", "/v1/me/tokens/" + token.id);
            notice(r.ok ? "Token revoked." : r.data.message, r.ok);
            await context.reload();
          }),
        ),
      ),
    "No personal access tokens.");
  };
  bind($('form[data-handler="token-create"]'), (_, payload) => api("POST", "/v1/me/tokens", payload), async (data, form) => {
    form.reset();
    $("[data-new-token]").hidden = false;
    $("[data-token-value]").textContent = data.token;
    const copyButton = $('[data-action="copy-token"]');
    copyButton.onclick = () => copy(data.token, copyButton);
    notice("Token created. Copy it now: it is not shown again.");
    await context.reload();
  });
  await context.reload();
};

pages.uploads = async () => {
  const tokenBox = $("[data-upload-token]");
  $('[data-action="show-upload-token"]').addEventListener("click", async () => {
    const reply = await api("GET", "/v1/me/upload-token");
    if (reply.ok) tokenBox.textContent = reply.data.token;
    else notice(reply.data.message, false);
  });
  $('[data-action="regenerate-upload-token"]').addEventListener("click", async () => {
    const reply = await api("POST", "/v1/me/upload-token");
    if (reply.ok) {
      tokenBox.textContent = reply.data.token;
      notice("A new upload token is made; the old one no longer works. Download your integrations again.");
    } else notice(reply.data.message, false);
  });
  const select = $("[data-domains]");
  const domains = await api("GET", "/v1/me/upload-domains");
  if (domains.ok) {
    select.replaceChildren(
      ...domains.data.items.map((item) =>
        el("option", { value: item.domain, selected: item.selected, disabled: !item.verified }, item.domain + (item.verified ? "" : " (being set up)")),
      ),
    );
  }
  bind($('form[data-handler="upload-domain"]'), (_, payload) => api("PUT", "/v1/me/upload-domain", payload), () => notice("Uploads now use this domain."));
  for (const trigger of $$("[data-download]")) {
    trigger.addEventListener("click", async () => {
      const [method, path] = trigger.dataset.download.split(" ");
      const response = await fetch(path, { method, credentials: "same-origin", headers: method === "POST" ? { "Content-Type": "application/json" } : {}, body: method === "POST" ? "{}" : undefined });
      const error = $("[data-download-error]");
      if (!response.ok) {
        const data = await response.json().catch(() => ({}));
        error.textContent = data.message || "The file could not be made.";
        return;
      }
      error.textContent = "";
      const disposition = response.headers.get("Content-Disposition") || "";
      const match = /filename="?([^";]+)"?/.exec(disposition);
      download(await response.blob(), match ? match[1] : "accountd-upload");
    });
  }
};

pages["linked-accounts"] = async (me, context) => {
  const list = $('[data-list="linked-accounts"]');
  context.reload = async () => {
    const [providers, linked] = await Promise.all([api("GET", "/v1/auth/oauth/providers"), api("GET", "/v1/me/linked-accounts")]);
    if (!providers.ok || !linked.ok) return notice((providers.ok ? linked : providers).data.message, false);
    fill(list, providers.data.items, (provider) => {
      const account = linked.data.items.find((item) => item.provider === provider.id);
      return el(
        "li",
        {},
        el("span", { class: "grow" }, provider.name, el("span", { class: "meta", text: account ? "Linked as " + (account.username || account.email || account.providerUserId) + " since " + when(account.linkedAt) : "Not linked" })),
        el(
          "span",
          { class: "actions" },
          account
            ? [
                account.avatarUrl
                  ? button("Use this avatar", async () => {
                      const r = await api("POST", "/v1/me/avatar/linked", { provider: provider.id });
                      notice(r.ok ? "Your avatar now comes from " + provider.name + "." : r.data.message, r.ok);
                    })
                  : null,
                button("Unlink", async () => {
                  const r = await api("DELETE", "/v1/me/linked-accounts/" + encodeURIComponent(provider.id));
                  notice(r.ok ? provider.name + " is unlinked." : r.data.message, r.ok);
                  await context.reload();
                }),
              ]
            : button("Link", async () => {
                const r = await api("POST", "/v1/me/linked-accounts/" + encodeURIComponent(provider.id) + "/authorize");
                if (r.ok) window.location.assign(r.data.url);
                else notice(r.data.message, false);
              }),
        ),
      );
    }, "No sign-in providers are configured on this server.");
  };
  await context.reload();
};

function activityItem(entry) {
  const where = [entry.ip, entry.userId ? "user " + entry.userId : null].filter(Boolean).join(" · ");
  return el("li", { "data-activity": entry.action }, el("span", { class: "grow" }, el("code", { text: entry.action }), el("span", { class: "meta", text: when(entry.at) + (where ? " · " + where : "") })));
}

pages.activity = async () => {
  const list = $('[data-list="activity"]');
  const reply = await api("GET", "/v1/me/activity?limit=50");
  if (!reply.ok) return notice(reply.data.message, false);
  fill(list, reply.data.items, activityItem, "Nothing yet.");
  const live = $("[data-live]");
  const stream = new EventSource("/v1/me/activity/stream");
  stream.addEventListener("open", () => {
    live.textContent = "live";
    live.classList.add("ok");
  });
  stream.addEventListener("error", () => {
    live.textContent = "reconnecting";
    live.classList.remove("ok");
  });
  stream.addEventListener("activity", (event) => {
    const entry = JSON.parse(event.data);
    if ($(".empty", list)) list.replaceChildren();
    if (!$(`[data-id="${CSS.escape(entry.id)}"]`, list)) {
      const item = activityItem(entry);
      item.dataset.id = entry.id;
      list.prepend(item);
    }
  });
};

pages.export = async () => {
  const panel = $("[data-export]");
  const progress = $("[data-export-progress]");
  const status = $("[data-export-status]");
  const link = $("[data-export-download]");
  const error = $("[data-export-error]");
  const start = $('[data-action="start-export"]');
  start.addEventListener("click", async () => {
    error.textContent = "";
    start.disabled = true;
    const reply = await api("POST", "/v1/me/export");
    if (!reply.ok) {
      error.textContent = reply.data.message;
      start.disabled = false;
      return;
    }
    panel.hidden = false;
    link.hidden = true;
    progress.value = reply.data.progress || 0;
    status.textContent = "Working… " + progress.value + " %";
    const events = new EventSource("/v1/me/export/" + reply.data.id + "/events");
    events.addEventListener("progress", (event) => {
      progress.value = JSON.parse(event.data).progress;
      status.textContent = "Working… " + progress.value + " %";
    });
    events.addEventListener("done", (event) => {
      events.close();
      progress.value = 100;
      status.textContent = "Your archive is ready.";
      link.href = JSON.parse(event.data).downloadUrl || "/v1/me/export/" + reply.data.id + "/download";
      link.hidden = false;
      start.disabled = false;
      link.focus();
    });
    events.addEventListener("failed", () => {
      events.close();
      status.textContent = "";
      error.textContent = "The export failed. Try again later.";
      start.disabled = false;
    });
  });
};

pages.referrals = async () => {
  const [code, stats, history, credits] = await Promise.all([
    api("GET", "/v1/me/referrals"),
    api("GET", "/v1/me/referrals?view=stats"),
    api("GET", "/v1/me/referrals?view=history"),
    api("GET", "/v1/me/credits?limit=100"),
  ]);
  const form = $('form[data-handler="referral-code"]');
  const showCode = (data) => {
    $("[data-referral-url]").textContent = data.url;
    form.elements.code.value = data.code;
  };
  if (code.ok) showCode(code.data);
  if (stats.ok) $("[data-referral-stats]").textContent = stats.data.totalReferrals + " people joined with your link; " + stats.data.rewardsEarned + " credits earned.";
  if (history.ok) {
    fill($('[data-list="referral-history"]'), history.data.items, (item) => el("li", {}, el("span", { class: "grow" }, item.username, el("span", { class: "meta", text: "Joined " + when(item.joinedAt) + " · reward " + item.reward }))), "Nobody yet.");
  }
  if (credits.ok) {
    $("[data-credit-balance]").textContent = String(credits.data.balance);
    fill($('[data-list="credits"]'), credits.data.items, (item) => el("li", {}, el("span", { class: "grow" }, (item.amount > 0 ? "+" : "") + item.amount + " · " + item.reason, el("span", { class: "meta", text: when(item.at) }))), "No credits yet.");
  }
  bind(form, (_, payload) => api("PUT", "/v1/me/referrals", payload), (data) => {
    showCode(data);
    notice("Your referral code is changed.");
  });
};

pages.perks = async () => {
  const list = $('[data-list="perks"]');
  const show = (data) =>
    fill(list, data.items, (perk) =>
      el(
        "li",
        {},
        el("span", { class: "grow" }, perk.name, " ", el("span", { class: "badge " + (perk.eligible ? "ok" : ""), text: perk.eligible ? "earned" : "not yet" }), el("span", { class: "meta", text: perk.description })),
        perk.progress ? el("progress", { max: String(perk.progress.target), value: String(Math.min(perk.progress.current, perk.progress.target)), "aria-label": perk.name + " progress" }) : null,
      ),
    "No perks on this server.");
  const reply = await api("GET", "/v1/me/perks");
  if (reply.ok) show(reply.data);
  else notice(reply.data.message, false);
  $('[data-action="refresh-perks"]').addEventListener("click", async () => {
    const r = await api("POST", "/v1/me/perks/refresh");
    if (r.ok) {
      show(r.data);
      notice("Checked.");
    } else notice(r.data.message, false);
  });
};

pages.delete = async () => {
  bind($('form[data-handler="delete-account"]'), (_, payload) => api("DELETE", "/v1/me", payload), () => {
    window.localStorage.removeItem("accountd-theme");
    window.location.assign(page("/login") + "?deleted=1");
  });
};

pages["admin-users"] = async (me) => {
  if (me.role !== "admin") return notice("This page is for administrators.", false);
  const list = $('[data-list="admin-users"]');
  const panel = $("[data-admin-user]");
  let selected = null;
  const search = async (query) => {
    const reply = await api("GET", "/v1/admin/users?limit=50" + (query ? "&query=" + encodeURIComponent(query) : ""));
    if (!reply.ok) return notice(reply.data.message, false);
    fill(list, reply.data.items, (user) => {
      const act = (label, change, done) =>
        button(label, async () => {
          const r = await api("PATCH", "/v1/admin/users/" + user.id, change);
          notice(r.ok ? done : r.data.message, r.ok);
          await search(query);
        });
      return el(
        "li",
        { "data-user": user.username },
        el("span", { class: "grow" }, user.username, " ", user.role === "admin" ? el("span", { class: "badge ok", text: "admin" }) : null, user.banned ? el("span", { class: "badge warn", text: "banned" }) : null, el("span", { class: "meta", text: user.email + " · joined " + when(user.createdAt) })),
        el(
          "span",
          { class: "actions" },
          user.banned ? act("Unban", { banned: false }, user.username + " is unbanned.") : act("Ban", { banned: true }, user.username + " is banned."),
          user.role === "admin" ? act("Demote", { role: "user" }, user.username + " is no longer an administrator.") : act("Promote", { role: "admin" }, user.username + " is an administrator."),
          button("Sign out everywhere", async () => {
            const r = await api("DELETE", "/v1/admin/users/" + user.id + "/sessions");
            notice(r.ok ? "Every session of " + user.username + " is signed out." : r.data.message, r.ok);
          }),
          button("Limits", () => {
            selected = user;
            panel.hidden = false;
            $("[data-admin-user-title]").textContent = "Limits of " + user.username;
            $("#f-personalAccessTokens").focus();
          }),
        ),
      );
    }, "No users found.");
  };
  bind($('form[data-handler="admin-search"]'), async (_, payload) => {
    await search(payload.query);
    return { ok: true, data: {} };
  }, () => {});
  bind($('form[data-handler="admin-limits"]'), (form) => {
    const limits = {};
    for (const name of ["personalAccessTokens", "additionalAddresses", "sessions"]) {
      const value = form.elements[name].value;
      limits[name] = value === "" ? null : Number(value);
    }
    return api("PATCH", "/v1/admin/users/" + selected.id, { limits });
  }, () => notice("Limits saved."));
  await search("");
};

pages["admin-activity"] = async (me) => {
  if (me.role !== "admin") return notice("This page is for administrators.", false);
  const list = $('[data-list="admin-activity"]');
  const load = async (filter) => {
    const query = new URLSearchParams({ limit: "100", ...filter });
    const reply = await api("GET", "/v1/admin/activity?" + query);
    if (!reply.ok) return reply;
    fill(list, reply.data.items, activityItem, "No activity.");
    return reply;
  };
  bind($('form[data-handler="admin-activity"]'), (_, payload) => load(payload), () => {});
  await load({});
};

// ---------- start ----------

const authPages = new Set(["login", "signup", "forgot-password"]);

async function start() {
  const params = new URLSearchParams(window.location.search);
  if (authPages.has(pageId)) {
    if (params.get("deleted")) notice("Your account is deleted.");
    await pages[pageId]();
    return;
  }
  bindLogout();
  const me = await loadMe();
  if (!me) return;
  const context = { refresh: loadMe };
  bindApiForms(context);
  await pages[pageId](me, context);
  body.dataset.ready = "true";
}

start()
  .catch((error) => notice("Something went wrong on this page: " + error.message, false))
  .finally(() => {
    if (authPages.has(pageId)) body.dataset.ready = "true";
  });

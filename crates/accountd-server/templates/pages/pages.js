// The pages behind the links in accountd's mail. Opening a page (GET) changes
// nothing, because mail scanners prefetch links; the token is used only when the
// person presses the button.
"use strict";

const pages = {
  "verify-email": {
    request: (params) => ({ path: "/v1/auth/verify-email", body: { token: params.get("token") } }),
    needs: ["token"],
    success: "Your email address is confirmed. You can close this page.",
  },
  "confirm-email-change": {
    request: (params) => ({ path: "/v1/auth/confirm-email-change", body: { token: params.get("token") } }),
    needs: ["token"],
    success: "Your new email address is confirmed and is now the address of your account.",
  },
  "verify-address": {
    request: (params) => ({
      path: "/v1/me/addresses/" + encodeURIComponent(params.get("id")) + "/verify",
      body: { token: params.get("token") },
    }),
    needs: ["id", "token"],
    success: "The address is confirmed and now belongs to your account.",
  },
  "email-login": {
    request: (params) => ({ path: "/v1/auth/email-login/verify", body: { token: params.get("token") } }),
    needs: ["token"],
    success: "You are signed in. You can go back to the application.",
  },
  "reset-password": {
    request: (params) => ({
      path: "/v1/auth/reset-password",
      body: { token: params.get("token"), newPassword: document.getElementById("new-password").value },
    }),
    needs: ["token"],
    check: () => {
      const password = document.getElementById("new-password").value;
      const repeated = document.getElementById("confirm-password").value;
      return password === repeated ? null : "The two passwords are not the same.";
    },
    success: "Your password was changed, and every session was signed out. Sign in with the new password.",
  },
};

const messages = {
  "token:invalid": "This link is invalid, was already used, or has expired. Ask for a new one from your account.",
  "auth:unauthenticated": "Sign in to your account first, then open the link again.",
  "auth:csrf_rejected": "Open this link in the browser where you are signed in to your account.",
  "address:not_found": "This address is not on your account (anymore).",
  "user:email_taken": "Another account now uses this email address, so it cannot be yours.",
  "rate_limited": "Too many attempts. Wait a moment and try again.",
};

function show(outcome, text, ok) {
  outcome.textContent = text;
  outcome.className = ok ? "ok" : "error";
  outcome.focus();
}

document.addEventListener("DOMContentLoaded", () => {
  const main = document.querySelector("main");
  const page = pages[main.dataset.page];
  const form = document.getElementById("action");
  const outcome = document.getElementById("outcome");
  const params = new URLSearchParams(window.location.search);
  if (!page.needs.every((name) => params.get(name))) {
    form.hidden = true;
    show(outcome, "This link is incomplete. Open the whole link from the email, or copy it into the address bar.", false);
    return;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = page.check ? page.check() : null;
    if (problem) {
      show(outcome, problem, false);
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    const { path, body } = page.request(params);
    try {
      const response = await fetch(path, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) {
        form.hidden = true;
        show(outcome, page.success, true);
        return;
      }
      const error = await response.json().catch(() => ({}));
      show(outcome, messages[error.code] || error.message || "Something went wrong. Try again later.", false);
    } catch (_) {
      show(outcome, "The server could not be reached. Check your connection and try again.", false);
    }
    button.disabled = false;
  });
});

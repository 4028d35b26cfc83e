// Finishes a social login in the browser: posts the provider's code and state to the
// API, and for a new identity asks for a username and completes the sign-up.
"use strict";

(function () {
  const title = document.getElementById("title");
  const status = document.getElementById("status");
  const form = document.getElementById("signup");
  const usernameInput = document.getElementById("username");
  const usernameError = document.getElementById("username-error");

  const params = new URLSearchParams(window.location.search);
  const provider = decodeURIComponent(window.location.pathname.split("/")[2] || "");
  const code = params.get("code");
  const state = params.get("state");
  const providerError = params.get("error");
  // The code is single-use; keep it out of the history and of any reload.
  window.history.replaceState(null, "", window.location.pathname);

  function show(heading, message) {
    title.textContent = heading;
    status.textContent = message;
    document.title = heading;
  }

  async function call(path, body) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data: data || {} };
  }

  function signedIn(data) {
    document.body.dataset.result = "signed-in";
    show("Signed in", "You are signed in as " + data.user.username + ". You can close this page.");
  }

  function askUsername(data) {
    document.body.dataset.result = "signup";
    show("Create your account", "Your " + provider + " account is new here.");
    document.getElementById("signup-email").textContent = data.email ? " (" + data.email + ")" : "";
    usernameInput.value = data.suggestedUsername || "";
    form.hidden = false;
    usernameInput.focus();
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      usernameError.textContent = "";
      const reply = await call("/v1/auth/complete-signup", {
        signupToken: data.signupToken,
        username: usernameInput.value,
      });
      if (reply.ok) {
        form.hidden = true;
        signedIn(reply.data);
        return;
      }
      if (reply.data.code === "token:invalid") {
        form.hidden = true;
        fail(reply.data);
        return;
      }
      usernameError.textContent = reply.data.message || "This username can't be used.";
      usernameInput.setAttribute("aria-invalid", "true");
      usernameInput.focus();
    });
  }

  function fail(data) {
    document.body.dataset.result = "error";
    document.body.dataset.code = data.code || "";
    show("Sign-in failed", data.message || "Something went wrong. Please start again.");
  }

  async function run() {
    if (providerError) {
      fail({ code: "oauth:provider_error", message: "The provider did not sign you in (" + providerError + ")." });
      return;
    }
    if (!code || !state || !provider) {
      fail({ code: "oauth:invalid_state", message: "This page needs the provider's answer; start the sign-in again." });
      return;
    }
    if (state.indexOf("link_") === 0) {
      const reply = await call("/v1/me/linked-accounts/" + encodeURIComponent(provider), { code: code, state: state });
      if (reply.ok) {
        document.body.dataset.result = "linked";
        show("Account linked", "Your " + provider + " account " + (reply.data.username || "") + " is now linked.");
      } else {
        fail(reply.data);
      }
      return;
    }
    // The accountd_oauth cookie (sent by call) proves this browser started the login. A flow
    // value is never read from this page's URL: an attacker could put their own there.
    const reply = await call("/v1/auth/oauth/" + encodeURIComponent(provider) + "/login", { code: code, state: state });
    if (!reply.ok) {
      fail(reply.data);
    } else if (reply.data.signupRequired) {
      askUsername(reply.data);
    } else if (reply.data.mfaRequired) {
      document.body.dataset.result = "mfa";
      show("Two-factor authentication", "This account needs its second factor; finish signing in from the app.");
    } else {
      signedIn(reply.data);
    }
  }

  run().catch(function () {
    fail({});
  });
})();

// A real OpenID Connect provider (the certified `oidc-provider` package) for accountd's
// tests. Its login needs no UI: the interaction completes at once, logging in the account
// named by the authorization request's `login_hint` (default `alice`). A hint
// `SUBJECT:EMAIL:VERIFIED` sets the account's email and whether it is verified, so tests
// control the claims; the subject is the whole hint.
//
//   node oidc-provider.mjs --port 0 --client-id ID --client-secret SECRET --redirect-uri URI [--redirect-uri URI…]
//
// Prints `listening http://127.0.0.1:PORT` on stdout once it accepts connections.
import http from "node:http";
import { parseArgs } from "node:util";
import Provider from "oidc-provider";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    "client-id": { type: "string" },
    "client-secret": { type: "string", default: "test-secret" },
    "redirect-uri": { type: "string", multiple: true, default: [] },
  },
});

function account(hint) {
  const [subject, email, verified] = String(hint).split(":");
  return {
    accountId: String(hint),
    async claims() {
      return {
        sub: String(hint),
        email: email || `${subject}@oidc.example`,
        email_verified: verified === undefined ? true : verified === "true",
        preferred_username: subject,
        name: subject,
        picture: `https://oidc.example/avatars/${encodeURIComponent(subject)}.png`,
      };
    },
  };
}

// The test may stop reading; a closed pipe must not take the provider down.
process.stdout.on("error", () => {});

const server = http.createServer();
server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  const issuer = `http://${values.host}:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: values["client-id"],
        client_secret: values["client-secret"],
        redirect_uris: values["redirect-uri"],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["preferred_username", "name", "picture"],
    },
    // Put the claims in the ID token, as Google does, rather than only at userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ["accountd-tests-only"] },
    findAccount: async (_ctx, id) => account(id),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.proxy = false;

  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith("/interaction/")) {
      return next();
    }
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { prompt, params, session } = details;
    let result;
    if (prompt.name === "login") {
      result = { login: { accountId: String(params.login_hint || "alice") } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
      if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes || {})) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
      result = { consent: { grantId: await grant.save() } };
    }
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: prompt.name !== "login",
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  server.on("request", provider.callback());
  process.stdout.write(`listening ${issuer}\n`);
});

// The test that started this process owns it; stdin closing means the test is gone.
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));

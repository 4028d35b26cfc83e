// Creates better-auth's tables with its own migrations, then seeds PEER_ACCOUNTS accounts
// the way accountd's benchmark seeds its own: one password hash computed once by
// better-auth's hashPassword (scrypt) and shared by every account, and one session per
// account. Signing up through the API would compute one scrypt hash per account, which is
// what the `login` scenario measures, not what seeding is for. The rows go through
// better-auth's internal adapter, so their format is better-auth's, not ours.
//
// Writes {"cookie": name, "tokens": [signed session cookie of account 0, 1, …]} to PEER_TOKENS.
import { writeFileSync } from "node:fs";
import { getMigrations } from "better-auth/db/migration";
import { hashPassword, makeSignature } from "better-auth/crypto";

import { auth, database } from "./auth.mjs";

const accounts = Number(process.env.PEER_ACCOUNTS);
const password = process.env.PEER_PASSWORD;
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const context = await auth.$context;
const hash = await hashPassword(password);
const tokens = [];
const batch = 1000;
for (let start = 0; start < accounts; start += batch) {
    database.exec("BEGIN");
    for (let index = start; index < Math.min(start + batch, accounts); index++) {
        const user = await context.internalAdapter.createUser({
            email: `user${index}@bench.example`,
            name: `Bench User ${index}`,
            emailVerified: true,
        });
        await context.internalAdapter.linkAccount({
            userId: user.id,
            providerId: "credential",
            accountId: user.id,
            password: hash,
        });
        const session = await context.internalAdapter.createSession(user.id);
        // The cookie better-auth itself sets: the token, a dot, its HMAC-SHA256 under the secret.
        const signed = `${session.token}.${await makeSignature(session.token, context.secret)}`;
        tokens.push(encodeURIComponent(signed));
    }
    database.exec("COMMIT");
}
database.exec("ANALYZE");
writeFileSync(process.env.PEER_TOKENS, JSON.stringify({ cookie: context.authCookies.sessionToken.name, tokens }));
console.log(`seeded ${accounts} accounts`);

// The better-auth instance the benchmark runs: email and password on, rate limit off (all
// the load comes from one address, as for accountd), SQLite through better-sqlite3.
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";

const required = (name) => {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set`);
    }
    return value;
};

export const database = new Database(required("PEER_DATABASE"));
// accountd runs SQLite in WAL mode; the peer gets the same journal so neither pays for
// the other's durability settings.
database.pragma("journal_mode = WAL");
database.pragma("busy_timeout = 5000");

export const auth = betterAuth({
    database,
    baseURL: required("PEER_BASE_URL"),
    secret: required("BETTER_AUTH_SECRET"),
    emailAndPassword: { enabled: true },
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    logger: { level: "error" },
});

// The ceiling of sign-in: password verifications per second with better-auth's own
// verifyPassword (scrypt through node:crypto, on libuv's thread pool), as many at once as
// the pool has threads, for PEER_LIMIT_SECONDS. The counterpart of accountd-bench's `limit`.
import { hashPassword, verifyPassword } from "better-auth/crypto";

const password = process.env.PEER_PASSWORD;
const seconds = Number(process.env.PEER_LIMIT_SECONDS);
const threads = Number(process.env.UV_THREADPOOL_SIZE || 4);
const hash = await hashPassword(password);
let verifications = 0;
const started = performance.now();
const until = started + seconds * 1000;
await Promise.all(
    Array.from({ length: threads }, async () => {
        while (performance.now() < until) {
            if (await verifyPassword({ hash, password })) {
                verifications += 1;
            }
        }
    }),
);
const elapsed = (performance.now() - started) / 1000;
console.log(JSON.stringify({ threads, verifications, seconds: elapsed }));

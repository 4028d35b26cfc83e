// Serves better-auth with Node's http module on PEER_BASE_URL's host and port.
import { createServer } from "node:http";
import { toNodeHandler } from "better-auth/node";

import { auth } from "./auth.mjs";

const url = new URL(process.env.PEER_BASE_URL);
const server = createServer(toNodeHandler(auth));
server.keepAliveTimeout = 60_000;
server.listen(Number(url.port), url.hostname, () => {
    console.log(`better-auth listening on ${url.host}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => server.close(() => process.exit(0)));
}

// A minimal real Auth.js site for cfwatch probe's tests: @auth/core's Auth()
// behind Node's http module, mounted at /api/auth, with a Credentials
// provider and one test user, plus a small JSON API under /api.
//
// Environment: AUTH_SECRET (required), CORS_ORIGINS (comma-separated
// origins allowed to call /api/* cross-origin). The server listens on
// 127.0.0.1 on a free port and prints "listening http://127.0.0.1:PORT".
// Start it with --max-http-header-size=65536: the probe sends session
// requests with up to ~21 KB of headers, and the test proxy, not Node's
// 16 KB default, decides where the limit is.
import http from "node:http";
import { Auth } from "@auth/core";
import Credentials from "@auth/core/providers/credentials";

const secret = process.env.AUTH_SECRET;
if (!secret) {
  console.error("AUTH_SECRET is required");
  process.exit(2);
}
const corsOrigins = new Set(
  (process.env.CORS_ORIGINS ?? "").split(",").map((s) => s.trim()).filter(Boolean),
);

const config = {
  basePath: "/api/auth",
  trustHost: true,
  secret,
  session: { strategy: "jwt" },
  providers: [
    Credentials({
      credentials: { username: {}, password: {} },
      async authorize(c) {
        if (c?.username === "test-user" && c?.password === "test-password") {
          return { id: "1", name: "Test User", email: "test@example.com" };
        }
        return null;
      },
    }),
  ],
};

function corsHeaders(origin) {
  if (!origin || !corsOrigins.has(origin)) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "content-type",
    vary: "Origin",
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

async function handle(req, res) {
  const url = new URL(req.url, `http://${req.headers.host ?? "127.0.0.1"}`);
  const origin = req.headers.origin;
  if (req.method === "OPTIONS" && url.pathname.startsWith("/api/")) {
    res.writeHead(204, corsHeaders(origin));
    res.end();
    return;
  }
  if (url.pathname === "/api/auth" || url.pathname.startsWith("/api/auth/")) {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
      else if (v !== undefined) headers.set(k, v);
    }
    const init = { method: req.method, headers };
    if (req.method !== "GET" && req.method !== "HEAD") init.body = await readBody(req);
    const response = await Auth(new Request(url, init), config);
    const out = {};
    response.headers.forEach((v, k) => {
      if (k !== "set-cookie") out[k] = v;
    });
    const setCookies = response.headers.getSetCookie();
    if (setCookies.length) out["set-cookie"] = setCookies;
    Object.assign(out, corsHeaders(origin));
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  if (url.pathname === "/api/health") {
    res.writeHead(200, { "content-type": "application/json", ...corsHeaders(origin) });
    res.end(JSON.stringify({ ok: true }));
    return;
  }
  if (url.pathname.startsWith("/api/") || url.pathname === "/api") {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not found" }));
    return;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end("<!doctype html><title>cfwatch probe test app</title><p>ok</p>");
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "internal" }));
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => server.close(() => process.exit(0)));

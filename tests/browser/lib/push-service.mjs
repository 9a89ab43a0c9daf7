// A Web Push service for the tests, in the place of a browser maker's: it hands out
// subscriptions (a P-256 key pair and an auth secret per "device", as a browser makes them),
// receives what Nichoir posts to their endpoints, checks the VAPID JWT (RFC 8292: ES256 over the
// key in `k`, `aud` the endpoint's origin, `exp` within 24 hours, a `sub`), and decrypts the
// payload with the device's private key (RFC 8291 aes128gcm, by `http_ece`, the reference
// implementation). A device can be told to answer 410 (gone), 500, or slowly.
//
//   node push-service.mjs [--port N]      prints {"url": "http://127.0.0.1:N"} once listening
//
//   POST /subscriptions               → {id, endpoint, keys: {p256dh, auth}}
//   PUT  /subscriptions/:id/answer    {status, delay_ms}
//   GET  /subscriptions/:id/messages  → [{payload, ttl, urgency, k, at}]
//   GET  /stats                       → {received, rejected: [reasons], first_at, last_at}
import http from "node:http";
import crypto from "node:crypto";
import ece from "http_ece";

const args = process.argv.slice(2);
const port = Number(args[args.indexOf("--port") + 1] || 0) || 0;

const b64u = (buf) => Buffer.from(buf).toString("base64url");
const fromB64u = (s) => Buffer.from(s, "base64url");

/** id → {ecdh, auth, status, delay, messages} */
const devices = new Map();
const stats = { received: 0, rejected: [], first_at: null, last_at: null };
let origin = "";

function verifyVapid(header, endpointOrigin) {
  // "vapid t=<jwt>, k=<key>"
  const m = /^vapid\s+(.+)$/i.exec(header || "");
  if (!m) return "no vapid authorization";
  const params = Object.fromEntries(
    m[1].split(",").map((p) => {
      const i = p.indexOf("=");
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    }),
  );
  if (!params.t || !params.k) return "vapid t or k missing";
  const key = fromB64u(params.k);
  if (key.length !== 65 || key[0] !== 4) return "k is not an uncompressed P-256 key";
  const jwk = { kty: "EC", crv: "P-256", x: b64u(key.subarray(1, 33)), y: b64u(key.subarray(33, 65)) };
  const [h, p, s] = params.t.split(".");
  if (!h || !p || !s) return "malformed JWT";
  const head = JSON.parse(fromB64u(h).toString());
  if (head.alg !== "ES256") return `alg ${head.alg}`;
  const ok = crypto.verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    { key: crypto.createPublicKey({ key: jwk, format: "jwk" }), dsaEncoding: "ieee-p1363" },
    fromB64u(s),
  );
  if (!ok) return "bad JWT signature";
  const claims = JSON.parse(fromB64u(p).toString());
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== endpointOrigin) return `aud ${claims.aud} is not ${endpointOrigin}`;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600 + 60)) return `exp ${claims.exp} out of range`;
  if (!/^(mailto:|https:)/.test(claims.sub || "")) return `sub ${claims.sub}`;
  return { k: params.k };
}

function json(res, status, value) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, origin);
    const parts = url.pathname.split("/").filter(Boolean);
    try {
      if (req.method === "POST" && url.pathname === "/subscriptions") {
        const ecdh = crypto.createECDH("prime256v1");
        ecdh.generateKeys();
        const auth = crypto.randomBytes(16);
        const id = crypto.randomBytes(9).toString("base64url");
        devices.set(id, { ecdh, auth, status: 201, delay: 0, messages: [] });
        return json(res, 201, {
          id,
          endpoint: `${origin}/push/${id}`,
          keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) },
        });
      }
      if (req.method === "PUT" && parts[0] === "subscriptions" && parts[2] === "answer") {
        const d = devices.get(parts[1]);
        if (!d) return json(res, 404, {});
        const b = JSON.parse(body.toString() || "{}");
        d.status = b.status ?? 201;
        d.delay = b.delay_ms ?? 0;
        return json(res, 200, {});
      }
      if (req.method === "GET" && parts[0] === "subscriptions" && parts[2] === "messages") {
        const d = devices.get(parts[1]);
        return d ? json(res, 200, d.messages) : json(res, 404, {});
      }
      if (req.method === "GET" && url.pathname === "/stats") return json(res, 200, stats);
      if (req.method === "POST" && parts[0] === "push") {
        const d = devices.get(parts[1]);
        if (!d) return json(res, 404, {});
        const vapid = verifyVapid(req.headers.authorization, origin);
        if (typeof vapid === "string") {
          stats.rejected.push(vapid);
          return json(res, 401, { error: vapid });
        }
        if (req.headers["content-encoding"] !== "aes128gcm") {
          stats.rejected.push(`content-encoding ${req.headers["content-encoding"]}`);
          return json(res, 400, {});
        }
        if (!req.headers.ttl) {
          stats.rejected.push("no TTL");
          return json(res, 400, {});
        }
        if (d.delay) await new Promise((r) => setTimeout(r, d.delay));
        const answer = d.status;
        const record = {
          ttl: Number(req.headers.ttl),
          urgency: req.headers.urgency || null,
          k: vapid.k,
          answered: answer,
          at: Date.now(),
        };
        try {
          const plain = ece.decrypt(body, { version: "aes128gcm", privateKey: d.ecdh, authSecret: d.auth });
          record.payload = JSON.parse(plain.toString("utf8"));
        } catch (e) {
          stats.rejected.push(`does not decrypt: ${e.message}`);
          return json(res, 400, {});
        }
        d.messages.push(record);
        stats.received += 1;
        stats.first_at ??= record.at;
        stats.last_at = record.at;
        res.writeHead(answer, answer === 201 ? { location: `${origin}/messages/${stats.received}` } : {});
        return res.end();
      }
      json(res, 404, {});
    } catch (e) {
      json(res, 500, { error: String(e) });
    }
  });
});

server.listen(port, "127.0.0.1", () => {
  origin = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(JSON.stringify({ url: origin }) + "\n");
});
process.on("SIGTERM", () => process.exit(0));

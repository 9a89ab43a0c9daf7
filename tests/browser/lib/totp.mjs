// The code an authenticator app shows (RFC 6238: HMAC-SHA-1, 6 digits, 30 s), for the two-factor
// browser test.
import { createHmac } from "node:crypto";

function base32(secret) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The 30-second step an authenticator app is at now. */
export function totpStep() {
  return Math.floor(Date.now() / 1000 / 30);
}

/** The code for `secret` (base32), `stepsAhead` 30-second steps from now. */
export function totpCode(secret, stepsAhead = 0) {
  return totpCodeAt(secret, totpStep() + stepsAhead);
}

/**
 * A code of a step after `usedStep` that the server still accepts: the server refuses a step
 * twice and accepts one step ahead. "One step ahead of now" alone fails when a step boundary
 * passes between the set-up and the sign-in (two steps ahead of the used one).
 */
export function totpCodeAfter(secret, usedStep) {
  const now = totpStep();
  return totpCodeAt(secret, now > usedStep ? now : usedStep + 1);
}

/** The code for `secret` (base32) at the 30-second step `counter`. */
export function totpCodeAt(secret, counter) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const h = createHmac("sha1", base32(secret)).update(msg).digest();
  const offset = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

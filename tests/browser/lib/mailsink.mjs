// A local SMTP sink for the browser tests: accepts every message on 127.0.0.1 and keeps it, so a
// test can follow a link the server mailed, with no outside service.
import { createServer } from "node:net";

/** Starts the sink; `messages` holds { to, data } (headers and body as sent). */
export async function startMailSink() {
  const messages = [];
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let inData = false;
    let data = [];
    let to = [];
    const reply = (line) => socket.write(`${line}\r\n`);
    reply("220 sink ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            messages.push({ to, data: data.join("\r\n") });
            data = [];
            to = [];
            reply("250 queued");
          } else {
            data.push(line.startsWith("..") ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") reply("250 sink");
        else if (verb === "RCPT") {
          to.push(line.slice(line.indexOf(":") + 1).trim());
          reply("250 ok");
        } else if (verb === "DATA") {
          inData = true;
          reply("354 go on");
        } else if (verb === "QUIT") {
          reply("221 bye");
          socket.end();
        } else reply("250 ok");
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: server.address().port,
    messages,
    /** Waits up to 10 s for the `n`-th message. */
    async waitFor(n) {
      const deadline = Date.now() + 10_000;
      while (messages.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (messages.length < n) throw new Error(`the mail sink got ${messages.length} message(s), not ${n}`);
      return messages[n - 1];
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** A quoted-printable body as text. */
export function unquote(qp) {
  const bytes = qp.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

// The API contract (/api/v1/openapi.json), as a generic client reads it: a valid OpenAPI 3.1
// document, every schema a valid JSON Schema 2020-12 whose references resolve, and the answers
// the real server gives to the typed GET routes match their documented schemas.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { startServer } from "./lib/server.mjs";

const DOC_ID = "https://nichoir.invalid/openapi.json";

describe("the OpenAPI document", () => {
  let server;
  let doc;
  before(async () => {
    server = await startServer({ adminPassword: "a long admin passphrase" });
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    assert.equal(res.status, 200);
    doc = await res.json();
  });
  after(async () => {
    await server?.stop();
  });

  it("validates as OpenAPI 3.1", async () => {
    const validator = new Validator();
    const res = await validator.validate(structuredClone(doc));
    assert.equal(validator.version, "3.1");
    assert.ok(res.valid, `not valid OpenAPI 3.1: ${JSON.stringify(res.errors, null, 2)?.slice(0, 4000)}`);
  });

  it("documents cookies with the CSRF header, guest identities and bearer tokens", () => {
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(schemes.session, { ...schemes.session, type: "apiKey", in: "cookie", name: "nichoir_session" });
    assert.deepEqual(schemes.csrf, { ...schemes.csrf, type: "apiKey", in: "header", name: "X-CSRF-Token" });
    assert.deepEqual(schemes.token, { ...schemes.token, type: "http", scheme: "bearer" });
    assert.equal(schemes.guest.in, "cookie");
    // A change made with a cookie needs the CSRF header; a bearer token does not; a public route
    // needs nothing.
    const seen = new Set();
    for (const item of Object.values(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const change = !["get", "head", "options"].includes(method);
        const cookie = (name) => (change ? { [name]: [], csrf: [] } : { [name]: [] });
        const expected = {
          public: [],
          anyone: [cookie("session"), cookie("guest"), { token: [] }],
          user: [cookie("session"), { token: [] }],
          admin: [cookie("session"), { token: [] }],
        }[op["x-access"]];
        assert.deepEqual(op.security, expected, `${method} ${op.operationId}`);
        seen.add(`${op["x-access"]} ${change}`);
      }
    }
    for (const kind of ["public", "anyone", "user", "admin"]) for (const change of [true, false]) assert.ok(seen.has(`${kind} ${change}`), `${kind} ${change}`);
  });

  it("has schemas that compile as JSON Schema 2020-12, every reference resolving", () => {
    const { compile } = compilerFor(doc);
    const schemas = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, answer] of Object.entries(op.responses ?? {})) {
          for (const [type, media] of Object.entries(answer.content ?? {})) schemas.push([`${method} ${path} ${status} ${type}`, media.schema]);
        }
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) schemas.push([`${method} ${path} body ${type}`, media.schema]);
        for (const p of op.parameters ?? []) schemas.push([`${method} ${path} ${p.in} ${p.name}`, p.schema]);
      }
    }
    for (const name of Object.keys(doc.components.schemas)) schemas.push([name, { $ref: `#/components/schemas/${name}` }]);
    assert.ok(schemas.length > 100, `only ${schemas.length} schemas`);
    for (const [where, schema] of schemas) {
      assert.doesNotThrow(() => compile(schema), `${where}: ${JSON.stringify(schema).slice(0, 300)}`);
    }
  });

  it("answers the typed GET routes with what their schemas say", async () => {
    const cookie = await signIn(server.url);
    const { compile, errorsText } = compilerFor(doc);
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      const schema = item.get?.responses?.["200"]?.content?.["application/json"]?.schema;
      // Only the typed answers (an untyped route documents `{}`), of paths without parameters.
      if (!schema || Object.keys(schema).length === 0 || path.includes("{") || !path.startsWith("/api/v1/")) continue;
      if ((item.get.parameters ?? []).some((p) => p.required)) continue;
      const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
      // Asked without its parameters, a route may refuse: then with a status and an error body
      // it documents.
      const answer = item.get.responses[String(res.status)];
      assert.ok(answer, `GET ${path} answers ${res.status}, which it does not document`);
      const body = await res.json();
      const validate = compile(answer.content["application/json"].schema);
      assert.ok(validate(body), `GET ${path} answers ${JSON.stringify(body).slice(0, 500)}\nwhich its schema refuses: ${errorsText(validate.errors)}`);
      checked += 1;
    }
    assert.ok(checked >= 5, `only ${checked} typed GET routes checked`);
  });
});

/**
 * A JSON Schema 2020-12 compiler for the schemas of `doc`: the document's components are loaded
 * once under its id, and `compile` takes a schema as the document writes it (local references).
 */
function compilerFor(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOC_ID, components: doc.components });
  return { compile: (schema) => ajv.compile(rebase(schema)), errorsText: (errors) => ajv.errorsText(errors) };
}

/** A schema of the document, its local references made absolute to the document's id. */
function rebase(schema) {
  return JSON.parse(JSON.stringify(schema ?? {}).replaceAll('"#/components/', `"${DOC_ID}#/components/`));
}

/** Signs the admin in; the session cookie. */
async function signIn(base) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "a long admin passphrase" }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const set = res.headers.getSetCookie().find((c) => c.startsWith("nichoir_session="));
  assert.ok(set, "a session cookie");
  return set.split(";")[0];
}

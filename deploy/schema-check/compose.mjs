// Checks a Compose file against the Compose Specification's JSON Schema (deploy/compose/schema, vendored), after
// the interpolation Compose itself does (${VAR:-default}, ${VAR:?message}) with the given environment.
// Usage: node compose.mjs SCHEMA.json COMPOSE.yaml [NAME=VALUE...]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "yaml";
import { newAjv, describe, finish } from "./lib.mjs";

const [schemaFile, file, ...assignments] = process.argv.slice(2);
const env = Object.fromEntries(assignments.map(a => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
const errors = [];
function interpolate(value) {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name, op, arg) => {
      const set = env[name] !== undefined && (op === undefined || !op.startsWith(":") || env[name] !== "");
      if (set) return env[name];
      if (op && op.endsWith("?")) { errors.push(`${name} must be set: ${arg}`); return ""; }
      return op && op.endsWith("-") ? arg : "";
    });
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  }
  return value;
}
let document;
try {
  document = interpolate(parse(readFileSync(file, "utf8"), { merge: true }));
} catch (e) {
  errors.push(`YAML: ${e.message}`);
}
if (document) {
  const ajv = newAjv();
  const schema = JSON.parse(readFileSync(schemaFile, "utf8"));
  // Draft-07, named by an https URL that ajv does not know by that name.
  delete schema.$schema;
  const validate = ajv.compile(schema);
  if (!validate(document)) errors.push(...describe(validate.errors));
}
finish({ check: "compose", checked: [{ file: basename(file), services: Object.keys(document?.services ?? {}), document, errors }] });

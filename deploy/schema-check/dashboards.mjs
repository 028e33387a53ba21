// Checks Grafana dashboards: each file against the dashboard schema of the Grafana foundation SDK
// (deploy/grafana/schema, vendored), each Prometheus query against that SDK's Prometheus query schema, each
// panel's options (and custom field config) against its panel type's schema, and the layout (unique ids, panels
// inside the 24-column grid and not overlapping).
// Usage: node dashboards.mjs SCHEMA_DIR DASHBOARD.json...
import { readFileSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { newAjv, describe, finish } from "./lib.mjs";

const [schemaDir, ...files] = process.argv.slice(2);
const ajv = newAjv();
const load = name => JSON.parse(readFileSync(join(schemaDir, name), "utf8"));
const dashboardSchema = ajv.compile(load("dashboard.jsonschema.json"));
const promSchema = load("prometheus.jsonschema.json");
ajv.addSchema(promSchema, "prometheus");
const promQuery = ajv.compile({ $ref: "prometheus#/definitions/Dataquery" });
const panelSchemas = {};
function panelSchema(type) {
  if (!(type in panelSchemas)) {
    const file = `${type}.jsonschema.json`;
    if (!existsSync(join(schemaDir, file))) {
      panelSchemas[type] = null;
    } else {
      ajv.addSchema(load(file), type);
      const s = ajv.getSchema(type).schema;
      panelSchemas[type] = {
        options: ajv.compile({ $ref: `${type}#/definitions/Options` }),
        custom: s.definitions.FieldConfig ? ajv.compile({ $ref: `${type}#/definitions/FieldConfig` }) : null,
      };
    }
  }
  return panelSchemas[type];
}

const checked = [];
for (const file of files) {
  const errors = [];
  let dashboard;
  try {
    dashboard = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    checked.push({ file: basename(file), errors: [`not JSON: ${e.message}`] });
    continue;
  }
  if (!dashboardSchema(dashboard)) {
    errors.push(...describe(dashboardSchema.errors).map(m => `dashboard: ${m}`));
  }
  const panels = dashboard.panels || [];
  const ids = new Set();
  const cells = new Map();
  let queries = 0;
  panels.forEach((p, i) => {
    const where = `panel ${p.id ?? i} "${p.title ?? ""}"`;
    if (ids.has(p.id)) errors.push(`${where}: id ${p.id} is used twice`);
    ids.add(p.id);
    const schemas = panelSchema(p.type);
    if (schemas === null) {
      errors.push(`${where}: no schema for panel type ${p.type} in ${schemaDir}`);
    } else {
      if (!schemas.options(p.options ?? {})) errors.push(...describe(schemas.options.errors).map(m => `${where} options: ${m}`));
      const custom = p.fieldConfig?.defaults?.custom;
      if (custom && schemas.custom && !schemas.custom(custom)) {
        errors.push(...describe(schemas.custom.errors).map(m => `${where} fieldConfig.defaults.custom: ${m}`));
      }
    }
    (p.targets || []).forEach(t => {
      queries++;
      if (!promQuery(t)) errors.push(...describe(promQuery.errors).map(m => `${where} target ${t.refId}: ${m}`));
    });
    if (!p.targets || p.targets.length === 0) errors.push(`${where}: no query`);
    const g = p.gridPos;
    if (g) {
      if (g.x + g.w > 24) errors.push(`${where}: reaches column ${g.x + g.w}, past the grid's 24`);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const other = cells.get(`${x},${y}`);
          if (other !== undefined && other !== where) {
            errors.push(`${where}: overlaps ${other} at column ${x}, row ${y}`);
            x = g.x + g.w; break;
          }
          cells.set(`${x},${y}`, where);
        }
      }
    }
  });
  checked.push({ file: basename(file), uid: dashboard.uid, panels: panels.length, queries, errors: [...new Set(errors)] });
}
finish({ check: "grafana-dashboards", checked });

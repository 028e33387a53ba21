// Shared by the checks: an ajv that knows the keywords of the vendored schemas, and uniform reporting.
import Ajv from "ajv";
import addFormats from "ajv-formats";

/** An ajv for draft-07 schemas (Grafana's) and Kubernetes' OpenAPI v3 structural schemas (the CRDs'). */
export function newAjv() {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  // Kubernetes' own formats: any value of the schema's type is accepted, as the API server's pruning does.
  for (const f of ["int32", "int64", "float", "double", "byte", "int-or-string", "quantity"]) {
    ajv.addFormat(f, true);
  }
  // Kubernetes extension keywords: annotations for the validator (ajv knows OpenAPI's nullable itself).
  ajv.addVocabulary(["x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
    "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
    "x-kubernetes-embedded-resource"]);
  return ajv;
}

/** ajv's errors as lines naming where and what. */
export function describe(errors) {
  return (errors || []).map(e => `${e.instancePath || "/"} ${e.message}${e.params && e.params.additionalProperty
    ? ` (${e.params.additionalProperty})` : ""}${e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ""}`);
}

/** Prints the report as one JSON document and exits 1 if anything failed. */
export function finish(report) {
  const failed = report.checked.filter(c => c.errors.length > 0);
  console.log(JSON.stringify({ ...report, failed: failed.length }, null, 2));
  process.exit(failed.length > 0 || report.checked.length === 0 ? 1 : 0);
}

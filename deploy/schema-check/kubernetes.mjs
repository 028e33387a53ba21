// Checks Kubernetes manifests (one or more YAML streams, e.g. `kubectl kustomize` output): every document parses and
// names an apiVersion and kind this check has a schema for; core kinds are validated with kubernetes-models (types,
// required fields and enums generated from the Kubernetes OpenAPI spec), Strimzi's KafkaTopic and KEDA's ScaledObject
// against their CRDs' openAPIV3Schema (vendored in deploy/kubernetes/schema), strictly: a field the CRD does not
// declare is an error, as kubeconform -strict would say.
// Usage: node kubernetes.mjs SCHEMA_DIR MANIFESTS.yaml...
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import { newAjv, describe, finish } from "./lib.mjs";

const require = createRequire(import.meta.url);
const [schemaDir, ...files] = process.argv.slice(2);
const core = {
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Secret": "kubernetes-models/v1/Secret",
  "v1/Service": "kubernetes-models/v1/Service",
  "v1/Namespace": "kubernetes-models/v1/Namespace",
  "v1/ServiceAccount": "kubernetes-models/v1/ServiceAccount",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "networking.k8s.io/v1/NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
};
const crds = {
  "kafka.strimzi.io/v1/KafkaTopic": "kafkatopic-kafka.strimzi.io-v1.json",
  "keda.sh/v1alpha1/ScaledObject": "scaledobject-keda.sh-v1alpha1.json",
};
const { ObjectMeta } = require("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta");
const ajv = newAjv();

/** kubeconform's strict mode: an object schema that lists its properties allows no others. */
function strict(schema) {
  if (schema && typeof schema === "object") {
    if (schema.type === "object" && schema.properties && schema.additionalProperties === undefined
        && !schema["x-kubernetes-preserve-unknown-fields"]) {
      schema.additionalProperties = false;
    }
    for (const value of Object.values(schema)) strict(value);
  }
  return schema;
}
const crdValidators = {};
function crdValidator(key) {
  if (!(key in crdValidators)) {
    const crd = JSON.parse(readFileSync(join(schemaDir, crds[key]), "utf8"));
    crdValidators[key] = ajv.compile(strict(crd.openAPIV3Schema));
  }
  return crdValidators[key];
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const checked = [];
for (const file of files) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  documents.forEach((document, index) => {
    const where = `${basename(file)}#${index}`;
    const errors = document.errors.map(e => `YAML: ${e.message}`);
    const object = errors.length === 0 ? document.toJS() : null;
    if (object === null || object === undefined) {
      checked.push({ document: where, errors: errors.length ? errors : ["an empty document"] });
      return;
    }
    const key = `${object.apiVersion}/${object.kind}`;
    const name = object.metadata?.name;
    if (!name || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      errors.push(`metadata.name ${JSON.stringify(name)} is not a DNS subdomain name`);
    }
    if (key in core) {
      const Model = require(core[key])[object.kind];
      try {
        new Model(object).validate();
      } catch (e) {
        errors.push(...String(e.message).split("\n").filter(l => l.trim()).map(l => `${key}: ${l.trim()}`));
      }
    } else if (key in crds) {
      const validate = crdValidator(key);
      if (!validate(object)) errors.push(...describe(validate.errors).map(m => `${key}: ${m}`));
      try {
        new ObjectMeta(object.metadata).validate();
      } catch (e) {
        errors.push(`metadata: ${e.message}`);
      }
    } else {
      errors.push(`no schema here for ${key}: add one (deploy/schema-check/kubernetes.mjs) before using it`);
    }
    checked.push({ document: where, kind: object.kind, apiVersion: object.apiVersion, name, errors });
  });
}
finish({ check: "kubernetes-manifests", checked });

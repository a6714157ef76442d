// Validates a stream of Kubernetes manifests offline: every document is
// parsed (the `yaml` package, strict) and checked against the official
// OpenAPI schema of its kind by the matching kubernetes-models class
// (`new Deployment(obj).validate()`). Usage: node validate.mjs [FILE...]
// (stdin when no file is named). Exits 1 naming the object and the error.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion -> the kubernetes-models module of its group and version.
function modulePath(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return `kubernetes-models/${group ? group + "/" : ""}${version}/${kind}`;
}

async function validateText(text, source) {
  let count = 0;
  for (const doc of parseAllDocuments(text, { strict: true, uniqueKeys: true })) {
    if (doc.errors.length) throw new Error(`${source}: YAML: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    const what = `${source}: ${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name)
      throw new Error(`${what}: apiVersion, kind and metadata.name are required`);
    let cls;
    try {
      cls = (await import(modulePath(obj.apiVersion, obj.kind)))[obj.kind];
    } catch (e) {
      throw new Error(`${what}: no schema for ${obj.apiVersion} ${obj.kind}`);
    }
    try {
      new cls(obj).validate();
    } catch (e) {
      throw new Error(`${what}: ${e.message}`);
    }
    count++;
  }
  return count;
}

const files = process.argv.slice(2);
try {
  let total = 0;
  if (files.length === 0) total += await validateText(readFileSync(0, "utf8"), "<stdin>");
  for (const f of files) total += await validateText(readFileSync(f, "utf8"), f);
  console.log(`validate.mjs: ${total} objects valid`);
} catch (e) {
  console.error(`validate.mjs: ${e.message}`);
  process.exit(1);
}

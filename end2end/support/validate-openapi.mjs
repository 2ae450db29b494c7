// Validates an OpenAPI document with @apidevtools/swagger-parser (schema and semantic checks:
// the OpenAPI 3.1 JSON Schema, resolvable $refs, path parameters declared, unique operation
// ids). Run by the Rust integration test `openapi::the_document_is_valid_openapi`:
//   node end2end/support/validate-openapi.mjs <document.json>
// Exits 0 when valid; otherwise prints the errors and exits 1.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate-openapi.mjs <document.json>");
  process.exit(2);
}
try {
  const api = await SwaggerParser.validate(file);
  console.log(`valid: OpenAPI ${api.openapi}, ${Object.keys(api.paths ?? {}).length} paths`);
} catch (error) {
  console.error(error.message);
  for (const detail of error.details ?? []) {
    console.error(JSON.stringify(detail));
  }
  process.exit(1);
}

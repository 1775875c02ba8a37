package report

import _ "embed"

// The JSON document's schema (JSON Schema, draft 2020-12), in the
// repository at report/schema/report.v1.json: the one copy the code, the
// tests and the readers of docs/json-schema.md use.
//
//go:embed schema/report.v1.json
var schemaJSON string

// SchemaID is the schema's $id.
const SchemaID = "https://github.com/cfwatch/cfwatch/report/schema/report.v1.json"

// JSONSchema returns the JSON Schema of the JSON document (Schema,
// cfwatch.report/v1). Every array it lists is always an array and every
// object always there, unless the schema marks it optional.
func JSONSchema() []byte { return []byte(schemaJSON) }

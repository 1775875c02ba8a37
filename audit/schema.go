package audit

import _ "embed"

// SchemaJSON is the JSON Schema (draft 2020-12) of the report's JSON form.
//
//go:embed schema/audit.v1.json
var SchemaJSON []byte

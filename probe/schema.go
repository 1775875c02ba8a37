package probe

import _ "embed"

//go:embed schema/probe.v1.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) of the JSON form.
func Schema() []byte { return append([]byte(nil), schemaJSON...) }

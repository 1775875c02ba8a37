// Package schematest validates reports' JSON against the report package's
// JSON Schema (report.JSONSchema, passed in: package report's own tests use
// this package too), with a well-kept validator
// (github.com/santhosh-tekuri/jsonschema/v6).
package schematest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas are the report's schema, compiled, as published and strict.
type Schemas struct {
	// Published is the schema as shipped: properties it does not list are
	// allowed (fields are only added within a version).
	Published *jsonschema.Schema
	// Strict also refuses properties the schema does not list, but in the
	// input section (another part of the product adds its counts there):
	// a field added to the output without its documentation fails.
	Strict *jsonschema.Schema
}

// Compile compiles schema (report.JSONSchema()), with formats (date-time)
// asserted.
func Compile(tb testing.TB, schema []byte) Schemas {
	tb.Helper()
	published, err := compile(schema, false)
	if err != nil {
		tb.Fatal(err)
	}
	strict, err := compile(schema, true)
	if err != nil {
		tb.Fatal(err)
	}
	return Schemas{Published: published, Strict: strict}
}

func compile(schema []byte, strict bool) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("the report's schema is not JSON: %w", err)
	}
	m, _ := doc.(map[string]any)
	id, _ := m["$id"].(string)
	if id == "" {
		return nil, fmt.Errorf("the report's schema has no $id")
	}
	if strict {
		closeObjects(doc, "")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		return nil, err
	}
	return c.Compile(id)
}

// closeObjects sets additionalProperties false in every object schema
// with properties, but under the input section.
func closeObjects(v any, path string) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["properties"]; ok && !strings.HasSuffix(path, "/properties/input") &&
			!strings.HasSuffix(path, "/lineError") && !strings.HasSuffix(path, "/failedFile") {
			if _, set := v["additionalProperties"]; !set {
				v["additionalProperties"] = false
			}
		}
		for k, x := range v {
			closeObjects(x, path+"/"+k)
		}
	case []any:
		for i, x := range v {
			closeObjects(x, fmt.Sprintf("%s/%d", path, i))
		}
	}
}

// Validate checks doc, a report's JSON, against both schemas.
func (s Schemas) Validate(doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if err := s.Published.Validate(v); err != nil {
		return err
	}
	if err := s.Strict.Validate(v); err != nil {
		return fmt.Errorf("a property the schema does not list: %w", err)
	}
	return nil
}

// Decode reads a JSON document as the validator wants it.
func Decode(r io.Reader) (any, error) { return jsonschema.UnmarshalJSON(r) }

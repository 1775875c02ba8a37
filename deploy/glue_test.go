package deploy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/dataset"
)

// A hiveTable is what a CREATE EXTERNAL TABLE statement from dataset.DDL
// says.
type hiveTable struct {
	name          string
	columns       [][2]string // name, type
	partitions    [][2]string
	storedAs      string
	location      string
	tblproperties map[string]string
}

var (
	ddlHead     = regexp.MustCompile("(?s)^CREATE EXTERNAL TABLE IF NOT EXISTS (.+?) \\(\n(.*?)\n\\)\nPARTITIONED BY \\(\n(.*?)\n\\)\nSTORED AS (\\w+)\nLOCATION '((?:[^'\\\\]|\\\\.)*)'\nTBLPROPERTIES \\(\n(.*)\n\\)$")
	ddlColumn   = regexp.MustCompile("^  `((?:[^`]|``)+)` (\\w+),?$")
	ddlProperty = regexp.MustCompile(`^  '((?:[^'\\]|\\.)*)'='((?:[^'\\]|\\.)*)',?$`)
)

func unquoteHive(s string) string {
	return strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(s)
}

// parseDDL reads the statement dataset.DDL writes.
func parseDDL(t *testing.T, ddl string) hiveTable {
	t.Helper()
	m := ddlHead.FindStringSubmatch(ddl)
	if m == nil {
		t.Fatalf("dataset.DDL's statement is not in the form this test reads; update parseDDL:\n%s", ddl)
	}
	cols := func(block string) [][2]string {
		var out [][2]string
		for _, line := range strings.Split(block, "\n") {
			c := ddlColumn.FindStringSubmatch(line)
			if c == nil {
				t.Fatalf("DDL column line %q", line)
			}
			out = append(out, [2]string{strings.ReplaceAll(c[1], "``", "`"), c[2]})
		}
		return out
	}
	h := hiveTable{
		name:          m[1],
		columns:       cols(m[2]),
		partitions:    cols(m[3]),
		storedAs:      m[4],
		location:      unquoteHive(m[5]),
		tblproperties: map[string]string{},
	}
	for _, line := range strings.Split(m[6], "\n") {
		p := ddlProperty.FindStringSubmatch(line)
		if p == nil {
			t.Fatalf("DDL property line %q", line)
		}
		h.tblproperties[unquoteHive(p[1])] = unquoteHive(p[2])
	}
	return h
}

// The Glue table of the template and the table dataset.DDL describes (the
// DDL `cmd/ingest ddl` prints) agree column for column, in the partition
// keys, the storage and every table property, for the parameter values of
// every scenario: partition projection enum (Distributions set) and
// injected (empty).
func TestGlueTableMatchesDDL(t *testing.T) {
	// The Hive classes STORED AS PARQUET stands for.
	parquet := map[string]string{
		"InputFormat":          "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
		"OutputFormat":         "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
		"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
	}
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		var dists []string
		if d := s.Params["Distributions"]; d != "" {
			dists = strings.Split(d, ",")
		}
		location := "s3://" + outputBucket(s) + "/" + s.Params["OutputPrefix"]
		want := parseDDL(t, dataset.DDL(dataset.DDLOptions{
			Table:         dataset.DefaultTable,
			Location:      location,
			Distributions: dists,
			FirstDay:      s.Params["ProjectionFirstDay"],
		}))

		tbl, err := s.CFN.GetGlueTableWithName("CloudFrontLogsTable")
		if err != nil {
			t.Fatal(err)
		}
		in := tbl.TableInput
		if tbl.DatabaseName != "{GlueDatabase}" || tbl.CatalogId != AccountID {
			t.Errorf("table in database %q of catalog %q", tbl.DatabaseName, tbl.CatalogId)
		}
		if "`"+deref(in.Name)+"`" != want.name || deref(in.TableType) != "EXTERNAL_TABLE" {
			t.Errorf("table %q (%s), DDL creates %s", deref(in.Name), deref(in.TableType), want.name)
		}

		// Columns: the template's, the DDL's and dataset.Columns().
		var got [][2]string
		for _, c := range in.StorageDescriptor.Columns {
			got = append(got, [2]string{c.Name, deref(c.Type)})
		}
		var fromRow [][2]string
		for _, c := range dataset.Columns() {
			fromRow = append(fromRow, [2]string{c.Name, c.Athena})
		}
		if !slices.Equal(want.columns, fromRow) {
			t.Fatalf("dataset.DDL's columns differ from dataset.Columns():\n%v\n%v", want.columns, fromRow)
		}
		if !slices.Equal(got, want.columns) {
			for i := range max(len(got), len(want.columns)) {
				var g, w [2]string
				if i < len(got) {
					g = got[i]
				}
				if i < len(want.columns) {
					w = want.columns[i]
				}
				if g != w {
					t.Errorf("column %d: template %v, dataset %v", i, g, w)
				}
			}
			var b strings.Builder
			for _, c := range dataset.Columns() {
				fmt.Fprintf(&b, "            - {Name: %s, Type: %s}\n", c.Name, c.Athena)
			}
			t.Errorf("the template's Glue columns must be dataset.Columns(); paste under StorageDescriptor.Columns:\n%s", b.String())
		}

		var parts [][2]string
		for _, c := range in.PartitionKeys {
			parts = append(parts, [2]string{c.Name, deref(c.Type)})
		}
		if !slices.Equal(parts, want.partitions) {
			t.Errorf("partition keys %v, DDL %v", parts, want.partitions)
		}
		wantParts := [][2]string{{dataset.PartitionDistribution, "string"}, {dataset.PartitionDay, "string"}, {dataset.PartitionHour, "int"}}
		if !slices.Equal(parts, wantParts) {
			t.Errorf("partition keys %v, want %v", parts, wantParts)
		}

		sd := in.StorageDescriptor
		if want.storedAs != "PARQUET" {
			t.Fatalf("DDL stores as %s", want.storedAs)
		}
		gotFormats := map[string]string{
			"InputFormat":          deref(sd.InputFormat),
			"OutputFormat":         deref(sd.OutputFormat),
			"SerializationLibrary": deref(sd.SerdeInfo.SerializationLibrary),
		}
		if !maps.Equal(gotFormats, parquet) {
			t.Errorf("storage %v, want Parquet's %v", gotFormats, parquet)
		}
		if deref(sd.Location) != want.location {
			t.Errorf("location %q, DDL %q", deref(sd.Location), want.location)
		}

		// Table properties: the DDL's, plus Glue's own two.
		props := map[string]string{}
		for k, v := range in.Parameters.(map[string]any) {
			s, ok := v.(string)
			if !ok {
				t.Errorf("table property %s = %v: Glue properties are strings", k, v)
			}
			props[k] = s
		}
		wantProps := maps.Clone(want.tblproperties)
		wantProps["EXTERNAL"] = "TRUE"
		wantProps["classification"] = "parquet"
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if w, ok := wantProps[k]; !ok {
				t.Errorf("table property %s=%q is not in the DDL", k, props[k])
			} else if props[k] != w {
				t.Errorf("table property %s=%q, DDL %q", k, props[k], w)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(wantProps)) {
			if _, ok := props[k]; !ok {
				t.Errorf("table property %s=%q of the DDL is missing", k, wantProps[k])
			}
		}
		// The partition layout is the one the ingest writes.
		if tmpl := props["storage.location.template"]; tmpl != location+dataset.LocationTemplate() {
			t.Errorf("storage.location.template %q, want %q", tmpl, location+dataset.LocationTemplate())
		}
	})
}

// The Glue database is the one the parameter names.
func TestGlueDatabase(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		db, err := s.CFN.GetGlueDatabaseWithName("GlueDatabase")
		if err != nil {
			t.Fatal(err)
		}
		if deref(db.DatabaseInput.Name) != s.Params["GlueDatabaseName"] || db.CatalogId != AccountID {
			t.Errorf("database %q in catalog %q", deref(db.DatabaseInput.Name), db.CatalogId)
		}
	})
}

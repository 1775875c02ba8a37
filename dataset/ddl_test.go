package dataset

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPartitionPath(t *testing.T) {
	hour := time.Date(2026, 11, 20, 14, 37, 12, 0, time.UTC)
	tests := []struct {
		prefix, dist string
		hour         time.Time
		want         string
	}{
		{"s3://bucket/cloudfront", "E2QWRUHEXAMPLE", hour, "s3://bucket/cloudfront/distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14"},
		{"s3://bucket/cloudfront/", "E2QWRUHEXAMPLE", hour, "s3://bucket/cloudfront/distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14"},
		{"logs", "E2QWRUHEXAMPLE", hour, "logs/distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14"},
		{"", "E2QWRUHEXAMPLE", hour, "distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14"},
		{"p", "", hour, "p/distribution=unknown/day=2026-11-20/hour=14"},
		{"p", "../x=y/z", hour, "p/distribution=..%2Fx%3Dy%2Fz/day=2026-11-20/hour=14"},
		// Converted to UTC.
		{"p", "E1", time.Date(2026, 11, 20, 1, 5, 0, 0, time.FixedZone("X", 3*3600)), "p/distribution=E1/day=2026-11-19/hour=22"},
		{"p", "E1", time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), "p/distribution=E1/day=2026-01-02/hour=03"},
	}
	for _, tt := range tests {
		if got := PartitionPath(tt.prefix, tt.dist, tt.hour); got != tt.want {
			t.Errorf("PartitionPath(%q, %q, %v) = %q, want %q", tt.prefix, tt.dist, tt.hour, got, tt.want)
		}
	}
}

// TestPartitionPathMatchesTemplate: the paths PartitionPath makes are the
// ones the DDL's storage.location.template describes, with each partition's
// value in the form its projection produces.
func TestPartitionPathMatchesTemplate(t *testing.T) {
	hour := time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)
	tmpl := LocationTemplate()
	r := strings.NewReplacer("${distribution}", "E2QWRUHEXAMPLE", "${day}", "2026-03-04", "${hour}", "05")
	want := "s3://b/p/" + r.Replace(tmpl)
	if got := PartitionPath("s3://b/p", "E2QWRUHEXAMPLE", hour) + "/"; got != want {
		t.Errorf("PartitionPath = %q, template gives %q", got, want)
	}
	ddl := DDL(DDLOptions{Location: "s3://b/p"})
	if !strings.Contains(ddl, "'storage.location.template'='s3://b/p/"+tmpl+"'") {
		t.Errorf("DDL does not state the template %q:\n%s", tmpl, ddl)
	}
}

var (
	ddlColumnRe    = regexp.MustCompile("^  `([a-z_0-9]+)` ([a-z]+),?$")
	ddlPropertyRe  = regexp.MustCompile(`^  '([^']+)'='([^']*)',?$`)
	awsColumnTypes = map[string]string{
		// AWS's documented table for CloudFront standard logs.
		"date": "date", "time": "string", "x_edge_location": "string", "sc_bytes": "bigint",
		"c_ip": "string", "cs_method": "string", "cs_host": "string", "cs_uri_stem": "string",
		"sc_status": "int", "cs_referrer": "string", "cs_user_agent": "string",
		"cs_uri_query": "string", "cs_cookie": "string", "x_edge_result_type": "string",
		"x_edge_request_id": "string", "x_host_header": "string", "cs_protocol": "string",
		"cs_bytes": "bigint", "time_taken": "float", "x_forwarded_for": "string",
		"ssl_protocol": "string", "ssl_cipher": "string", "x_edge_response_result_type": "string",
		"cs_protocol_version": "string", "fle_status": "string", "fle_encrypted_fields": "int",
		"c_port": "int", "time_to_first_byte": "float", "x_edge_detailed_result_type": "string",
		"sc_content_type": "string", "sc_content_len": "bigint", "sc_range_start": "bigint",
		"sc_range_end": "bigint",
		// This dataset's additions.
		"request_time": "timestamp", "distribution_id": "string",
		"cs_uri_stem_decoded": "string", "cs_user_agent_decoded": "string", "asn": "bigint",
		"c_country": "string", "origin_fbl": "float", "origin_lbl": "float",
		"cache_behavior_path_pattern": "string",
	}
)

// parseDDL returns the column and partition definitions of a DDL statement
// and its table properties, failing on any line it does not expect.
func parseDDL(t *testing.T, ddl string) (cols, parts [][2]string, props map[string]string) {
	t.Helper()
	props = map[string]string{}
	section := ""
	for _, line := range strings.Split(ddl, "\n") {
		switch {
		case strings.HasPrefix(line, "CREATE EXTERNAL TABLE IF NOT EXISTS "):
			section = "cols"
		case line == "PARTITIONED BY (":
			section = "parts"
		case line == "TBLPROPERTIES (":
			section = "props"
		case line == ")" || line == ")\nSTORED AS PARQUET" || line == "STORED AS PARQUET" || strings.HasPrefix(line, "LOCATION '"):
		case section == "cols" || section == "parts":
			m := ddlColumnRe.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("unexpected DDL line %q", line)
			}
			if section == "cols" {
				cols = append(cols, [2]string{m[1], m[2]})
			} else {
				parts = append(parts, [2]string{m[1], m[2]})
			}
		case section == "props":
			m := ddlPropertyRe.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("unexpected DDL line %q", line)
			}
			props[m[1]] = m[2]
		default:
			t.Fatalf("unexpected DDL line %q", line)
		}
	}
	return cols, parts, props
}

func TestDDL(t *testing.T) {
	ddl := DDL(DDLOptions{
		Table:         "logs.cloudfront",
		Location:      "s3://bucket/cloudfront/",
		Distributions: []string{"E2QWRUHEXAMPLE", "E1ABCDEFGHIJK"},
		FirstDay:      "2026-01-01",
	})
	t.Logf("\n%s", ddl)
	if !strings.HasPrefix(ddl, "CREATE EXTERNAL TABLE IF NOT EXISTS `logs`.`cloudfront` (\n") {
		t.Errorf("DDL starts %q", ddl[:60])
	}
	if strings.Count(ddl, "(") != strings.Count(ddl, ")") {
		t.Errorf("unbalanced parentheses")
	}
	for _, s := range []string{"\nSTORED AS PARQUET\n", "\nLOCATION 's3://bucket/cloudfront/'\n"} {
		if !strings.Contains(ddl, s) {
			t.Errorf("DDL lacks %q", s)
		}
	}
	cols, parts, props := parseDDL(t, ddl)

	// Every column once, in file order, with the type AWS's table has.
	seen := map[string]bool{}
	schemaCols := schema.Columns()
	if len(cols) != len(schemaCols) {
		t.Errorf("DDL has %d columns, the Parquet schema %d", len(cols), len(schemaCols))
	}
	for i, c := range cols {
		if seen[c[0]] {
			t.Errorf("column %s twice", c[0])
		}
		seen[c[0]] = true
		if i < len(schemaCols) && schemaCols[i][0] != c[0] {
			t.Errorf("DDL column %d is %s, file column %s", i, c[0], schemaCols[i][0])
		}
		if want, ok := awsColumnTypes[c[0]]; !ok {
			t.Errorf("column %s is not in the documented column list", c[0])
		} else if c[1] != want {
			t.Errorf("column %s is %s, want %s", c[0], c[1], want)
		}
	}
	for name := range awsColumnTypes {
		if !seen[name] {
			t.Errorf("column %s missing", name)
		}
	}
	// The first 33 are AWS's table, in its order.
	for i, name := range colNames[:33] {
		if cols[i][0] != name {
			t.Errorf("column %d is %s, AWS's table has %s", i, cols[i][0], name)
		}
	}

	// Partition keys: not columns, and projected.
	wantParts := [][2]string{{"distribution", "string"}, {"day", "string"}, {"hour", "int"}}
	if len(parts) != len(wantParts) {
		t.Fatalf("partitions %v, want %v", parts, wantParts)
	}
	for i, p := range parts {
		if p != wantParts[i] {
			t.Errorf("partition %d = %v, want %v", i, p, wantParts[i])
		}
		if seen[p[0]] {
			t.Errorf("partition key %s is also a column", p[0])
		}
		if !strings.Contains(props["storage.location.template"], p[0]+"=${"+p[0]+"}") {
			t.Errorf("template %q lacks %s", props["storage.location.template"], p[0])
		}
	}
	wantProps := map[string]string{
		"projection.enabled":             "true",
		"projection.distribution.type":   "enum",
		"projection.distribution.values": "E2QWRUHEXAMPLE,E1ABCDEFGHIJK",
		"projection.day.type":            "date",
		"projection.day.format":          "yyyy-MM-dd",
		"projection.day.range":           "2026-01-01,NOW",
		"projection.day.interval":        "1",
		"projection.day.interval.unit":   "DAYS",
		"projection.hour.type":           "integer",
		"projection.hour.range":          "0,23",
		"projection.hour.digits":         "2",
		"storage.location.template":      "s3://bucket/cloudfront/distribution=${distribution}/day=${day}/hour=${hour}/",
		"parquet.compression":            "ZSTD",
	}
	for k, v := range wantProps {
		if props[k] != v {
			t.Errorf("property %s = %q, want %q", k, props[k], v)
		}
	}
}

func TestDDLDefaults(t *testing.T) {
	ddl := DDL(DDLOptions{Location: "s3://bucket/p"})
	_, _, props := parseDDL(t, ddl)
	if !strings.HasPrefix(ddl, "CREATE EXTERNAL TABLE IF NOT EXISTS `cloudfront_logs` (") {
		t.Errorf("default table: %q", ddl[:60])
	}
	if props["projection.distribution.type"] != "injected" {
		t.Errorf("no distributions listed: projection type %q, want injected", props["projection.distribution.type"])
	}
	if _, ok := props["projection.distribution.values"]; ok {
		t.Errorf("injected projection with values")
	}
	if props["projection.day.range"] != "NOW-1YEARS,NOW" {
		t.Errorf("day range %q", props["projection.day.range"])
	}
	if !strings.Contains(ddl, "LOCATION 's3://bucket/p/'") {
		t.Errorf("location not normalised")
	}
}

// TestDDLQuotes: options never break out of their quotes.
func TestDDLQuotes(t *testing.T) {
	ddl := DDL(DDLOptions{Table: "a`b", Location: `s3://b/it's\`, Distributions: []string{"E1'); DROP TABLE x; --"}})
	if !strings.Contains(ddl, "`a``b`") {
		t.Errorf("table name not quoted: %s", ddl[:60])
	}
	if !strings.Contains(ddl, `LOCATION 's3://b/it\'s\\/'`) {
		t.Errorf("location not escaped:\n%s", ddl)
	}
	if !strings.Contains(ddl, `'E1\'); DROP TABLE x; --'`) {
		t.Errorf("distribution not escaped:\n%s", ddl)
	}
}

func TestColumnsAndAthenaTypes(t *testing.T) {
	cols := Columns()
	if len(cols) != numColumns {
		t.Fatalf("%d columns", len(cols))
	}
	for i, c := range cols {
		if c.Name != colNames[i] {
			t.Errorf("column %d = %s, want %s", i, c.Name, colNames[i])
		}
		if want := awsColumnTypes[c.Name]; c.Athena != want {
			t.Errorf("%s: Athena type %s, want %s", c.Name, c.Athena, want)
		}
	}
	if err := checkColumns(schema); err != nil {
		t.Error(err)
	}
}

// TestPartitionPathLongDistribution: a distribution too long for a path
// segment keeps a readable prefix and a hash of the whole value, never
// cutting an escape; values that differ only past the prefix stay apart.
func TestPartitionPathLongDistribution(t *testing.T) {
	hour := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	seg := func(dist string) string {
		return strings.Split(PartitionPath("p", dist, hour), "/")[1]
	}
	long := strings.Repeat("E", 300)
	escaped := strings.Repeat("é/", 100)
	exact := strings.Repeat("A", MaxPartitionValue)
	seen := map[string]bool{}
	for _, dist := range []string{long, long + "X", escaped, escaped + "x", strings.Repeat("a%", 80), exact, exact + "B"} {
		s := seg(dist)
		v := strings.TrimPrefix(s, "distribution=")
		if len(v) > MaxPartitionValue || len(s) > 255 {
			t.Errorf("%d-byte distribution: segment of %d bytes", len(dist), len(s))
		}
		if seen[s] {
			t.Errorf("%d-byte distribution: segment %s given twice", len(dist), s)
		}
		seen[s] = true
		if got := regexp.MustCompile(`%[0-9A-F]?-[0-9a-f]{16}$`).FindString(v); got != "" {
			t.Errorf("segment %s cuts an escape", s)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9._%-]+$`).MatchString(v) {
			t.Errorf("segment %s has other characters", s)
		}
	}
	if v := strings.TrimPrefix(seg(exact), "distribution="); v != exact {
		t.Errorf("a %d-byte value was changed to %s", len(exact), v)
	}
	if v := strings.TrimPrefix(seg(long), "distribution="); !strings.HasPrefix(v, strings.Repeat("E", 100)) || !regexp.MustCompile(`-[0-9a-f]{16}$`).MatchString(v) {
		t.Errorf("long value written %s, want a readable prefix and a hash", v)
	}
}

// TestParsePartitionPath: ParsePartitionPath reads back what PartitionPath
// writes (prefix, distribution, hour), hostile distributions included, and
// refuses paths that are not a partition.
func TestParsePartitionPath(t *testing.T) {
	hour := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ prefix, dist string }{
		{"s3://bucket/cloudfront", "E2QWRUHEXAMPLE"},
		{"logs/a/b", "E1"},
		{"", "E2QWRUHEXAMPLE"},
		{"p", "../x=y/z"},
		{"p", "é%41 \x00'"},
		{"p", strings.Repeat("A", MaxPartitionValue)},
	} {
		for _, h := range []time.Time{hour, time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)} {
			p := PartitionPath(tc.prefix, tc.dist, h)
			for _, in := range []string{p, p + "/"} {
				prefix, dist, got, ok := ParsePartitionPath(in)
				if !ok || prefix != tc.prefix || dist != tc.dist || !got.Equal(h) || got.Location() != time.UTC {
					t.Errorf("ParsePartitionPath(%q) = %q, %q, %v, %v; want %q, %q, %v", in, prefix, dist, got, ok, tc.prefix, tc.dist, h)
				}
			}
		}
	}
	if _, dist, _, ok := ParsePartitionPath(PartitionPath("p", "", hour)); !ok || dist != UnknownDistribution {
		t.Errorf("empty distribution read back as %q, %v; want %q", dist, ok, UnknownDistribution)
	}
	for _, bad := range []string{
		"",
		"day=2026-11-20/hour=14",
		"p/distribution=/day=2026-11-20/hour=14",
		"p/distribution=E1/day=2026-11-20/hour=24",
		"p/distribution=E1/day=2026-11-20/hour=",
		"p/distribution=E1/day=2026-11-20/hour=014",
		"p/distribution=E1/day=2026-13-20/hour=14",
		"p/distribution=E1/day=20261120/hour=14",
		"p/distribution=E1/hour=14/day=2026-11-20",
		"p/dist=E1/day=2026-11-20/hour=14",
		"p/distribution=E1/day=2026-11-20/hour=14/x.parquet",
	} {
		if _, _, _, ok := ParsePartitionPath(bad); ok {
			t.Errorf("ParsePartitionPath(%q) ok, want not a partition", bad)
		}
	}
}

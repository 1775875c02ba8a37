package detectors

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/logparse"
)

// writeRecords writes recs to a Parquet dataset file the way ingest writes
// them and returns its path.
func writeRecords(t *testing.T, recs []logparse.Record) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "records.parquet")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := dataset.NewWriter(f, dataset.Options{DistributionID: "E1"})
	for i := range recs {
		if err := w.Write(&recs[i], ""); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

// resultTypeValues are the values that tell the result-type rules apart:
// every exact value of the rule tables, each pattern's shortest match and
// a longer one, near misses, and none ("").
func resultTypeValues(rules ...[]valueRule) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range []string{"", "Error", "Hit", "RefreshHit", "Miss", "Redirect", "Lambda", "Function", "Exceeded", "GeneratedResponse"} {
		add(s)
	}
	for _, rs := range rules {
		for _, v := range rs {
			add(v.prefix + v.suffix)
			if v.pattern {
				add(v.prefix + "Foo" + v.suffix)
			}
		}
	}
	return out
}

// TestShortLayerSQL proves the short forms the alert queries use equal the
// layer attribution they stand for: EdgeComputeSQL is LayerSQL() =
// 'edge-compute' and Classify's LayerEdgeCompute, configuredRefusal4xxSQL
// is ConfiguredRefusalSQL and ConfiguredRefusal on every 4xx. The requests
// are every combination of the three result types over the values the
// rule tables name (at a 4xx and a 5xx), then every combination of the
// other fields the generic reading looks at (status, time-to-first-byte,
// content type, field-level encryption, signed-URL credential).
func TestShortLayerSQL(t *testing.T) {
	db := duckdbtest.Open(t)
	var cases []layerCase
	all := resultTypeValues(anyFieldRules[:], detailedRules[:])
	some := resultTypeValues(anyFieldRules[:])
	for _, status := range []string{"403", "503"} {
		for _, d := range all {
			for _, rt := range some {
				for _, rrt := range some {
					cases = append(cases, layerCase{status: status, d: d, rt: rt, rrt: rrt, ttfb: "0.000", ctype: "text/html", clen: "915"})
				}
			}
		}
	}
	for _, d := range []string{"", "Error", "ClientGeoBlocked", "InvalidRequestBlocked", "Hit", "LimitExceeded"} {
		for _, rt := range []string{"Error", "Hit", "Miss", "LambdaExecutionError"} {
			for _, status := range []string{"400", "403", "404", "429", "502", "000", "200"} {
				for _, ttfb := range []string{"0.000", "0.001", "0.002", "0.500", "-"} {
					for _, ctype := range []string{"text/xml", "application/xml", "APPLICATION/XML;charset=UTF-8", "text/html", ""} {
						for _, fle := range []string{"", "Rejected", "MalformedInput", "FieldLimitClientError", "Processed"} {
							for _, query := range []string{"", "Expires=1&Key-Pair-Id=K2JCJMDEHXQW5F"} {
								cases = append(cases, layerCase{status: status, d: d, rt: rt, rrt: "Error", ttfb: ttfb, ctype: ctype, clen: "243", fle: fle, query: query})
							}
						}
					}
				}
			}
		}
	}
	recs := readAll(t, layerLog(cases))
	if len(recs) != len(cases) {
		t.Fatalf("%d records of %d cases", len(recs), len(cases))
	}
	file := writeRecords(t, recs)
	q := fmt.Sprintf(`SELECT file_row_number AS n, %s AS short_ec, %s = 'edge-compute' AS long_ec,
  coalesce(sc_status BETWEEN 400 AND 499, FALSE) AS is4xx, coalesce((%s), FALSE) AS short_cfg, %s AS long_cfg
FROM read_parquet(%s, file_row_number = true) ORDER BY n`,
		EdgeComputeSQL(), LayerSQL(), configuredRefusal4xxSQL(), ConfiguredRefusalSQL(), duckdbtest.String(file))
	rows := duckdbtest.Query(t, db, q)
	if len(rows) != len(recs) {
		t.Fatalf("%d rows, want %d", len(rows), len(recs))
	}
	var ecs, cfgs, bad int
	for i, row := range rows {
		rec := &recs[i]
		goEC, goCfg := Classify(rec).Layer() == LayerEdgeCompute, ConfiguredRefusal(rec)
		wrong := row["short_ec"] != goEC || row["long_ec"] != goEC
		if row["is4xx"] == true {
			wrong = wrong || row["short_cfg"] != goCfg || row["long_cfg"] != goCfg
		}
		if goEC {
			ecs++
		}
		if goCfg {
			cfgs++
		}
		if wrong {
			if bad++; bad <= 20 {
				t.Errorf("%d %s/%s/%s ttfb %v %q fle %q query %q: Go edge-compute %v configured %v, SQL %v",
					rec.Status, rec.EdgeDetailedResultType, rec.EdgeResultType, rec.EdgeResponseResultType, rec.TimeToFirstByte,
					rec.ContentType, rec.FLEStatus, rec.Query, goEC, goCfg, row)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d requests differ", bad, len(rows))
	}
	// Both sides of each test are well represented.
	if ecs < len(rows)/10 || ecs > len(rows)*9/10 || cfgs < 1000 || cfgs > len(rows)/2 {
		t.Errorf("%d requests, %d of the edge-compute layer, %d configured refusals: not a test of both sides", len(rows), ecs, cfgs)
	}
	if !strings.Contains(EdgeComputeSQL(), "x_edge_response_result_type") {
		t.Error("EdgeComputeSQL does not read x-edge-response-result-type")
	}
}

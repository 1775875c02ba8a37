package detectors

import (
	"fmt"
	"testing"

	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/logparse"
)

// TestLayerSQL holds the SQL twins to the Go functions: every case of
// layerCases (and of the predicates' own cases) is written to a Parquet
// dataset file the way ingest writes it, and DuckDB computes ReasonSQL,
// LayerSQL and each predicate's SQL over the dataset's columns, request by
// request.
func TestLayerSQL(t *testing.T) {
	db := duckdbtest.Open(t)
	cases := append([]layerCase{}, layerCases...)
	for _, p := range []string{"/api", "/api/x", "/apix/y", "/static/a.js", "/api/auth/csrf", "/api/auth/providers", "/api/auth/signin"} {
		for _, c := range []layerCase{
			origin("403", "application/xml", "243", ReasonS3XMLError),
			{status: "200", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.010", ctype: "text/html;%20charset=utf-8", clen: "1200"},
			{status: "200", rt: "Hit", rrt: "Hit", d: "Hit", ttfb: "0.000", ctype: "TEXT/HTML", clen: "1200"},
			ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
		} {
			c.path = p
			cases = append(cases, c)
		}
	}
	recs := readAll(t, layerLog(cases))
	file := writeRecords(t, recs)

	apiPrefixes := []string{"/api", "/plugin's"}
	q := fmt.Sprintf(`SELECT x_edge_request_id AS id, %s AS reason, %s AS layer,
  coalesce(%s, FALSE) AS s3api, coalesce(%s, FALSE) AS fn, coalesce(%s, FALSE) AS html, coalesce(%s, FALSE) AS cfg,
  coalesce(%s, FALSE) AS notasked
FROM read_parquet(%s) ORDER BY id`,
		ReasonSQL(), LayerSQL(), S3ErrorOnAPISQL(apiPrefixes), EdgeFunctionFailureSQL(), JSONEndpointHTMLSQL("/api/auth"),
		ConfiguredRefusalSQL(), OriginNotAskedSQL(), duckdbtest.String(file))
	rows := duckdbtest.Query(t, db, q)
	if len(rows) != len(recs) {
		t.Fatalf("%d rows, want %d", len(rows), len(recs))
	}
	byID := map[string]*logparse.Record{}
	for i := range recs {
		byID[recs[i].RequestID] = &recs[i]
	}
	seen := map[string]bool{}
	for _, row := range rows {
		rec := byID[row["id"].(string)]
		if rec == nil {
			t.Fatalf("row %v: no such request", row)
		}
		r := Classify(rec)
		seen[r.String()] = true
		want := duckdbtest.Row{"id": rec.RequestID, "reason": r.String(), "layer": r.Layer().String(),
			"s3api": S3ErrorOnAPI(rec, apiPrefixes), "fn": EdgeFunctionFailure(rec), "html": JSONEndpointHTML(rec, "/api/auth"),
			"cfg": ConfiguredRefusal(rec), "notasked": OriginNotAsked(rec)}
		for k, v := range want {
			if row[k] != v {
				t.Errorf("%s (%d %s/%s/%s ttfb %v %s %s): SQL %s = %v, Go %v", rec.RequestID, rec.Status, rec.EdgeResultType,
					rec.EdgeResponseResultType, rec.EdgeDetailedResultType, rec.TimeToFirstByte, rec.URIStem, rec.ContentType, k, row[k], v)
			}
		}
	}
	for r := ReasonNone; r < numReasons; r++ {
		if !seen[r.String()] {
			t.Errorf("reason %q never compared", r)
		}
	}
}

package athena

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/internal/schematest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// issue16Kinds are loggen's kinds of issue 16, each in its own hour
// (geo-restricted and waf-noise, noise, over the whole day), among the
// day's ordinary traffic.
func issue16Kinds() loggen.Config {
	at := func(k loggen.Kind, from, until int) loggen.Incident {
		return loggen.Incident{Kind: k, From: t0.Add(time.Duration(from) * time.Hour),
			Until: t0.Add(time.Duration(until) * time.Hour), Rate: k.DefaultRate()}
	}
	return loggen.Config{Seed: 16, Start: t0, Duration: 10 * time.Hour, RequestsPerHour: 2500, CookieLogging: true,
		Incidents: []loggen.Incident{
			at(loggen.APIRoutedToStatic, 1, 2), at(loggen.EdgeFunctionError, 2, 3), at(loggen.CloudFrontFunctionError, 3, 4),
			at(loggen.AuthCookieOversize, 4, 6), at(loggen.AuthHTMLResponse, 6, 7), at(loggen.PostSignatureRejected, 7, 8),
			at(loggen.EdgeRefusalsOnAuth, 8, 9), at(loggen.GeoRestricted, 0, 10), at(loggen.WAFNoise, 0, 10),
		}}
}

// TestSameAsLocalIssue16: over loggen's issue-16 kinds (S3 answering the
// API, Lambda@Edge and CloudFront Functions failures, oversize cookies,
// HTML on JSON endpoints, refused POST signatures, WAF, geo and signed-URL
// refusals), Athena's statements run by DuckDB give the local engine's
// report byte for byte, failures_by_layer included, and every layer the
// kinds stand for is in it.
func TestSameAsLocalIssue16(t *testing.T) {
	schema := schematest.Compile(t, report.JSONSchema())
	tmp := t.TempDir()
	logs := filepath.Join(tmp, "logs")
	if _, err := loggen.WriteDir(context.Background(), logs, issue16Kinds()); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(tmp, "ds")
	datasettest.Write(t, logs, root, dataset.Options{RowGroupRows: 2000})
	db := openTable(t, root)
	cfg := detectors.DefaultConfig()
	cfg.APIPrefixes = []string{"/api", "/api/v1"}
	// A warn_bytes under the rule's SQL's (the default's), in a window
	// that does not divide an hour.
	low := detectors.DefaultConfig()
	low.Window = 7 * time.Minute
	low.AuthCookieOversize.WarnBytes = 9000
	for _, c := range []struct {
		name   string
		opts   report.Options
		layers []string // layers the window's failures_by_layer must hold
	}{
		{"day", report.Options{Window: window(0, 10*time.Hour)},
			[]string{"edge-config", "edge-refusal", "edge-compute", "origin"}},
		{"api-routed-to-static-origin", report.Options{Window: window(time.Hour, 2*time.Hour)}, []string{"edge-config", "origin"}},
		{"edge-functions", report.Options{Window: window(2*time.Hour, 4*time.Hour), Detectors: &cfg}, []string{"edge-compute"}},
		{"cookie-oversize-baseline", func() report.Options {
			w := window(4*time.Hour, 6*time.Hour)
			b := report.Shifted(w, 2*time.Hour)
			return report.Options{Window: w, Baseline: &b, Interval: 20 * time.Minute}
		}(), []string{"origin"}},
		{"cookie-oversize-low-warn", report.Options{Window: window(4*time.Hour+30*time.Minute, 6*time.Hour), Detectors: &low}, []string{"origin"}},
		{"edge-refusals-on-auth", report.Options{Window: window(8*time.Hour, 9*time.Hour)}, []string{"edge-config", "edge-refusal"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			local := localReport(t, root, c.opts)
			rep, err := Run(context.Background(), &duck{db: db}, c.opts, Options{Dialect: DuckDB, Engine: "duckdb"})
			if err != nil {
				t.Fatal(err)
			}
			if l, a := jsonOf(t, local, false), jsonOf(t, rep, false); l != a {
				t.Errorf("reports differ:\n%s", firstDiff(l, a))
			}
			if strings.HasPrefix(c.name, "cookie-oversize-") {
				// The same finding, by the comparison above: its first
				// seen and its evidence from every auth request's size
				// and session cookie chunks.
				i := slices.IndexFunc(rep.Findings, func(f detectors.Finding) bool { return f.Rule == detectors.RuleAuthCookieOversize })
				if i < 0 {
					t.Fatalf("no auth-cookie-oversize finding: %v", rep.Findings)
				}
				ev := rep.Findings[i].Evidence
				for _, k := range []string{"auth_cs_bytes_p95", "auth_cs_bytes_max", "session_token_chunks_first_hour", "session_token_chunks_last_hour"} {
					if ev[k] <= 0 {
						t.Errorf("auth-cookie-oversize: evidence %s = %d: %v", k, ev[k], ev)
					}
				}
			}
			var doc bytes.Buffer
			if err := rep.WriteJSON(&doc); err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc.Bytes()); err != nil {
				t.Errorf("athena's JSON: %v", err)
			}
			seen := map[string]int64{}
			for _, r := range rep.FailuresByLayer {
				seen[r.Layer] += r.Requests
			}
			for _, l := range c.layers {
				if seen[l] == 0 {
					t.Errorf("no %s failure in failures_by_layer: %v", l, seen)
				}
			}
		})
	}
}

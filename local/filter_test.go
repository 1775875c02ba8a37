package local

import (
	"context"
	"encoding/json"
	"github.com/cfwatch/cfwatch/report"
	"path/filepath"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/source"
)

// Two sites' logs in one directory: --distribution and --host report on one
// of them exactly as if only its files were there.
func TestFilter(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	site := func(sub, dist, domain string, kind loggen.Kind) string {
		d := filepath.Join(dir, sub)
		_, err := loggen.WriteDir(context.Background(), d, loggen.Config{
			Seed: 5, Start: start, Duration: 2 * time.Hour, RequestsPerHour: 3000, DistributionID: dist, Domain: domain,
			Incidents: []loggen.Incident{{Kind: kind, From: start.Add(time.Hour), Until: start.Add(2 * time.Hour), Rate: kind.DefaultRate()}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	shop := site("shop", "E1SHOPEXAMPLE", "shop.example.com", loggen.MethodRejected)
	site("blog", "E2BLOGEXAMPLE", "blog.example.com", loggen.Origin5xx)
	w := source.Window{From: start, Until: start.Add(2 * time.Hour)}
	for name, f := range map[string]report.Filter{
		"distribution": {Distributions: []string{"E1SHOPEXAMPLE"}},
		"host":         {Hosts: []string{"Shop.Example.com"}},
	} {
		t.Run(name, func(t *testing.T) {
			// The shop's files alone, with the same filter (a few of its
			// requests, scanners', name no host or another one).
			alone := runOver(t, shop, report.Options{Window: w, Filter: f})
			got := runOver(t, dir, report.Options{Window: w, Filter: f})
			if got.Input.RecordsFiltered == 0 && got.Input.FilesFiltered == 0 {
				t.Fatalf("nothing filtered: %+v", got.Input)
			}
			if name == "distribution" && got.Input.FilesFiltered != alone.Input.Files {
				t.Errorf("%d files left unread, want the other site's %d", got.Input.FilesFiltered, alone.Input.Files)
			}
			if got.Totals.Requests == 0 || got.Totals.Requests != alone.Totals.Requests {
				t.Errorf("%d requests, want %d (the shop alone)", got.Totals.Requests, alone.Totals.Requests)
			}
			for _, part := range []struct {
				name string
				a, b any
			}{{"totals", alone.Totals, got.Totals}, {"status", alone.Status, got.Status}, {"findings", alone.Findings, got.Findings}, {"checks", alone.Checks, got.Checks}} {
				a, _ := json.Marshal(part.a)
				b, _ := json.Marshal(part.b)
				if string(a) != string(b) {
					t.Errorf("%s differ from the shop's alone:\n%s\n%s", part.name, b, a)
				}
			}
			for _, fd := range got.Findings {
				if fd.Rule != "method-rejected" {
					t.Errorf("finding %s of the other site", fd.Key)
				}
			}
		})
	}
}

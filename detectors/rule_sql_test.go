package detectors

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// TestRuleSQLEqualsGo holds every rule's failsSQL to its Go predicate,
// request by request: over a dataset written from loggen's every kind of
// incident, the layer cases (hostile combinations of result types, status,
// timing, content type, credentials) on auth, API and static paths with
// GET, POST and OPTIONS, and the real logs of ../shared/real-logs as
// logged and moved under the auth and API prefixes, DuckDB selects the
// requests each rule's failsSQL returns; among the requests the rule
// counts (its scope and series, the alert query's group), they are
// exactly those its fails returns.
//
// Rules read with the default Config, which their SQL encodes (auth
// library auto, auth-cookie-oversize's byte thresholds). Where the Go side
// reads more than a row, the test says what it compares:
// auth-insecure-scheme's failsSQL also returns the NextAuth requests
// through a *.cloudfront.net name (its merge's, not fails'), so its Go side
// is fails or a host of that name.
func TestRuleSQLEqualsGo(t *testing.T) {
	db := duckdbtest.Open(t)
	recs := ruleSQLRecords(t)
	file := writeRecords(t, recs)

	e := mustNew(t, DefaultConfig())
	cols := make([]string, len(e.rules))
	for i := range e.rules {
		cols[i] = fmt.Sprintf("coalesce((%s), FALSE) AS r%d", strings.ReplaceAll(e.rules[i].failsSQL, "regexp_like(", "regexp_matches("), i)
	}
	q := fmt.Sprintf("SELECT file_row_number AS n, %s\nFROM read_parquet(%s, file_row_number = true) ORDER BY n",
		strings.Join(cols, ",\n  "), duckdbtest.String(file))
	rows := duckdbtest.Query(t, db, q)
	if len(rows) != len(recs) {
		t.Fatalf("%d rows, want %d", len(rows), len(recs))
	}
	counted := make([]int, len(e.rules))
	failing := make([]int, len(e.rules))
	bad := make([]int, len(e.rules))
	for n := range recs {
		rec := &recs[n]
		h, x, sc := e.ruleView(rec)
		for i := range e.rules {
			r := &e.rules[i]
			if r.scope&sc == 0 || r.series(e, r, h, x) == nil {
				continue
			}
			counted[i]++
			goFails := r.fails(x)
			if r.id == RuleAuthInsecureScheme {
				goFails = goFails || h.viaCF
			}
			if goFails {
				failing[i]++
			}
			if sqlFails := rows[n][fmt.Sprintf("r%d", i)]; sqlFails != goFails {
				if bad[i]++; bad[i] <= 5 {
					t.Errorf("%s: request %d (%s %s %s %d %s/%s/%s ttfb %g %q, cookie of %d bytes): Go %v, SQL %v", r.id, n, rec.Method, rec.HostHeader, rec.URIStem,
						rec.Status, rec.EdgeDetailedResultType, rec.EdgeResultType, rec.EdgeResponseResultType, rec.TimeToFirstByte, rec.ContentType, len(rec.Cookie),
						goFails, sqlFails)
				}
			}
		}
	}
	t.Logf("%d requests", len(recs))
	for i := range e.rules {
		t.Logf("%s: %d of %d counted requests fail", e.rules[i].id, failing[i], counted[i])
		if bad[i] > 0 {
			t.Errorf("%s: %d of %d counted requests differ", e.rules[i].id, bad[i], counted[i])
		}
		// Both answers are tested for every rule.
		if failing[i] == 0 || failing[i] == counted[i] {
			t.Errorf("%s: %d of %d counted requests fail: not a test of both answers", e.rules[i].id, failing[i], counted[i])
		}
	}
}

// ruleView fills the Engine's request for rec as Observe does, without
// counting it anywhere: its host, the request as the rules see it, and its
// scope.
func (e *Engine) ruleView(rec *logparse.Record) (*hostState, *request, Scope) {
	x := &e.req
	x.rec = rec
	e.classify(rec.URIStem, &x.pc)
	host := rec.HostHeader
	if host == "" {
		host = rec.Host
	}
	h := e.hostFor(rec.DistributionID, host, rec.Host)
	x.t = rec.Time.UnixNano()
	x.refused = isInvalidMethod(rec)
	x.configured = rec.Status >= 400 && rec.Status <= 499 && !x.refused && ConfiguredRefusal(rec)
	x.mi = methodIndex(rec.Method)
	sc := ScopeDefault
	if x.pc.api >= 0 {
		sc = ScopeAPI
		if x.pc.ep != epNone {
			sc |= ScopeAuth
			if x.pc.ep.known() {
				sc |= ScopeEndpoint
			}
		}
	}
	return h, x, sc
}

// ruleSQLRecords returns TestRuleSQLEqualsGo's requests.
func ruleSQLRecords(t *testing.T) []logparse.Record {
	t.Helper()
	// loggen: every kind of incident at once, over an hour.
	cfg := loggen.Config{Seed: 16, Start: scenarioStart, Duration: time.Hour, RequestsPerHour: 4000, CookieLogging: true}
	for _, k := range loggen.Kinds() {
		cfg.Incidents = append(cfg.Incidents, incident(k, 0, time.Hour, 0))
	}
	recs := readAll(t, string(generate(t, cfg)))
	if len(recs) < 4000 {
		t.Fatalf("%d generated requests", len(recs))
	}

	// The layer cases on every kind of path, with the methods the rules
	// tell apart.
	layer := readAll(t, layerLog(layerCases))
	for _, p := range []string{"/api/auth/callback/google", "/api/auth/session", "/api/auth/signin", "/api/auth/unknown", "/api/items/1", "/_next/static/a.js", "/"} {
		for _, m := range []string{"GET", "POST", "OPTIONS", "PUT"} {
			for _, rec := range layer {
				rec.URIStem, rec.Method = p, m
				recs = append(recs, rec)
			}
		}
	}

	// The real logs, as logged and moved under the prefixes.
	dir, ok := testenv.LookupSharedDir()
	if !ok {
		t.Log("no ../shared: the real logs are left out")
		return recs
	}
	names, err := filepath.Glob(filepath.Join(dir, "real-logs", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var real []logparse.Record
	for _, name := range names {
		if filepath.Base(name) == "PROVENANCE.tsv" {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		real = append(real, readLenient(data)...)
	}
	if len(real) == 0 {
		t.Fatal("no record in the real logs")
	}
	for _, rec := range real {
		recs = append(recs, rec)
		for _, p := range []string{"/api/auth/callback/github", "/api/auth/session", "/api/orders"} {
			rec.URIStem = p
			recs = append(recs, rec)
		}
	}
	return recs
}

// readLenient returns the records of a log file, past its bad lines; a
// file that is no log gives none.
func readLenient(data []byte) []logparse.Record {
	r := logparse.NewReader(bytes.NewReader(data))
	defer r.Close()
	var out []logparse.Record
	for {
		var rec logparse.Record
		err := r.Read(&rec)
		var pe *logparse.ParseError
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &pe):
			continue
		case err != nil:
			return out
		}
		out = append(out, rec)
	}
}

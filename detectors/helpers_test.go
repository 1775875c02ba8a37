package detectors

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// scenarioStart is the start of every generated scenario: a weekday
// afternoon (UTC), near loggen's traffic peak.
var scenarioStart = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// generate returns the log text of cfg (defaults: scenarioStart, 3h).
func generate(t testing.TB, cfg loggen.Config) []byte {
	t.Helper()
	if cfg.Start.IsZero() {
		cfg.Start = scenarioStart
	}
	if cfg.Duration == 0 {
		cfg.Duration = 3 * time.Hour
	}
	var buf bytes.Buffer
	if _, err := loggen.Stream(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// observeAll parses data and feeds every record to eng; it returns the
// request IDs seen.
func observeAll(t testing.TB, eng *Engine, data []byte, dist string) map[string]bool {
	t.Helper()
	r := logparse.NewReader(bytes.NewReader(data))
	defer r.Close()
	ids := make(map[string]bool)
	var rec logparse.Record
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			return ids
		}
		var pe *logparse.ParseError
		if errors.As(err, &pe) {
			t.Fatalf("parse error: %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		ids[rec.RequestID] = true
		if eng != nil {
			eng.Observe(&rec, dist)
		}
	}
}

// incident is an injected incident over [start+from, start+until).
func incident(kind loggen.Kind, from, until time.Duration, rate float64) loggen.Incident {
	if rate == 0 {
		rate = kind.DefaultRate()
	}
	return loggen.Incident{Kind: kind, From: scenarioStart.Add(from), Until: scenarioStart.Add(until), Rate: rate}
}

// mustNew returns New(cfg), failing the test on an invalid cfg.
func mustNew(tb testing.TB, cfg Config) *Engine {
	tb.Helper()
	e, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

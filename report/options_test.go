package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/local"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

// TestValidateDefaults: Validate fills in the defaults, in UTC, and gives
// the engine a copy of the detectors' settings.
func TestValidateDefaults(t *testing.T) {
	ny := time.FixedZone("EST", -5*3600)
	w := source.Window{From: t0.In(ny), Until: t0.Add(time.Hour).In(ny)}
	b := report.Shifted(w, time.Hour)
	cfg := detectors.DefaultConfig()
	o := report.Options{Window: w, Baseline: &b, Detectors: &cfg}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.TopN != report.DefaultTopN || o.MinRecords != 1 || o.Window.From.Location() != time.UTC || o.Baseline.Until.Location() != time.UTC {
		t.Errorf("defaults: %+v", o)
	}
	if !o.Window.From.Equal(w.From) || !o.Baseline.From.Equal(b.From) {
		t.Errorf("windows moved: %+v", o)
	}
	o.Detectors.AuthPrefix = "/changed"
	if cfg.AuthPrefix == "/changed" {
		t.Error("Validate shares the caller's detectors settings")
	}
	var zero report.Options
	zero.Window = w
	if err := zero.Validate(); err != nil || zero.Detectors == nil || zero.Detectors.AuthPrefix != detectors.DefaultConfig().AuthPrefix {
		t.Errorf("nil Detectors: %v, %+v", err, zero.Detectors)
	}
}

// TestValidateRefuses: each engine refuses an invalid audit with the same
// error, before reading anything.
func TestValidateRefuses(t *testing.T) {
	w := source.Window{From: t0, Until: t0.Add(time.Hour)}
	empty := source.Window{From: t0, Until: t0}
	bad := detectors.DefaultConfig()
	bad.Window = 0
	for name, c := range map[string]struct {
		opts report.Options
		want string
	}{
		"empty window":    {report.Options{Window: empty}, "window"},
		"reversed window": {report.Options{Window: source.Window{From: w.Until, Until: w.From}}, "window"},
		"empty baseline":  {report.Options{Window: w, Baseline: &empty}, "baseline"},
		"negative top":    {report.Options{Window: w, TopN: -1}, "TopN"},
		"negative min":    {report.Options{Window: w, MinRecords: -1}, "MinRecords"},
		"negative step":   {report.Options{Window: w, Interval: -time.Minute}, "interval"},
		"detectors":       {report.Options{Window: w, Detectors: &bad}, "detectors: window"},
	} {
		t.Run(name, func(t *testing.T) {
			o := c.opts
			err := o.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate: %v, want an error about %s", err, c.want)
			}
			if _, lerr := local.Run(context.Background(), source.Listing{}, c.opts, local.Options{}); lerr == nil || lerr.Error() != err.Error() {
				t.Errorf("local engine: %v, want %v", lerr, err)
			}
			var base *report.Figures
			if c.opts.Baseline != nil {
				base = &report.Figures{}
			}
			if _, ferr := report.FromFigures(c.opts, report.Input{}, source.Near{}, report.Figures{}, base, nil, nil); ferr == nil || ferr.Error() != err.Error() {
				t.Errorf("FromFigures: %v, want %v", ferr, err)
			}
		})
	}
}

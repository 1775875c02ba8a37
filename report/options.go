package report

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
)

// An Engine computes the audit of opts over its input: package local reads
// the log files or the dataset's files itself, package athena queries the
// dataset's table. Both give the same Report for the same records.
type Engine interface {
	Report(ctx context.Context, opts Options) (*Report, error)
}

// DefaultTopN is the length of the path tables when Options.TopN is 0.
const DefaultTopN = 10

// Options are the audit: what is reported on and how it is judged, whatever
// engine reads the input. How an engine reads (workers, progress, the
// queries' table) is in its own options.
type Options struct {
	// Window is the period reported on: findings, checks and figures.
	Window source.Window
	// Baseline, when set, is an earlier period whose figures are reported
	// beside the window's (Report.Baseline), usually the window shifted back
	// (see Shifted). The input must then be listed for both periods
	// (Union).
	Baseline *source.Window
	// Interval is the time series' step; 0 chooses one from the window's
	// length (traffic.ChooseInterval). The engines fail when it would give
	// more than traffic.MaxPoints points.
	Interval time.Duration
	// TopN bounds the path tables; 0 means DefaultTopN.
	TopN int
	// Detectors configures the rules; nil means detectors.DefaultConfig().
	Detectors *detectors.Config
	// Filter, when set, limits the report to some distributions and hosts.
	Filter Filter
	// MinRecords is the fewest records the window must hold for the report
	// to have data (Coverage.NoData); 0 means 1.
	MinRecords int64
}

// Validate checks o and fills in its defaults: TopN, Detectors (a copy, so
// the caller's config is never shared), MinRecords, and the windows in UTC.
// Both engines, and FromFigures, start with it, so that an audit means the
// same whatever reads its input.
func (o *Options) Validate() error {
	if !o.Window.Until.After(o.Window.From) {
		return fmt.Errorf("report: the window %s → %s is empty", o.Window.From.Format(time.RFC3339), o.Window.Until.Format(time.RFC3339))
	}
	o.Window = source.Window{From: o.Window.From.UTC(), Until: o.Window.Until.UTC()}
	if b := o.Baseline; b != nil {
		if !b.Until.After(b.From) {
			return fmt.Errorf("report: the baseline %s → %s is empty", b.From.Format(time.RFC3339), b.Until.Format(time.RFC3339))
		}
		o.Baseline = &source.Window{From: b.From.UTC(), Until: b.Until.UTC()}
	}
	switch {
	case o.Interval < 0:
		return fmt.Errorf("report: negative series interval %v", o.Interval)
	case o.TopN < 0:
		return fmt.Errorf("report: TopN %d: want 0 (the default) or more", o.TopN)
	case o.MinRecords < 0:
		return fmt.Errorf("report: MinRecords %d: want 0 (the default) or more", o.MinRecords)
	}
	if o.TopN == 0 {
		o.TopN = DefaultTopN
	}
	o.MinRecords = max(o.MinRecords, 1)
	cfg := detectors.DefaultConfig()
	if o.Detectors != nil {
		cfg = *o.Detectors
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	o.Detectors = &cfg
	return nil
}

// A Filter limits a report to the records of some distributions and hosts.
// An empty list lets every value through.
type Filter struct {
	// Distributions: the record's DistributionId (standard logging v2),
	// else the one its object key names. Objects whose key names another
	// distribution are not read at all.
	Distributions []string
	// Hosts: the name the viewer used, x-host-header (cs(Host) when
	// absent), matched without regard to case, as the detectors group
	// findings.
	Hosts []string
}

// Empty reports whether f lets every record through.
func (f Filter) Empty() bool { return len(f.Distributions) == 0 && len(f.Hosts) == 0 }

// KeepDistribution reports whether records of distribution dist are wanted.
func (f Filter) KeepDistribution(dist string) bool {
	return len(f.Distributions) == 0 || slices.Contains(f.Distributions, dist)
}

// keep reports whether rec is wanted; dist is the distribution its object
// key names.
func (f Filter) keep(rec *logparse.Record, dist string) bool {
	if len(f.Distributions) > 0 {
		d := rec.DistributionID
		if d == "" {
			d = dist
		}
		if !slices.Contains(f.Distributions, d) {
			return false
		}
	}
	if len(f.Hosts) > 0 {
		h := rec.HostHeader
		if h == "" {
			h = rec.Host
		}
		if !slices.ContainsFunc(f.Hosts, func(x string) bool { return strings.EqualFold(x, h) }) {
			return false
		}
	}
	return true
}

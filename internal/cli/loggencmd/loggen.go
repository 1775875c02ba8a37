// Package loggencmd is the loggen command: `cfwatch loggen` and cmd/loggen.
package loggencmd

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/timeflag"
	"github.com/cfwatch/cfwatch/loggen"
)

// New returns the loggen command: it writes synthetic Amazon
// CloudFront standard access logs for a Next.js + NextAuth site, optionally
// with injected sign-in failures.
func New(e cli.Env) *cobra.Command {
	var kinds strings.Builder
	for _, k := range loggen.Kinds() {
		note := ""
		switch {
		case k.RateIsCount():
			note = " (RATE = number of events)"
		case k == loggen.ScannerFlood:
			note = " (RATE = multiple of normal volume)"
		case k == loggen.GeoRestricted || k == loggen.AuthCookieOversize:
			note = " (RATE = share of viewers)"
		}
		if k.Noise() {
			note += " (noise)"
		}
		fmt.Fprintf(&kinds, "\n  %-28s scenario rate %g%s", k, k.DefaultRate(), note)
	}
	cmd := &cobra.Command{
		Use:   "loggen --out DIR | --single FILE.gz --lines N [flags]",
		Short: "Write synthetic CloudFront access logs, optionally with injected sign-in failures",
		Long: `Write synthetic Amazon CloudFront standard access logs for a Next.js +
NextAuth site, optionally with injected sign-in failures: a day of gzipped
files in --out, or exactly --lines records in one --single file.

FROM and UNTIL of --inject are offsets from the window start (2h/3h) or
RFC 3339 times.

Incident kinds (for --inject and --scenario):` + kinds.String(),
		Example: `  cfwatch loggen --out ./logs --scenario method-rejected
  cfwatch loggen --out ./logs --duration 6h --inject auth-403-callback@4h/5h:0.8`,
		Args: cli.NoArgs,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	var (
		out      = fs.String("out", "", "directory to write gzipped CloudFront log files into")
		seed     = fs.Uint64("seed", 1, "random seed (same options + seed = same output)")
		startS   = fs.String("start", "", "window start: a date (its midnight UTC) or an RFC 3339 time (default: now truncated to the hour minus --duration)")
		duration = fs.Duration("duration", 24*time.Hour, "window length")
		rate     = fs.Int("rate", loggen.DefaultRequestsPerHour, "average healthy requests per hour")
		fph      = fs.Int("files-per-hour", loggen.DefaultFilesPerHour, "log files per hour")
		dist     = fs.String("distribution", loggen.DefaultDistributionID, "distribution ID used in file names")
		domain   = fs.String("domain", loggen.DefaultDomain, "custom domain (x-host-header)")
		cfDomain = fs.String("cloudfront-domain", loggen.DefaultCloudFrontDomain, "distribution domain name (cs(Host))")
		cookies  = fs.Bool("cookies", false, "cookie logging on: log cs(Cookie)")
		injects  = fs.StringArray("inject", nil, "inject an incident: KIND@FROM/UNTIL[:RATE], FROM/UNTIL offsets from the start (2h/3h) or RFC 3339 times; RATE default 0.5 (repeatable)")
		scenario = fs.String("scenario", "", "preset: healthy, or an incident kind injected over the last 2 hours at a typical rate")
		single   = fs.String("single", "", "write exactly --lines records into this one gzipped file instead of --out")
		lines    = fs.Int("lines", 0, "number of records for --single")
	)
	cli.Complete(cmd, "scenario", append([]string{"healthy"}, kindNames()...)...)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		switch {
		case *out == "" && *single == "":
			return cli.Usagef("one of --out DIR or --single FILE.gz is required")
		case *out != "" && *single != "":
			return cli.Usagef("--out and --single are mutually exclusive")
		case *single != "" && *lines <= 0:
			return cli.Usagef("--single needs --lines N (N > 0)")
		case *single == "" && fs.Changed("lines"):
			return cli.Usagef("--lines is only valid with --single")
		case *duration <= 0:
			return cli.Usagef("--duration must be positive")
		case *rate <= 0:
			return cli.Usagef("--rate must be positive")
		case *fph <= 0:
			return cli.Usagef("--files-per-hour must be positive")
		}

		var start time.Time
		if *startS != "" {
			t, err := timeflag.ParseTime(*startS)
			if err != nil {
				return cli.Usagef("--start %q: %v", *startS, err)
			}
			start = t.UTC()
		} else {
			start = time.Now().UTC().Truncate(time.Hour).Add(-*duration)
		}
		cfg := loggen.Config{
			Seed:             *seed,
			Start:            start,
			Duration:         *duration,
			RequestsPerHour:  *rate,
			DistributionID:   *dist,
			Domain:           *domain,
			CloudFrontDomain: *cfDomain,
			FilesPerHour:     *fph,
			CookieLogging:    *cookies,
		}
		end := start.Add(*duration)
		if *scenario != "" && *scenario != "healthy" {
			k, err := loggen.ParseKind(*scenario)
			if err != nil {
				return cli.Usagef("--scenario: unknown %q (healthy or one of %v)", *scenario, loggen.Kinds())
			}
			from := end.Add(-2 * time.Hour)
			if from.Before(start) {
				from = start
			}
			cfg.Incidents = append(cfg.Incidents, loggen.Incident{Kind: k, From: from, Until: end, Rate: k.DefaultRate()})
			if k.NeedsCookieLogging() {
				cfg.CookieLogging = true
			}
		}
		for _, s := range *injects {
			inc, err := parseInject(s, start)
			if err != nil {
				return cli.Usagef("--inject %q: %v", s, err)
			}
			cfg.Incidents = append(cfg.Incidents, inc)
		}
		if err := cfg.Validate(); err != nil {
			return cli.Usagef("%s", strings.TrimPrefix(err.Error(), "loggen: "))
		}

		ctx := cmd.Context()
		t0 := time.Now()
		var summary string
		if *single != "" {
			n, err := loggen.WriteFileN(*single, cfg, *lines)
			if err != nil {
				return cli.Exit(1, err)
			}
			summary = fmt.Sprintf("wrote 1 file (%s), %d records, from %s", *single, n, start.Format(time.RFC3339))
		} else {
			paths, n, err := loggen.WriteDirCount(ctx, *out, cfg)
			if err != nil {
				return cli.Exit(1, err)
			}
			summary = fmt.Sprintf("wrote %d files to %s, %d records, window %s/%s (%s)",
				len(paths), *out, n, start.Format(time.RFC3339), end.Format(time.RFC3339), *duration)
		}
		for _, inc := range cfg.Incidents {
			summary += fmt.Sprintf(", %s@%s/%s:%g", inc.Kind, inc.From.UTC().Format(time.RFC3339), inc.Until.UTC().Format(time.RFC3339), inc.Rate)
		}
		if cfg.CookieLogging {
			summary += ", cookie logging on"
		}
		fmt.Fprintf(e.Stderr, "%s: %s in %s\n", cmd.CommandPath(), summary, time.Since(t0).Round(time.Millisecond))
		return nil
	}
	return cmd
}

// kindNames lists the incident kinds' names.
func kindNames() []string {
	var names []string
	for _, k := range loggen.Kinds() {
		names = append(names, string(k))
	}
	return names
}

// parseInject parses KIND@FROM/UNTIL[:RATE].
func parseInject(s string, start time.Time) (loggen.Incident, error) {
	kindS, rest, ok := strings.Cut(s, "@")
	if !ok {
		return loggen.Incident{}, errors.New("want KIND@FROM/UNTIL[:RATE]")
	}
	k, err := loggen.ParseKind(kindS)
	if err != nil {
		return loggen.Incident{}, fmt.Errorf("unknown kind %q (known: %v)", kindS, loggen.Kinds())
	}
	// The rate follows the last ':' -- unless that ':' belongs to an RFC 3339
	// time, which is why the window must still parse without the suffix.
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		if r, err := strconv.ParseFloat(rest[i+1:], 64); err == nil {
			if from, until, err := parseWindow(rest[:i], start); err == nil {
				return loggen.Incident{Kind: k, From: from, Until: until, Rate: r}, nil
			}
		}
	}
	from, until, err := parseWindow(rest, start)
	if err != nil {
		return loggen.Incident{}, err
	}
	r := 0.5
	if k.RateIsCount() {
		r = k.DefaultRate()
	}
	return loggen.Incident{Kind: k, From: from, Until: until, Rate: r}, nil
}

func parseWindow(s string, start time.Time) (time.Time, time.Time, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return time.Time{}, time.Time{}, errors.New("window must be FROM/UNTIL")
	}
	from, err := parseWhen(a, start)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	until, err := parseWhen(b, start)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !until.After(from) {
		return time.Time{}, time.Time{}, fmt.Errorf("UNTIL %s is not after FROM %s", b, a)
	}
	return from, until, nil
}

func parseWhen(s string, start time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return start.Add(d), nil
	}
	t, err := timeflag.ParseTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an offset like 2h30m nor a date or an RFC 3339 time", s)
	}
	return t.UTC(), nil
}

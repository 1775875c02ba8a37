// Command report audits CloudFront access logs over a time window.
//
//	report --source DIR_OR_FILE|s3://BUCKET/PREFIX [--source …] [--s3-endpoint URL] [--since 24h | --from T --until T]
//	       [--format text|json|markdown|html] [--out FILE] [--compare | --baseline 7d]
//	       [--interval 15m] [--fail-on critical|warning|none] [--min-records N] [--allow-empty]
//	       [--distribution ID …] [--host NAME …]
//	report --engine athena [--athena-workgroup W] [--athena-database cfwatch] [--athena-table cloudfront_logs]
//	       [--athena-output s3://BUCKET/PREFIX/] [--athena-distribution ID …] [the same window and output flags]
//
// A source may be logs or the Parquet dataset cfwatch writes for Athena
// (files named *.parquet, in distribution=/day=/hour= partitions): both are
// read the same way. With --engine athena, Athena computes the same report
// over the dataset's Glue table, and what the queries scanned and cost is
// said on stderr.
//
// Text is coloured only when stdout is a terminal and NO_COLOR is unset; a
// progress line is drawn on stderr only when stderr is a terminal.
//
// Exit status (report.ExitCode): 2 on usage errors or when some input could
// not be read (the report is still written); otherwise 1 when a finding at
// or above --fail-on exists; otherwise 3 when the window holds fewer records
// than --min-records (default 1), unless --allow-empty; otherwise 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"golang.org/x/term"

	"github.com/cfwatch/cfwatch/athena"
	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

const (
	exitOK       = report.ExitOK
	exitFindings = report.ExitFindings
	exitUsage    = report.ExitError
	exitNoData   = report.ExitNoData
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Guard("report", os.Stderr, func() int { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sources := fs.StringArray("source", nil, "log file or directory (read recursively, .gz or plain), the Parquet dataset (distribution=…/day=…/hour=… *.parquet), or either under s3://bucket/prefix; repeatable")
	s3Endpoint := fs.String("s3-endpoint", "", "S3-compatible endpoint for s3:// sources, e.g. http://127.0.0.1:9000 (default: AWS, or $AWS_ENDPOINT_URL_S3)")
	workers := fs.Int("workers", source.DefaultWorkers, "files fetched ahead of the parser (the report does not depend on it)")
	since := fs.String("since", "", "report on this long before --until: 90m, 24h, 7d (default 24h)")
	from := fs.String("from", "", "window start, RFC 3339 (instead of --since)")
	until := fs.String("until", "", "window end, RFC 3339 (default now)")
	format := fs.String("format", "text", "output format: text, json, markdown (md) or html")
	out := fs.String("out", "", "write the report to this file instead of stdout")
	baseline := fs.String("baseline", "", "compare with the window shifted back by this much: 24h, 7d")
	compare := fs.Bool("compare", false, "compare with the previous window of the same length (--baseline equal to the window's length)")
	interval := fs.String("interval", "", "time series step: 5m, 1h, 1d (default from the window's length; at most 400 points)")
	top := fs.Int("top", 10, "rows in the path tables")
	failOn := fs.String("fail-on", "critical", "exit 1 when a finding at or above this severity exists: critical, warning or none")
	minRecords := fs.Int64("min-records", 1, "exit 3 (no data) when the window holds fewer records than this")
	allowEmpty := fs.Bool("allow-empty", false, "exit 0, not 3, when the window holds fewer than --min-records records")
	configFile := fs.String("config", "", "detector settings, a JSON file (see README: Detector settings)")
	authPrefix := fs.String("auth-prefix", "", "path NextAuth is mounted at (default /api/auth)")
	apiPrefixes := fs.StringArray("api-prefix", nil, "path prefix served by the API origin (default /api); repeatable")
	sets := fs.StringArray("set", nil, "one detector setting, KEY=VALUE, e.g. auth_403_burst.min_count=8; repeatable")
	dists := fs.StringArray("distribution", nil, "report only on this distribution ID (the log's DistributionId, else the object key's); repeatable")
	hosts := fs.StringArray("host", nil, "report only on requests for this host (x-host-header, else cs(Host); any case); repeatable")
	printSchema := fs.Bool("json-schema", false, "write the JSON Schema of --format json's document (cfwatch.report/v1) and exit")
	engine := fs.String("engine", "local", "who reads the input: local (cfwatch reads --source) or athena (Athena queries the dataset's Glue table)")
	var af athenaFlags
	fs.StringVar(&af.workgroup, "athena-workgroup", athena.DefaultWorkGroup, "Athena workgroup of the queries (--engine athena)")
	fs.StringVar(&af.database, "athena-database", athena.DefaultDatabase, "Glue database of the dataset's table (--engine athena)")
	fs.StringVar(&af.table, "athena-table", dataset.DefaultTable, "Glue table of the dataset (--engine athena)")
	fs.StringVar(&af.output, "athena-output", "", "where Athena writes query results, s3://bucket/prefix/ (default: the workgroup's setting)")
	fs.StringArrayVar(&af.distributions, "athena-distribution", nil, "query only this distribution's partitions; repeatable (needed when the table's distribution projection is injected)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: report --source PATH [--source PATH…] [flags]\n       report --engine athena [flags]\n\nAudits CloudFront access logs, or their Parquet dataset, over a time window.\n\nFlags:\n%s", fs.FlagUsages())
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "report: %v (try --help)\n", err)
		return exitUsage
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "report: "+format+"\n", a...)
		return exitUsage
	}
	if *printSchema {
		if _, err := stdout.Write(report.JSONSchema()); err != nil {
			return fail("writing the schema: %v", err)
		}
		return exitOK
	}
	switch *engine {
	case "local":
		if len(*sources) == 0 {
			return fail("no --source given: name a log file or directory, or the dataset (try --help)")
		}
	case "athena":
		if len(*sources) > 0 {
			return fail("--source is not read with --engine athena: Athena reads the table --athena-database.--athena-table")
		}
	default:
		return fail("--engine %q: want local or athena", *engine)
	}
	f, err := report.ParseFormat(*format)
	if err != nil {
		return fail("--format: %v", err)
	}
	var failSev detectors.Severity
	switch *failOn {
	case "critical":
		failSev = detectors.SeverityCritical
	case "warning":
		failSev = detectors.SeverityWarning
	case "none":
	default:
		return fail("--fail-on %q: want critical, warning or none", *failOn)
	}
	if *minRecords < 1 {
		return fail("--min-records %d: want 1 or more (--allow-empty accepts a window without data)", *minRecords)
	}
	cfg, err := detectorConfig(*configFile, *authPrefix, *apiPrefixes, *sets)
	if err != nil {
		return fail("%v", err)
	}
	if *workers < 1 {
		return fail("--workers %d: want 1 or more", *workers)
	}
	opts := report.Options{TopN: *top, Detectors: &cfg, Workers: *workers, MinRecords: *minRecords,
		Filter: report.Filter{Distributions: *dists, Hosts: *hosts}}
	// Whole seconds: the window's bounds are printed and carried into the
	// JSON series.
	if opts.Window, err = source.ParseWindow(*since, *from, *until, time.Now().Truncate(time.Second)); err != nil {
		return fail("%v", err)
	}
	if opts.Baseline, err = baselineWindow(opts.Window, *baseline, *compare); err != nil {
		return fail("%v", err)
	}
	if *interval != "" {
		if opts.Interval, err = source.ParseDuration(*interval); err != nil {
			return fail("--interval %q: %v", *interval, err)
		}
		if _, err := traffic.NewSeries(opts.Window.From, opts.Window.Until, opts.Interval); err != nil {
			return fail("--interval %s: %v", *interval, err)
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var rep *report.Report
	if *engine == "athena" {
		if rep, err = runAthena(ctx, opts, af, stderr, logger); err != nil {
			return fail("%v", err)
		}
	} else {
		// List the objects of both periods; Run leaves out what neither
		// needs.
		listing, err := source.ListAll(ctx, *sources, report.Union(opts.Window, opts.Baseline),
			source.ListOptions{S3Endpoint: *s3Endpoint, Logger: logger})
		if err != nil {
			return fail("%v", err)
		}
		opts.Near = listing.Near
		var progress *progressLine // on a terminal only: quiet in pipes and CI
		if isTerminal(stderr) {
			progress = newProgressLine(stderr, time.Now)
			opts.Progress = progress.update
		}
		rep, err = report.Run(ctx, listing.Objects, listing.Skipped, opts)
		progress.clear()
		if err != nil {
			return fail("%v", err)
		}
	}

	if *out != "" {
		// The previous report stays until the new one is written in full.
		if err := report.WriteFile(*out, rep, f, report.WriteOptions{}); err != nil {
			return fail("%v", err)
		}
	} else {
		color := isTerminal(stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
		if err := rep.Write(stdout, f, report.WriteOptions{Color: color}); err != nil {
			return fail("writing the report: %v", err)
		}
	}
	if rep.Failed() {
		for _, f := range rep.Input.FailedFiles {
			fmt.Fprintf(stderr, "report: %s\n", f.Error)
		}
		fmt.Fprintf(stderr, "report: %d file(s) could not be read to the end\n", len(rep.Input.FailedFiles))
	}
	code := rep.ExitCode(failSev, *allowEmpty)
	if code == report.ExitNoData {
		fmt.Fprintf(stderr, "report: no data: %d records in the window, fewer than --min-records %d: exit %d (--allow-empty accepts it)\n",
			rep.Coverage.Records, rep.Coverage.MinRecords, code)
	}
	return code
}

// baselineWindow returns the period to compare with: the window shifted
// back by --baseline, or by its own length for --compare; nil for neither.
func baselineWindow(w source.Window, baseline string, compare bool) (*source.Window, error) {
	switch {
	case baseline != "" && compare:
		return nil, errors.New("--baseline and --compare cannot be used together")
	case compare:
		b := report.Shifted(w, w.Until.Sub(w.From))
		return &b, nil
	case baseline != "":
		d, err := source.ParseDuration(baseline)
		if err != nil {
			return nil, fmt.Errorf("--baseline %q: %w", baseline, err)
		}
		b := report.Shifted(w, d)
		return &b, nil
	}
	return nil, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// detectorConfig builds the detector settings: defaults, then the config
// file, then the flags.
func detectorConfig(file, authPrefix string, apiPrefixes, sets []string) (detectors.Config, error) {
	cfg := detectors.DefaultConfig()
	if file != "" {
		var err error
		if cfg, err = detectors.LoadConfig(file); err != nil {
			return cfg, err
		}
	}
	if authPrefix != "" {
		cfg.AuthPrefix = authPrefix
	}
	if len(apiPrefixes) > 0 {
		cfg.APIPrefixes = apiPrefixes
	}
	for _, kv := range sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return cfg, fmt.Errorf("--set %q: want KEY=VALUE", kv)
		}
		if err := cfg.Set(k, v); err != nil {
			return cfg, err
		}
	}
	return cfg, cfg.Validate()
}

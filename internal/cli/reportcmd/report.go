// Package reportcmd is the report command: `cfwatch report` and
// cmd/report.
package reportcmd

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cfwatch/cfwatch/athena"
	"github.com/cfwatch/cfwatch/audit"
	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/timeflag"
	"github.com/cfwatch/cfwatch/internal/visible"
	"github.com/cfwatch/cfwatch/local"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

const (
	exitOK       = report.ExitOK
	exitFindings = report.ExitFindings
	exitUsage    = cli.ExitUsage
	exitNoData   = report.ExitNoData
)

// New returns the report command: it audits CloudFront access
// logs, or their Parquet dataset, over a time window.
func New(e cli.Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report --source PATH [--source PATH…] [flags]",
		Short: "Audit CloudFront access logs, or their Parquet dataset, over a time window",
		Long: `Audit CloudFront access logs, or their Parquet dataset, over a time window.

A source may be logs or the Parquet dataset cfwatch writes for Athena (files
named *.parquet, in distribution=/day=/hour= partitions): both are read the
same way. With --engine athena, Athena computes the same report over the
dataset's Glue table, and what the queries scanned and cost is said on
stderr.

Text is coloured only when stdout is a terminal and NO_COLOR is unset; a
progress line is drawn on stderr only when stderr is a terminal.

Exit status: 2 on usage errors or when some input could not be read (the
report is still written); otherwise 1 when a finding at or above --fail-on
exists, 0 when none does.`,
		Example: `  cfwatch report --source ./logs --since 24h
  cfwatch report --source s3://my-logs/cloudfront/ --from 2026-11-20 --until 2026-11-21 --out report.html
  cfwatch report --engine athena --athena-output s3://my-athena-results/ --since 7d`,
		Args: cli.NoArgs,
	}
	fs := cmd.Flags()
	sources := fs.StringArray("source", nil, "log file or directory (read recursively, .gz or plain), the Parquet dataset (distribution=…/day=…/hour=… *.parquet), or either under s3://bucket/prefix; repeatable")
	s3Endpoint := fs.String("s3-endpoint", "", "S3-compatible endpoint for s3:// sources, e.g. http://127.0.0.1:9000 (default: AWS, or $AWS_ENDPOINT_URL_S3)")
	workers := fs.Int("workers", source.DefaultWorkers, "files fetched ahead of the parser (the report does not depend on it)")
	parallel := fs.Int("parallel", 0, "log files decompressed and parsed at once, 1 or more (default: GOMAXPROCS, the cores Go uses; the report does not depend on it)")
	since := fs.String("since", "", "report on this long before --until: 90m, 24h, 7d (default 24h)")
	from := fs.String("from", "", "window start: a date (its midnight UTC) or an RFC 3339 time, 2026-11-20 or 2026-11-20T12:00:00Z (instead of --since)")
	until := fs.String("until", "", "window end: a date (its midnight UTC) or an RFC 3339 time (default now)")
	format := fs.String("format", "", "output format: text, json, markdown (md) or html (default: the one --out's extension names, .html, .md, .json or .txt; else text)")
	out := fs.String("out", "", "write the report to this file instead of stdout; its extension sets the format (report.html, report.md, report.json)")
	baseline := fs.String("baseline", "", "compare with the window shifted back by this much: 24h, 7d (implies --compare)")
	compare := fs.Bool("compare", false, "compare with the same time a day earlier (a window longer than a day: as many whole days earlier as it covers)")
	interval := fs.String("interval", "", "time series step: 5m, 1h, 1d (default from the window's length; at most 400 points)")
	top := fs.Int("top", 10, "rows in the path tables, 1 or more")
	failOn := fs.String("fail-on", "critical", "exit 1 when a finding at or above this severity exists: critical, warning or none")
	minRecords := fs.Int64("min-records", 1, "exit 3 (no data) when the window holds fewer records than this")
	allowEmpty := fs.Bool("allow-empty", false, "exit 0, not 3, when the window holds fewer than --min-records records")
	configFile := fs.String("config", "", "detector settings, a JSON file (see docs/settings.md)")
	authPrefix := fs.String("auth-prefix", "", "path NextAuth is mounted at (default /api/auth)")
	apiPrefixes := fs.StringArray("api-prefix", nil, "path prefix served by the API origin (default /api); repeatable")
	sets := fs.StringArray("set", nil, "one detector setting, KEY=VALUE, e.g. auth_403_burst.min_count=8; repeatable")
	dists := fs.StringArray("distribution", nil, "report only on this distribution ID (the log's DistributionId, else the object key's); repeatable")
	hosts := fs.StringArray("host", nil, "report only on requests for this host (x-host-header, else cs(Host); any case); repeatable")
	distConfigs := fs.StringArray("distribution-config", nil, "the distribution's settings (what cfwatch audit reads: get-distribution-config JSON, a CloudFormation/SAM template, Terraform JSON): each finding says whether they confirm its cause; repeatable")
	printSchema := fs.Bool("json-schema", false, "write the JSON Schema of --format json's document (cfwatch.report/v1) and exit")
	engine := fs.String("engine", "local", "who reads the input: local (cfwatch reads --source) or athena (Athena queries the dataset's Glue table)")
	var af athenaFlags
	fs.StringVar(&af.workgroup, "athena-workgroup", athena.DefaultWorkGroup, "Athena workgroup of the queries (--engine athena)")
	fs.StringVar(&af.database, "athena-database", athena.DefaultDatabase, "Glue database of the dataset's table (--engine athena)")
	fs.StringVar(&af.table, "athena-table", dataset.DefaultTable, "Glue table of the dataset (--engine athena)")
	fs.StringVar(&af.output, "athena-output", "", "where Athena writes query results, s3://bucket/prefix/ (default: the workgroup's setting)")
	fs.StringArrayVar(&af.distributions, "athena-distribution", nil, "query only this distribution's partitions; repeatable (needed when the table's distribution projection is injected)")
	cli.Complete(cmd, "format", "text", "json", "markdown", "html")
	cli.Complete(cmd, "fail-on", "critical", "warning", "none")
	cli.Complete(cmd, "engine", "local", "athena")
	_ = cmd.MarkFlagFilename("config", "json") // the flag exists
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx, stdout, stderr := cmd.Context(), e.Stdout, e.Stderr
		if *printSchema {
			if _, err := stdout.Write(report.JSONSchema()); err != nil {
				return cli.Failf("writing the schema: %v", err)
			}
			return nil
		}
		switch *engine {
		case "local":
			if len(*sources) == 0 {
				return cli.Usagef("no --source given: name a log file or directory, or the dataset")
			}
		case "athena":
			if len(*sources) > 0 {
				return cli.Usagef("--source is not read with --engine athena: Athena reads the table --athena-database.--athena-table")
			}
		default:
			return cli.Usagef("--engine %q: want local or athena", *engine)
		}
		f, err := outputFormat(*format, *out)
		if err != nil {
			return cli.Usagef("%v", err)
		}
		var failSev detectors.Severity
		switch *failOn {
		case "critical":
			failSev = detectors.SeverityCritical
		case "warning":
			failSev = detectors.SeverityWarning
		case "none":
		default:
			return cli.Usagef("--fail-on %q: want critical, warning or none", *failOn)
		}
		if *minRecords < 1 {
			return cli.Usagef("--min-records %d: want 1 or more (--allow-empty accepts a window without data)", *minRecords)
		}
		cfg, err := detectorConfig(*configFile, *authPrefix, *apiPrefixes, *sets)
		if err != nil {
			return err
		}
		if *workers < 1 {
			return cli.Usagef("--workers %d: want 1 or more", *workers)
		}
		if *parallel < 0 || (*parallel == 0 && fs.Changed("parallel")) {
			return cli.Usagef("--parallel %d: want 1 or more", *parallel)
		}
		if *top < 1 {
			return cli.Usagef("--top %d: want 1 or more", *top)
		}
		opts := report.Options{TopN: *top, Detectors: &cfg, MinRecords: *minRecords,
			Filter: report.Filter{Distributions: *dists, Hosts: *hosts}}
		lo := local.Options{Parallel: *parallel}
		if fs.Changed("workers") {
			// Else the local engine chooses: none for local files read in
			// parallel, source.DefaultWorkers otherwise.
			lo.Workers = *workers
		}
		// Whole seconds: the window's bounds are printed and carried into the
		// JSON series.
		if opts.Window, err = timeflag.ParseWindow(*since, *from, *until, time.Now().Truncate(time.Second)); err != nil {
			return cli.Usagef("%v", err)
		}
		if opts.Baseline, err = report.BaselineWindow(opts.Window, *baseline, *compare); err != nil {
			return cli.Usagef("%v", err)
		}
		if *interval != "" {
			if opts.Interval, err = timeflag.ParseDuration(*interval); err != nil {
				return cli.Usagef("--interval %q: %v", *interval, err)
			}
			if _, err := traffic.NewSeries(opts.Window.From, opts.Window.Until, opts.Interval); err != nil {
				return cli.Usagef("--interval %s: %v", *interval, err)
			}
		}
		logger := slog.New(visible.LogHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
		// The engine: Athena over the dataset's table, or cfwatch reading
		// the input itself. Both compute the same report of opts.
		var (
			eng  report.Engine
			done = func(err error) error { return err } // what the engine says when it is done
		)
		if *engine == "athena" {
			if eng, done, err = athenaEngine(ctx, af, stderr, logger); err != nil {
				return cli.Failf("%v", err)
			}
		} else {
			// List the objects of both periods; the engine leaves out what
			// neither needs.
			listing, err := source.ListAll(ctx, *sources, report.Union(opts.Window, opts.Baseline),
				source.ListOptions{S3Endpoint: *s3Endpoint, Logger: logger})
			if err != nil {
				return cli.Failf("%v", err)
			}
			lo.Logger = logger
			if cli.IsTerminal(stderr) { // a progress line on a terminal only: quiet in pipes and CI
				progress := newProgressLine(stderr, time.Now)
				lo.Progress = progress.update
				done = func(err error) error { progress.clear(); return err }
			}
			eng = &local.Engine{Listing: listing, Options: lo}
		}
		rep, err := eng.Report(ctx, opts)
		if err = done(err); err != nil {
			return cli.Failf("%v", err)
		}

		if len(*distConfigs) > 0 {
			settings, err := audit.LoadFiles(*distConfigs)
			if err != nil {
				return cli.Failf("--distribution-config: %v", err)
			}
			confirmFindings(rep, settings)
		}

		color := *out == "" && cli.IsTerminal(stdout) && e.Getenv("NO_COLOR") == "" && e.Getenv("TERM") != "dumb"
		if err := writeReport(rep, *out, stdout, f, report.WriteOptions{Color: color}); err != nil {
			return cli.Failf("%v", err)
		}
		if rep.Failed() {
			for _, f := range rep.Input.FailedFiles {
				fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), visible.String(f.Error))
			}
			return cli.Failf("%d file(s) could not be read to the end", len(rep.Input.FailedFiles))
		}
		code := rep.ExitCode(failSev, *allowEmpty)
		if code == report.ExitNoData {
			fmt.Fprintf(stderr, "%s: no data: %d records in the window, fewer than --min-records %d: exit %d (--allow-empty accepts it)\n",
				cmd.CommandPath(), rep.Coverage.Records, rep.Coverage.MinRecords, code)
		}
		return cli.Exit(code, nil)
	}
	return cmd
}

// confirmFindings says in each finding whether the distribution's settings
// confirm its cause (audit.Confirm), for the finding's first failing path
// (else its endpoint group).
func confirmFindings(rep *report.Report, settings *audit.Config) {
	for i := range rep.Findings {
		f := &rep.Findings[i]
		path := strings.TrimSuffix(f.Group, "*")
		if len(f.Paths) > 0 {
			path = f.Paths[0]
		}
		_, f.Settings = audit.Confirm(settings, f.Rule, f.Host, path)
	}
}

// outputFormat is the report's format: --format when given, else the one
// --out's extension names (.html, .htm, .md, .json, .txt), else text. A
// --format that contradicts the extension is refused: a JSON report in
// report.html is a mistake.
func outputFormat(format, out string) (report.Format, error) {
	byExt, known := formatOfFile(out)
	if format == "" {
		if known {
			return byExt, nil
		}
		return report.FormatText, nil
	}
	f, err := report.ParseFormat(format)
	if err != nil {
		return "", fmt.Errorf("--format: %w", err)
	}
	if known && f != byExt {
		return "", fmt.Errorf("--format %s, but --out %s names %s file: leave --format out, or make them agree", format, out, formatName(byExt))
	}
	return f, nil
}

// formatName names a format in prose, with its article.
func formatName(f report.Format) string {
	switch f {
	case report.FormatJSON:
		return "a JSON"
	case report.FormatMarkdown:
		return "a Markdown"
	case report.FormatHTML:
		return "an HTML"
	}
	return "a text"
}

// formatOfFile returns the format a file name's extension names.
func formatOfFile(name string) (report.Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".html", ".htm":
		return report.FormatHTML, true
	case ".md", ".markdown":
		return report.FormatMarkdown, true
	case ".json":
		return report.FormatJSON, true
	case ".txt", ".text":
		return report.FormatText, true
	}
	return "", false
}

// writeReport writes rep in format f to the file out, or to stdout when out
// is "".
func writeReport(rep *report.Report, out string, stdout io.Writer, f report.Format, o report.WriteOptions) error {
	if out == "" {
		if err := rep.Write(stdout, f, o); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		return nil
	}
	// The previous report stays until the new one is written in full.
	return report.WriteFile(out, rep, f, o)
}

// detectorConfig builds the detector settings: defaults, then the config
// file, then the flags. A file that cannot be read ends the command
// (cli.Failf); a bad flag is a usage mistake.
func detectorConfig(file, authPrefix string, apiPrefixes, sets []string) (detectors.Config, error) {
	cfg := detectors.DefaultConfig()
	if file != "" {
		var err error
		if cfg, err = detectors.LoadConfig(file); err != nil {
			return cfg, cli.Failf("%v", err)
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
			return cfg, cli.Usagef("--set %q: want KEY=VALUE", kv)
		}
		if err := cfg.Set(k, v); err != nil {
			return cfg, cli.Usagef("--set: %v", err)
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, cli.Usagef("%v", err)
	}
	return cfg, nil
}

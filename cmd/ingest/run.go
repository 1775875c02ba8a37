package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	humanize "github.com/dustin/go-humanize"
	flag "github.com/spf13/pflag"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/source"
)

const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

const usage = `usage:
  ingest --local FILE|DIR [--local …] --out DIR      Parquet dataset from local logs, findings on stdout
  ingest backfill --source s3://BUCKET/PREFIX --since 72h [--out s3://BUCKET/PREFIX|DIR]
                                                    process logs already in S3 (before cfwatch was deployed, or while it was down)
  ingest ddl [--location s3://BUCKET/PREFIX/]       the Athena table over the dataset (partition projection)
Run a command with --help for its flags. In AWS Lambda, ingest serves S3, SQS and EventBridge events.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	out := &checkedWriter{w: stdout}
	code := runCommand(ctx, args, out, stderr, getenv)
	if out.err != nil {
		// The summary, the findings or the DDL did not reach their reader:
		// the run is not a success whatever else went right.
		fmt.Fprintln(stderr, "ingest: writing to standard output:", out.err)
		if code == exitOK {
			code = exitFailed
		}
	}
	return code
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 {
		switch args[0] {
		case "backfill":
			return runBackfill(ctx, args[1:], stdout, stderr, getenv)
		case "ddl":
			return runDDL(args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stdout, usage)
			return exitOK
		}
	}
	return runLocal(ctx, args, stdout, stderr, getenv)
}

// checkedWriter remembers the first error of its writes; later writes are
// not tried.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	c.err = err
	return n, err
}

// newDirSink returns the sink of an output directory, having removed what
// runs killed while writing to it left behind.
func newDirSink(dir string, log *slog.Logger) *ingest.DirSink {
	sink := ingest.NewDirSink(dir)
	n, err := sink.RemoveLeftovers()
	if err != nil {
		log.Warn("temporary files of an interrupted run not removed", "err", err)
	}
	if n > 0 {
		log.Warn("removed temporary files an interrupted run left", "dir", dir, "files", n)
	}
	return sink
}

// common are the flags of the commands that process logs.
type common struct {
	configFile *string
	sets       *[]string
	format     *string
	verbose    *bool
}

func commonFlags(fs *flag.FlagSet) common {
	return common{
		configFile: fs.String("config", "", "detector settings, a JSON file (see README: Detector settings); overlays $"+ingest.EnvConfigJSON),
		sets:       fs.StringArray("set", nil, "one detector setting, KEY=VALUE, e.g. auth_403_burst.min_count=8; repeatable"),
		format:     fs.String("format", "text", "output: text or json"),
		verbose:    fs.Bool("verbose", false, "list every file, not only the ones with problems"),
	}
}

// setup reads the environment's configuration and applies the flags.
func (c common) setup(getenv func(string) string) (ingest.Config, error) {
	cfg, err := ingest.ConfigFromEnv(getenv)
	if err != nil {
		return cfg, err
	}
	if *c.configFile != "" {
		if cfg.Detectors, err = detectors.LoadConfig(*c.configFile); err != nil {
			return cfg, err
		}
	}
	if err := cfg.Detectors.SetAll(*c.sets); err != nil {
		return cfg, err
	}
	if *c.format != "text" && *c.format != "json" {
		return cfg, fmt.Errorf("--format %q: want text or json", *c.format)
	}
	return cfg, cfg.Detectors.Validate()
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	return fs
}

func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ingest: unexpected argument %q\n%s", fs.Arg(0), usage)
		return exitUsage, false
	}
	return 0, true
}

func runLocal(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("ingest", stderr)
	paths := fs.StringArray("local", nil, "log file or directory (read recursively, .gz or plain); repeatable")
	out := fs.String("out", "", "directory to write the Parquet dataset to (created if needed)")
	c := commonFlags(fs)
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if len(*paths) == 0 || *out == "" {
		fmt.Fprint(stderr, "ingest: --local and --out are required\n"+usage)
		return exitUsage
	}
	cfg, err := c.setup(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "ingest:", err)
		return exitUsage
	}
	objs, _, err := source.Local(*paths, source.Window{Until: time.Unix(1<<40, 0)})
	if err != nil {
		fmt.Fprintln(stderr, "ingest:", err)
		return exitUsage
	}
	setMemoryLimit(getenv, 1)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)}))
	// One engine over all the files, in name (time) order: a local run
	// judges the files together, as report does.
	eng := detectors.New(cfg.Detectors)
	proc := ingest.NewProcessor(newDirSink(*out, log), ingest.Options{Engine: eng, Logger: log})
	sum := newSummary(*c.format, *c.verbose, stdout)
	ingest.ProcessObjects(ctx, proc, objs, 1, sum.add)
	sum.findings = eng.Findings()
	var notifier ingest.Notifier
	if slackConfigured(getenv) {
		notifier = newNotifier(cfg, getenv, nil, log)
	}
	return sum.finish(ctx, stderr, notifier, ingest.ObjectRef{Key: "local:" + strings.Join(*paths, ",")})
}

func runBackfill(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("ingest backfill", stderr)
	sources := fs.StringArray("source", nil, "s3://bucket/prefix where CloudFront delivers the logs (or a local directory); repeatable")
	since := fs.String("since", "", "process files of this long before --until: 90m, 72h, 7d (default 24h)")
	from := fs.String("from", "", "window start, RFC 3339 (instead of --since)")
	until := fs.String("until", "", "window end, RFC 3339 (default now)")
	out := fs.String("out", "", "where the dataset goes: s3://bucket/prefix or a directory (default s3://$"+ingest.EnvOutputBucket+"/$"+ingest.EnvOutputPrefix+")")
	workers := fs.Int("workers", 4, "files processed at once")
	s3Endpoint := fs.String("s3-endpoint", "", "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS, or $AWS_ENDPOINT_URL_S3)")
	alerts := fs.Bool("alerts", false, "alert on findings as the Lambda does (Slack settings from the environment; de-duplicated with the Lambda's alerts)")
	c := commonFlags(fs)
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if len(*sources) == 0 {
		fmt.Fprint(stderr, "ingest backfill: --source is required\n"+usage)
		return exitUsage
	}
	cfg, err := c.setup(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "ingest backfill:", err)
		return exitUsage
	}
	w, err := source.ParseWindow(*since, *from, *until, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "ingest backfill:", err)
		return exitUsage
	}
	dest := *out
	if dest == "" {
		if cfg.OutputBucket == "" {
			fmt.Fprintln(stderr, "ingest backfill: --out or $"+ingest.EnvOutputBucket+" is required")
			return exitUsage
		}
		dest = "s3://" + cfg.OutputBucket + "/" + cfg.OutputPrefix
	}
	s3c, err := source.NewS3Client(ctx, *s3Endpoint)
	if err != nil {
		fmt.Fprintln(stderr, "ingest backfill:", err)
		return exitUsage
	}
	var sink ingest.Sink
	if source.IsS3(dest) {
		bucket, prefix, _ := strings.Cut(strings.TrimPrefix(dest, "s3://"), "/")
		if bucket == "" {
			fmt.Fprintln(stderr, "ingest backfill: --out: want s3://bucket/prefix")
			return exitUsage
		}
		sink = ingest.NewS3Sink(s3c, bucket, prefix)
		cfg.OutputBucket, cfg.OutputPrefix = bucket, prefix
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)}))
	if sink == nil {
		sink = newDirSink(dest, log)
	}
	objs, outside, err := source.List(ctx, *sources, w, source.ListOptions{S3Client: s3c, Logger: log})
	if err != nil {
		fmt.Fprintln(stderr, "ingest backfill:", err)
		return exitUsage
	}
	fmt.Fprintf(stderr, "ingest backfill: %d files in the window (%d listed outside it), %d at a time → %s\n", len(objs), outside, *workers, sink.Location(""))
	setMemoryLimit(getenv, *workers)
	proc := ingest.NewProcessor(sink, ingest.Options{Detectors: cfg.Detectors, Logger: log})
	var notifier ingest.Notifier
	if *alerts {
		// De-duplicated with the Lambda's alerts through the same state.
		notifier = newNotifier(cfg, getenv, s3c, log)
	}
	sum := newSummary(*c.format, *c.verbose, stdout)
	ingest.ProcessObjects(ctx, proc, objs, *workers, sum.add)
	sum.findings = ingest.MergeFindings(sum.perFile)
	return sum.finish(ctx, stderr, notifier, ingest.ObjectRef{Key: "backfill:" + strings.Join(*sources, ",") + ":" + w.From.Format(time.RFC3339) + "/" + w.Until.Format(time.RFC3339)})
}

func runDDL(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("ingest ddl", stderr)
	location := fs.String("location", "s3://BUCKET/cloudfront/", "the dataset's root, s3://bucket/prefix/")
	table := fs.String("table", dataset.DefaultTable, "table name, optionally database.table")
	dists := fs.StringArray("distribution", nil, "distribution ID for partition projection; repeatable (recommended: without, queries must name a distribution)")
	firstDay := fs.String("first-day", "", "first day partition projection considers: YYYY-MM-DD or NOW-90DAYS (default NOW-1YEARS)")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	fmt.Fprintln(stdout, dataset.DDL(dataset.DDLOptions{Table: *table, Location: *location, Distributions: *dists, FirstDay: *firstDay}))
	return exitOK
}

// summary collects the results of a run and prints them.
type summary struct {
	format   string
	verbose  bool
	w        io.Writer
	start    time.Time
	results  []ingest.Result
	failed   int
	perFile  []detectors.Finding
	findings []detectors.Finding
	errs     []string
}

func newSummary(format string, verbose bool, w io.Writer) *summary {
	return &summary{format: format, verbose: verbose, w: w, start: time.Now()}
}

func (s *summary) add(obj source.Object, res ingest.Result, err error) {
	if err != nil {
		s.failed++
		res.Status = ingest.StatusFailed
		res.Reason = err.Error()
	}
	s.perFile = append(s.perFile, res.Findings...)
	res.Findings = nil
	if s.format == "json" {
		s.results = append(s.results, res)
		return
	}
	if s.verbose || res.Status != ingest.StatusOK || res.SkippedLines > 0 {
		line := fmt.Sprintf("%-9s %s: %s records", res.Status, res.Name, humanize.Comma(res.Records))
		if res.SkippedLines > 0 {
			line += fmt.Sprintf(", %s lines skipped", humanize.Comma(res.SkippedLines))
		}
		if len(res.Outputs) > 0 {
			line += fmt.Sprintf(" → %d Parquet file(s)", len(res.Outputs))
		}
		if res.Reason != "" {
			line += ": " + res.Reason
		}
		fmt.Fprintln(s.w, line)
	}
	s.results = append(s.results, ingest.Result{Status: res.Status, Records: res.Records, SkippedLines: res.SkippedLines, Bytes: res.Bytes, Outputs: res.Outputs})
}

// finish prints the summary and the findings, and alerts on them through
// notifier, if any, as coming from origin.
func (s *summary) finish(ctx context.Context, stderr io.Writer, notifier ingest.Notifier, origin ingest.ObjectRef) int {
	var files, records, skipped, bytes, outputs int64
	for _, r := range s.results {
		files++
		records += r.Records
		skipped += r.SkippedLines
		bytes += r.Bytes
		outputs += int64(len(r.Outputs))
	}
	code := exitOK
	if s.failed > 0 {
		code = exitFailed
	}
	if notifier != nil && len(s.findings) > 0 {
		if err := notifier.Notify(ctx, origin, s.findings); err != nil {
			fmt.Fprintln(stderr, "ingest: alerts not delivered:", err)
			code = exitFailed
		}
	}
	elapsed := time.Since(s.start)
	if s.format == "json" {
		enc := json.NewEncoder(s.w)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{
			"files": s.results, "findings": nonNil(s.findings),
			"totals": map[string]any{"files": files, "failed": s.failed, "records": records, "skipped_lines": skipped, "bytes": bytes, "parquet_files": outputs, "seconds": elapsed.Seconds()},
		})
		return code
	}
	rate := float64(records) / max(elapsed.Seconds(), 1e-9)
	fmt.Fprintf(s.w, "%s files (%d failed), %s records (%s lines skipped), %s read → %s Parquet files in %s (%s records/s)\n",
		humanize.Comma(files), s.failed, humanize.Comma(records), humanize.Comma(skipped), humanize.Bytes(uint64(bytes)),
		humanize.Comma(outputs), elapsed.Round(time.Millisecond), humanize.Comma(int64(rate)))
	if len(s.findings) == 0 {
		fmt.Fprintln(s.w, "No findings.")
		return code
	}
	fmt.Fprintf(s.w, "\n%d finding(s):\n", len(s.findings))
	for _, f := range s.findings {
		fmt.Fprintln(s.w)
		fmt.Fprintln(s.w, findingText(f))
	}
	return code
}

func nonNil(f []detectors.Finding) []detectors.Finding {
	if f == nil {
		return []detectors.Finding{}
	}
	return f
}

// slackConfigured reports whether the environment names a Slack credential
// (see package alert): local runs then alert as the Lambda does.
func slackConfigured(getenv func(string) string) bool {
	for _, k := range []string{"SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL", "SLACK_SECRET_ARN", "SLACK_TOKEN_PARAMETER"} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

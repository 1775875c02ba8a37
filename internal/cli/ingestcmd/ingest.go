// Package ingestcmd is the ingest command (`cfwatch ingest`, with backfill
// and ddl) and the ingest Lambda function's main (Lambda); cmd/ingest runs
// one or the other.
package ingestcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	humanize "github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	flag "github.com/spf13/pflag"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/timeflag"
	"github.com/cfwatch/cfwatch/internal/visible"
	"github.com/cfwatch/cfwatch/source"
)

const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = cli.ExitUsage
)

// New returns the ingest command, with its subcommands backfill
// and ddl.
func New(e cli.Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest --local FILE|DIR [--local …] --out DIR [flags]",
		Short: "Turn CloudFront access logs into an Athena-ready Parquet dataset, running the detectors on the way",
		Long: `Turn CloudFront access logs into an Athena-ready Parquet dataset, running
cfwatch's detectors on the way: the Parquet dataset from local logs, findings
on stdout. backfill processes logs already in S3 (before cfwatch was
deployed, or while it was down); ddl prints the Athena table over the
dataset. In AWS Lambda, the ingest function (cmd/ingest) serves S3, SQS and
EventBridge events.

With Slack settings in the environment (SLACK_BOT_TOKEN, SLACK_WEBHOOK_URL,
…) a local run alerts on its findings as the Lambda does.

Exit status: 0 when every file was processed, 1 when some file failed, 2 on
usage and configuration errors.`,
		Example: `  cfwatch ingest --local ./logs --out ./dataset
  cfwatch ingest backfill --source s3://my-logs/cloudfront/ --since 72h --out s3://my-dataset/cloudfront/
  cfwatch ingest ddl --location s3://my-dataset/cloudfront/ --distribution E2QWRUHEXAMPLE`,
		Args: cli.NoArgs,
	}
	setupLocal(cmd, e)
	cmd.AddCommand(newBackfillCmd(e), newDDLCmd(e))
	return cmd
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
	encoder    *string
	configFile *string
	sets       *[]string
	format     *string
	verbose    *bool
}

func commonFlags(fs *flag.FlagSet) common {
	return common{
		encoder:    fs.String("parquet-encoder", "", "Parquet column encoder: native, or parquet-go should the native one ever write a file a reader gets wrong (default $"+ingest.EnvParquetEncoder+", else native)"),
		configFile: fs.String("config", "", "detector settings, a JSON file (see docs/settings.md); overlays $"+ingest.EnvConfigJSON),
		sets:       fs.StringArray("set", nil, "one detector setting, KEY=VALUE, e.g. auth_403_burst.min_count=8; repeatable"),
		format:     fs.String("format", "text", "output: text or json"),
		verbose:    fs.Bool("verbose", false, "list every file, not only the ones with problems"),
	}
}

// completeCommon completes the values of the common flags.
func completeCommon(cmd *cobra.Command) {
	cli.Complete(cmd, "format", "text", "json")
	cli.Complete(cmd, "parquet-encoder", string(dataset.EncoderNative), string(dataset.EncoderParquetGo))
	_ = cmd.MarkFlagFilename("config", "json") // the flag exists
}

// setup reads the environment's configuration and applies the flags. A
// configuration that cannot be read ends the command (cli.Failf); a bad flag
// is a usage mistake.
func (c common) setup(getenv func(string) string) (ingest.Config, error) {
	cfg, err := ingest.ConfigFromEnv(getenv)
	if err != nil {
		return cfg, cli.Failf("%v", err)
	}
	if *c.configFile != "" {
		if cfg.Detectors, err = detectors.LoadConfig(*c.configFile); err != nil {
			return cfg, cli.Failf("%v", err)
		}
	}
	if err := cfg.Detectors.SetAll(*c.sets); err != nil {
		return cfg, cli.Usagef("--set: %v", err)
	}
	if *c.encoder != "" {
		if cfg.ParquetEncoder, err = dataset.ParseEncoder(*c.encoder); err != nil {
			return cfg, cli.Usagef("--parquet-encoder: %v", err)
		}
	}
	if *c.format != "text" && *c.format != "json" {
		return cfg, cli.Usagef("--format %q: want text or json", *c.format)
	}
	if err := cfg.Detectors.Validate(); err != nil {
		return cfg, cli.Usagef("%v", err)
	}
	return cfg, nil
}

// setupLocal defines ingest's own flags on cmd and what it runs: the
// dataset from local logs.
func setupLocal(cmd *cobra.Command, e cli.Env) {
	fs := cmd.Flags()
	fs.SortFlags = false
	paths := fs.StringArray("local", nil, "log file or directory (read recursively, .gz or plain); repeatable")
	out := fs.String("out", "", "directory to write the Parquet dataset to (created if needed)")
	workers := fs.Int("workers", 0, "files processed at once, 1 or more (default: half of GOMAXPROCS, the cores Go uses, at least 1: one file keeps about two cores busy; the dataset and the findings do not depend on it)")
	c := commonFlags(fs)
	completeCommon(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx, stdout, stderr, getenv := cmd.Context(), e.Stdout, e.Stderr, e.Getenv
		if len(*paths) == 0 || *out == "" {
			return cli.Usagef("--local and --out are required")
		}
		cfg, err := c.setup(getenv)
		if err != nil {
			return err
		}
		n := *workers
		switch {
		case n < 0 || (n == 0 && cmd.Flags().Changed("workers")):
			return cli.Usagef("--workers %d: want 1 or more", n)
		case n == 0:
			// One file keeps about 1.7 cores busy (decompression, parsing,
			// two column encoders): more at once only adds memory.
			n = max(runtime.GOMAXPROCS(0)/2, 1)
		}
		objs, _, err := source.Local(*paths, source.Window{Until: time.Unix(1<<40, 0)})
		if err != nil {
			return cli.Failf("%v", err)
		}
		setMemoryLimit(getenv, n)
		log := slog.New(visible.LogHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)})))
		// One engine over all the files, in name (time) order: a local run
		// judges the files together, as report does. With several workers
		// the files are read and written at once, and their records fed to
		// the engine in that order (ingest.ProcessObjects).
		eng, err := detectors.New(cfg.Detectors)
		if err != nil {
			return err
		}
		proc := ingest.NewProcessor(newDirSink(*out, log), ingest.Options{Engine: eng, Logger: log,
			Dataset: dataset.Options{Encoder: cfg.ParquetEncoder}})
		sum := newSummary(*c.format, *c.verbose, stdout)
		ingest.ProcessObjects(ctx, proc, objs, n, sum.add)
		sum.findings = eng.Findings()
		var notifier ingest.Notifier
		if slackConfigured(getenv) {
			notifier = newNotifier(cfg, getenv, nil, log, absPaths(*paths))
		}
		return cli.Exit(sum.finish(ctx, stderr, notifier, ingest.ObjectRef{Key: "local:" + strings.Join(*paths, ",")}), nil)
	}
}

func newBackfillCmd(e cli.Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backfill --source s3://BUCKET/PREFIX [--since 72h | --from T --until T] [--out s3://BUCKET/PREFIX|DIR] [flags]",
		Short: "Process logs already in S3 (before cfwatch was deployed, or while it was down)",
		Long: `Process logs already in S3: those CloudFront delivered before cfwatch was
deployed, or while it was down. The dataset goes to --out, or where the
Lambda writes it ($CFWATCH_OUTPUT_BUCKET); --alerts alerts on findings as
the Lambda does.`,
		Args: cli.NoArgs,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	sources := fs.StringArray("source", nil, "s3://bucket/prefix where CloudFront delivers the logs (or a local directory); repeatable")
	since := fs.String("since", "", "process files of this long before --until: 90m, 72h, 7d (default 24h)")
	from := fs.String("from", "", "window start: a date (its midnight UTC) or an RFC 3339 time, 2026-11-20 or 2026-11-20T12:00:00Z (instead of --since)")
	until := fs.String("until", "", "window end: a date (its midnight UTC) or an RFC 3339 time (default now)")
	out := fs.String("out", "", "where the dataset goes: s3://bucket/prefix or a directory (default s3://$"+ingest.EnvOutputBucket+"/$"+ingest.EnvOutputPrefix+")")
	workers := fs.Int("workers", 4, "files processed at once")
	s3Endpoint := fs.String("s3-endpoint", "", "S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS, or $AWS_ENDPOINT_URL_S3)")
	alerts := fs.Bool("alerts", false, "alert on findings as the Lambda does (Slack settings from the environment; de-duplicated with the Lambda's alerts)")
	c := commonFlags(fs)
	completeCommon(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx, stdout, stderr, getenv := cmd.Context(), e.Stdout, e.Stderr, e.Getenv
		if len(*sources) == 0 {
			return cli.Usagef("--source is required")
		}
		cfg, err := c.setup(getenv)
		if err != nil {
			return err
		}
		w, err := timeflag.ParseWindow(*since, *from, *until, time.Now())
		if err != nil {
			return cli.Usagef("%v", err)
		}
		dest := *out
		if dest == "" {
			if cfg.OutputBucket == "" {
				return cli.Usagef("--out or $" + ingest.EnvOutputBucket + " is required")
			}
			dest = "s3://" + cfg.OutputBucket + "/" + cfg.OutputPrefix
		}
		s3c, err := source.NewS3Client(ctx, *s3Endpoint)
		if err != nil {
			return cli.Failf("%v", err)
		}
		var sink ingest.Sink
		if source.IsS3(dest) {
			bucket, prefix, _ := strings.Cut(strings.TrimPrefix(dest, "s3://"), "/")
			if bucket == "" {
				return cli.Usagef("--out %q: want s3://bucket/prefix", dest)
			}
			sink = ingest.NewS3Sink(s3c, bucket, prefix)
			cfg.OutputBucket, cfg.OutputPrefix = bucket, prefix
		}
		log := slog.New(visible.LogHandler(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelWarn)})))
		if sink == nil {
			sink = newDirSink(dest, log)
		}
		objs, outside, err := source.List(ctx, *sources, w, source.ListOptions{S3Client: s3c, Logger: log})
		if err != nil {
			return cli.Failf("%v", err)
		}
		fmt.Fprintf(stderr, "%s: %d files in the window (%d listed outside it), %d at a time → %s\n", cmd.CommandPath(), len(objs), outside, *workers, sink.Location(""))
		setMemoryLimit(getenv, *workers)
		proc := ingest.NewProcessor(sink, ingest.Options{Detectors: cfg.Detectors, Logger: log,
			Dataset: dataset.Options{Encoder: cfg.ParquetEncoder}})
		var notifier ingest.Notifier
		if *alerts {
			// De-duplicated with the Lambda's alerts through the same state.
			notifier = newNotifier(cfg, getenv, s3c, log, absPaths(*sources))
		}
		sum := newSummary(*c.format, *c.verbose, stdout)
		ingest.ProcessObjects(ctx, proc, objs, *workers, sum.add)
		sum.findings = detectors.MergeByKey(sum.perFile)
		return cli.Exit(sum.finish(ctx, stderr, notifier, ingest.ObjectRef{Key: "backfill:" + strings.Join(*sources, ",") + ":" + w.From.Format(time.RFC3339) + "/" + w.Until.Format(time.RFC3339)}), nil)
	}
	return cmd
}

func newDDLCmd(e cli.Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ddl [--location s3://BUCKET/PREFIX/] [--table DB.TABLE] [--distribution ID]… [--first-day 2026-01-01]",
		Short: "Print the Athena table over the dataset (partition projection)",
		Args:  cli.NoArgs,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	location := fs.String("location", "s3://BUCKET/cloudfront/", "the dataset's root, s3://bucket/prefix/")
	table := fs.String("table", dataset.DefaultTable, "table name, optionally database.table")
	dists := fs.StringArray("distribution", nil, "distribution ID for partition projection; repeatable (recommended: without, queries must name a distribution)")
	firstDay := fs.String("first-day", "", "first day partition projection considers: YYYY-MM-DD or NOW-90DAYS (default NOW-1YEARS)")
	cmd.RunE = func(*cobra.Command, []string) error {
		fmt.Fprintln(e.Stdout, dataset.DDL(dataset.DDLOptions{Table: *table, Location: *location, Distributions: *dists, FirstDay: *firstDay}))
		return nil
	}
	return cmd
}

// summary collects the results of a run and prints them.
type summary struct {
	format   string
	verbose  bool
	w        io.Writer
	start    time.Time
	results  []ingest.Result
	failed   int
	notLogs  int // files refused as not CloudFront logs
	perFile  []detectors.Finding
	findings []detectors.Finding
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
	if res.Status == ingest.StatusNotALog {
		s.notLogs++
	}
	s.perFile = append(s.perFile, res.Findings...)
	res.Findings = nil
	if s.format == "json" {
		s.results = append(s.results, res)
		return
	}
	if s.verbose || res.Status != ingest.StatusOK || res.SkippedLines > 0 || res.InvalidValues > 0 {
		line := fmt.Sprintf("%-9s %s: %s records", res.Status, res.Name, humanize.Comma(res.Records))
		if res.SkippedLines > 0 {
			line += fmt.Sprintf(", %s lines skipped", humanize.Comma(res.SkippedLines))
		}
		if res.InvalidValues > 0 {
			line += fmt.Sprintf(", %s invalid values written as NULL", humanize.Comma(res.InvalidValues))
		}
		if len(res.Outputs) > 0 {
			line += fmt.Sprintf(" → %d Parquet file(s)", len(res.Outputs))
		}
		if res.Reason != "" {
			line += ": " + res.Reason
		}
		fmt.Fprintln(s.w, visible.String(line)) // the file's name and the error come from the input
	}
	s.results = append(s.results, ingest.Result{Status: res.Status, Records: res.Records, SkippedLines: res.SkippedLines,
		InvalidValues: res.InvalidValues, Bytes: res.Bytes, Outputs: res.Outputs})
}

// finish prints the summary and the findings, and alerts on them through
// notifier, if any, as coming from origin.
func (s *summary) finish(ctx context.Context, stderr io.Writer, notifier ingest.Notifier, origin ingest.ObjectRef) int {
	var files, records, skipped, invalid, bytes, outputs int64
	for _, r := range s.results {
		files++
		records += r.Records
		skipped += r.SkippedLines
		invalid += r.InvalidValues
		bytes += r.Bytes
		outputs += int64(len(r.Outputs))
	}
	code := exitOK
	if s.failed > 0 || s.notLogs > 0 {
		// A file that is not a log (binary, a gzip bomb, a refused
		// header) was not read: that is no success either.
		code = exitFailed
	}
	if notifier != nil && len(s.findings) > 0 {
		if err := notifier.Notify(ctx, origin, s.findings); err != nil {
			fmt.Fprintln(stderr, "ingest: alerts not delivered:", visible.String(err.Error()))
			code = exitFailed
		}
	}
	elapsed := time.Since(s.start)
	if s.format == "json" {
		enc := json.NewEncoder(s.w)
		enc.SetIndent("", "  ")
		enc.Encode(map[string]any{
			"files": s.results, "findings": nonNil(s.findings),
			"totals": map[string]any{"files": files, "failed": s.failed, "not_logs": s.notLogs, "records": records, "skipped_lines": skipped,
				"invalid_values": invalid, "bytes": bytes, "parquet_files": outputs, "seconds": elapsed.Seconds()},
		})
		return code
	}
	rate := float64(records) / max(elapsed.Seconds(), 1e-9)
	failed := fmt.Sprintf("%d failed", s.failed)
	if s.notLogs > 0 {
		failed += fmt.Sprintf(", %d not a CloudFront log", s.notLogs)
	}
	problems := humanize.Comma(skipped) + " lines skipped"
	if invalid > 0 {
		problems += ", " + humanize.Comma(invalid) + " invalid values"
	}
	fmt.Fprintf(s.w, "%s files (%s), %s records (%s), %s read → %s Parquet files in %s (%s records/s)\n",
		humanize.Comma(files), failed, humanize.Comma(records), problems, humanize.Bytes(uint64(bytes)),
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

// absPaths returns the paths made absolute, s3:// URLs as they are: the
// report command in alerts then runs from any directory.
func absPaths(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = p
		if !source.IsS3(p) {
			if a, err := filepath.Abs(p); err == nil {
				out[i] = a
			}
		}
	}
	return out
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

// Command report audits CloudFront access logs over a time window.
//
//	report --source DIR_OR_FILE [--source …] [--since 24h | --from T --until T] [--format text|json] [--out FILE] [--fail-on critical|warning|none]
//
// Exit status: 2 on usage errors or when some input could not be read (the
// report is still written); otherwise 1 when a finding at or above --fail-on
// exists, 0 when none does.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	flag "github.com/spf13/pflag"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/report"
	"github.com/cfwatch/cfwatch/source"
)

const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sources := fs.StringArray("source", nil, "log file or directory (read recursively, .gz or plain); repeatable")
	since := fs.String("since", "", "report on this long before --until: 90m, 24h, 7d (default 24h)")
	from := fs.String("from", "", "window start, RFC 3339 (instead of --since)")
	until := fs.String("until", "", "window end, RFC 3339 (default now)")
	format := fs.String("format", "text", "output format: text or json")
	out := fs.String("out", "", "write the report to this file instead of stdout")
	top := fs.Int("top", 10, "rows in the path tables")
	failOn := fs.String("fail-on", "critical", "exit 1 when a finding at or above this severity exists: critical, warning or none")
	configFile := fs.String("config", "", "detector settings, a JSON file (see README: Detector settings)")
	authPrefix := fs.String("auth-prefix", "", "path NextAuth is mounted at (default /api/auth)")
	apiPrefixes := fs.StringArray("api-prefix", nil, "path prefix served by the API origin (default /api); repeatable")
	sets := fs.StringArray("set", nil, "one detector setting, KEY=VALUE, e.g. auth_403_burst.min_count=8; repeatable")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: report --source PATH [--source PATH…] [flags]\n\nAudits CloudFront access logs over a time window.\n\nFlags:\n%s", fs.FlagUsages())
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
	if len(*sources) == 0 {
		return fail("no --source given: name a log file or directory (try --help)")
	}
	if *format != "text" && *format != "json" {
		return fail("--format %q: want text or json", *format)
	}
	var failRank int
	switch *failOn {
	case "critical":
		failRank = detectors.SeverityCritical.Rank()
	case "warning":
		failRank = detectors.SeverityWarning.Rank()
	case "none":
		failRank = 1 << 30
	default:
		return fail("--fail-on %q: want critical, warning or none", *failOn)
	}
	cfg, err := detectorConfig(*configFile, *authPrefix, *apiPrefixes, *sets)
	if err != nil {
		return fail("%v", err)
	}
	window, err := source.ParseWindow(*since, *from, *until, time.Now())
	if err != nil {
		return fail("%v", err)
	}
	objs, skipped, err := source.Local(*sources, window)
	if err != nil {
		return fail("%v", err)
	}
	rep, err := report.Run(ctx, objs, skipped, report.Options{Window: window, TopN: *top, Detectors: &cfg})
	if err != nil {
		return fail("%v", err)
	}

	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fail("%v", err)
		}
		defer f.Close()
		w = f
	}
	if *format == "json" {
		err = rep.WriteJSON(w)
	} else {
		err = rep.WriteText(w)
	}
	if err != nil {
		return fail("writing the report: %v", err)
	}
	if rep.Failed() {
		for _, f := range rep.Input.FailedFiles {
			fmt.Fprintf(stderr, "report: %s\n", f.Error)
		}
		fmt.Fprintf(stderr, "report: %d file(s) could not be read to the end\n", len(rep.Input.FailedFiles))
		return exitUsage
	}
	if worst := rep.Worst(); worst != "" && worst.Rank() >= failRank {
		return exitFindings
	}
	return exitOK
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

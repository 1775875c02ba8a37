package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/cfwatch/cfwatch/detectors"
)

// Exit codes.
const (
	ExitOK      = 0 // every check passed, or failures below --fail-on
	ExitFailed  = 1 // a failed check at or above --fail-on
	ExitUsage   = 2 // bad flags or arguments, or the site gave no answer
	usageSuffix = "usage: cfwatch probe URL [--auth-prefix /api/auth] [--provider ID] [--origin URL] [--api-path PATH] [--header 'K: V']… [--format text|json|markdown|junit] [--out FILE] [--fail-on critical|warning|none] [--timeout 10s]"
)

// Main runs cfwatch probe with args (without the program or command name)
// and returns the exit code. env reads the environment (CFWATCH_PROBE_*
// defaults are not read: the flags are explicit for pipelines).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) int {
	_ = env
	fs := pflag.NewFlagSet("cfwatch probe", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	authPrefix := fs.String("auth-prefix", "/api/auth", "path NextAuth / Auth.js is mounted at")
	provider := fs.String("provider", "credentials", "provider ID for the sign-in POST and the callback (e.g. github, cognito)")
	origin := fs.String("origin", "", "another site that calls the API cross-origin: enables the preflight check")
	apiPath := fs.String("api-path", "", "a non-auth API path for api-host (default: the auth prefix's parent, e.g. /api/)")
	headers := fs.StringArray("header", nil, "extra request header 'Name: value' for every request (repeatable; values never printed)")
	format := fs.String("format", "text", "output format: text, json, markdown (md) or junit")
	out := fs.String("out", "", "write the report to this file (a one-line summary still goes to stdout)")
	failOn := fs.String("fail-on", "critical", "exit 1 when a check fails at or above this severity: critical, warning or none")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
	help := fs.BoolP("help", "h", false, "show this help")
	usage := func() string {
		return "cfwatch probe: run NextAuth's post-deploy checks against a live site behind CloudFront\n\n" + usageSuffix + "\n\n" + fs.FlagUsages()
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "cfwatch probe: "+format+"\n%s\n", append(a, usageSuffix)...)
		return ExitUsage
	}
	if err := fs.Parse(args); err != nil {
		return fail("%v", err)
	}
	if *help {
		fmt.Fprint(stdout, usage())
		return ExitOK
	}
	if fs.NArg() != 1 {
		return fail("want exactly one URL, got %d arguments", fs.NArg())
	}
	var write func(io.Writer, *Report) error
	switch strings.ToLower(*format) {
	case "text":
		write = WriteText
	case "json":
		write = WriteJSON
	case "markdown", "md":
		write = WriteMarkdown
	case "junit", "xml":
		write = WriteJUnit
	default:
		return fail("--format %q: want text, json, markdown or junit", *format)
	}
	threshold := 0
	switch *failOn {
	case "critical":
		threshold = detectors.SeverityCritical.Rank()
	case "warning":
		threshold = detectors.SeverityWarning.Rank()
	case "none":
	default:
		return fail("--fail-on %q: want critical, warning or none", *failOn)
	}
	if *timeout <= 0 {
		return fail("--timeout %v: want a positive duration", *timeout)
	}
	opts := Options{URL: fs.Arg(0), AuthPrefix: *authPrefix, Provider: *provider, Origin: *origin, APIPath: *apiPath, Timeout: *timeout, Version: version()}
	for _, h := range *headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return fail("--header %q: want 'Name: value'", esc(h))
		}
		switch strings.ToLower(name) {
		case "host", "content-length", "user-agent":
			return fail("--header %s: set by the probe itself", name)
		}
		opts.Headers = append(opts.Headers, Header{Name: name, Value: strings.TrimSpace(value)})
	}

	rep, err := Run(ctx, opts)
	if err != nil {
		if errors.Is(err, ErrUnreachable) {
			fmt.Fprintf(stderr, "cfwatch probe: %v\n", err)
			return ExitUsage
		}
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "cfwatch probe: %v\n", err)
			return ExitUsage
		}
		return fail("%v", err)
	}
	var buf bytes.Buffer
	if err := write(&buf, rep); err != nil {
		fmt.Fprintf(stderr, "cfwatch probe: writing the report: %v\n", err)
		return ExitUsage
	}
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "cfwatch probe: %v\n", err)
			return ExitUsage
		}
		s := rep.Summary
		fmt.Fprintf(stdout, "cfwatch probe %s: %d passed, %d failed (%d critical, %d warning), %d skipped; report in %s\n",
			rep.Target, s.Passed, s.Failed, s.Critical, s.Warning, s.Skipped, *out)
	} else if _, err := stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintf(stderr, "cfwatch probe: %v\n", err)
		return ExitUsage
	}
	if threshold > 0 {
		for _, c := range rep.Checks {
			if c.Status == StatusFail && c.Severity.Rank() >= threshold {
				return ExitFailed
			}
		}
	}
	return ExitOK
}

// version is the module version the binary was built from ("dev" in a
// work tree).
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

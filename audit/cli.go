package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/pflag"
)

// Exit codes, as report's.
const (
	ExitOK      = 0
	ExitFinding = 1
	ExitUsage   = 2
)

const usage = `usage: cfwatch audit [FILE…] [--distribution E…] [--format text|json|markdown|sarif] [--fail-on critical|warning|none]

FILE is what 'aws cloudfront get-distribution-config' or 'get-distribution'
prints, a CloudFormation/SAM template (JSON or YAML, also 'cdk synth'
output), Terraform JSON ('terraform show -json' of a plan or state), or a
policy from 'aws cloudfront get-cache-policy' and the like.
`

// Main runs "cfwatch audit" with args (without the command name) and
// returns the exit status: 0 no finding at or above --fail-on, 1 such a
// finding, 2 usage error or unreadable input.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) string) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "cfwatch audit: internal error: %v\n", p)
			code = ExitUsage
		}
	}()
	fs := pflag.NewFlagSet("audit", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage, "\n", fs.FlagUsages()) }
	var (
		dists    = fs.StringArray("distribution", nil, "audit the live distribution with this ID (repeatable)")
		format   = fs.String("format", "text", "output format: text, json, markdown or sarif")
		failOn   = fs.String("fail-on", "critical", "exit 1 on a finding of this severity or worse: critical, warning or none")
		authPre  = fs.String("auth-prefix", "/api/auth", "the path NextAuth serves")
		apiPre   = fs.StringArray("api-prefix", nil, "an API path prefix (repeatable; default /api)")
		endpoint = fs.String("endpoint-url", "", "CloudFront/WAF API endpoint for --distribution (default AWS_ENDPOINT_URL or AWS)")
		region   = fs.String("region", "", "AWS region for the API calls (default AWS_REGION, else us-east-1)")
		out      = fs.String("out", "", "write the output to FILE instead of stdout")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return ExitOK
		}
		fmt.Fprintf(stderr, "cfwatch audit: %v\n%s\n%s", err, usage, fs.FlagUsages())
		return ExitUsage
	}
	switch *format {
	case "text", "json", "markdown", "sarif":
	default:
		fmt.Fprintf(stderr, "cfwatch audit: --format %q: want text, json, markdown or sarif\n", *format)
		fs.Usage()
		return ExitUsage
	}
	switch *failOn {
	case "critical", "warning", "none":
	default:
		fmt.Fprintf(stderr, "cfwatch audit: --fail-on %q: want critical, warning or none\n", *failOn)
		fs.Usage()
		return ExitUsage
	}
	if fs.NArg() == 0 && len(*dists) == 0 {
		fmt.Fprintln(stderr, "cfwatch audit: give a FILE or --distribution")
		fs.Usage()
		return ExitUsage
	}
	cfg := &Config{}
	if fs.NArg() > 0 {
		c, err := LoadFiles(fs.Args())
		if err != nil {
			fmt.Fprintf(stderr, "cfwatch audit: %v\n", err)
			return ExitUsage
		}
		cfg = c
	}
	if len(*dists) > 0 {
		if *endpoint == "" {
			*endpoint = env("AWS_ENDPOINT_URL")
		}
		if *region == "" {
			*region = env("AWS_REGION")
		}
		for _, id := range *dists {
			d, err := LoadLive(ctx, LiveOptions{DistributionID: id, Endpoint: *endpoint, Region: *region})
			if err != nil {
				fmt.Fprintf(stderr, "cfwatch audit: distribution %s: %v\n", id, err)
				return ExitUsage
			}
			cfg.Distributions = append(cfg.Distributions, d)
			cfg.Inputs = append(cfg.Inputs, Input{File: "distribution " + id, Kind: KindLive})
		}
	}
	rep := Audit(cfg, Options{AuthPrefix: *authPre, APIPrefixes: *apiPre})
	w := stdout
	if *out != "" {
		f, err := createFile(*out)
		if err != nil {
			fmt.Fprintf(stderr, "cfwatch audit: %v\n", err)
			return ExitUsage
		}
		defer func() {
			if err := f.Close(); err != nil && code == ExitOK {
				fmt.Fprintf(stderr, "cfwatch audit: %v\n", err)
				code = ExitUsage
			}
		}()
		w = f
	}
	if err := rep.Render(w, *format); err != nil {
		fmt.Fprintf(stderr, "cfwatch audit: writing the output: %v\n", err)
		return ExitUsage
	}
	slog.DebugContext(ctx, "audit done", "distributions", len(rep.Distributions), "critical", rep.Summary.Critical, "warning", rep.Summary.Warning)
	if rep.Failed(*failOn) {
		return ExitFinding
	}
	return ExitOK
}

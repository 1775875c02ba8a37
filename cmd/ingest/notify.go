package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/ingest"
)

// newNotifier returns the Slack notifier the environment configures, or
// nil when none is.
// TODO(lead): wire package alert when it lands.
func newNotifier(cfg ingest.Config, getenv func(string) string, s3c *s3.Client, log *slog.Logger) ingest.Notifier {
	return nil
}

func findingText(f detectors.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s  %s %s\n", strings.ToUpper(string(f.Severity)), f.Rule, f.Host, f.Group)
	fmt.Fprintf(&b, "  %s\n  cause:  %s\n  remedy: %s", f.Summary(), f.Cause, f.Remedy)
	return b.String()
}

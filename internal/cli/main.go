// Package cli holds cfwatch's commands: report, ingest (with backfill and
// ddl) and loggen, and the ingest Lambda function's main.
package cli

import (
	"context"
	"os"
)

// Report runs the report command with args and returns its exit status.
func Report(ctx context.Context, args []string) int {
	return runReportCmd(ctx, args, os.Stdout, os.Stderr)
}

// Ingest runs the ingest command with args and returns its exit status.
func Ingest(ctx context.Context, args []string) int {
	return runIngestCmd(ctx, args, os.Stdout, os.Stderr, os.Getenv)
}

// Loggen runs the loggen command with args and returns its exit status.
func Loggen(args []string) int { return loggenMain(args) }

// Lambda serves Lambda invocations until the runtime stops the process.
func Lambda() int { return lambdaMain() }

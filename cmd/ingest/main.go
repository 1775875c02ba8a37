// Command ingest turns CloudFront access logs into an Athena-ready Parquet
// dataset, running cfwatch's detectors on the way.
//
// In AWS Lambda (AWS_LAMBDA_RUNTIME_API is set) it is the function S3, SQS
// or EventBridge invoke for each log object CloudFront delivers; see
// package ingest and docs/dataset.md for its environment. Only the function is
// set up then, none of the command line. Elsewhere it is the same as
// `cfwatch ingest` (see `ingest --help`):
//
//	ingest --local FILE|DIR [--local …] --out DIR [--config FILE] [--set KEY=VALUE] [--format text|json]
//	ingest backfill --source s3://BUCKET/PREFIX [--since 72h | --from T --until T] [--out s3://BUCKET/PREFIX|DIR] [--workers N] [--alerts]
//	ingest ddl [--location s3://BUCKET/PREFIX/] [--table DB.TABLE] [--distribution ID]… [--first-day 2026-01-01]
//
// Exit status: 0 when every file was processed, 1 when some file failed,
// 2 on usage and configuration errors.
package main

import (
	"os"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/cli/ingestcmd"
)

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		// A panic on this goroutine is an error, exit 2 (cli.Guard).
		os.Exit(cli.Guard("ingest", os.Stderr, ingestcmd.Lambda))
	}
	os.Exit(cli.Run(ingestcmd.New))
}

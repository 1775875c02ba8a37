// Package ingest turns CloudFront access logs into the Parquet dataset
// Athena reads (package dataset) and alerts on what the detectors find.
//
// The shape, from an event to its outputs:
//
//	S3 event / SQS / EventBridge ─┐
//	Kinesis (real-time logs) ─────┴→ Handler ─→ Processor ─→ Sink     (Parquet, dataset.PartitionPath)
//	                                     │          └─ detectors ─→ findings
//	                                     └──────────────────────→ Notifier (Slack, package alert)
//
// Its parts:
//
//   - Handler is the Lambda function (cmd/ingest, built by
//     internal/cli/ingestcmd): Invoke reads each log object an invocation
//     names from S3 (Object), or decodes a Kinesis batch of real-time
//     records (Kinesis, configured by Realtime), and hands the records on.
//   - Processor parses a log (logparse), writes one Parquet file per
//     distribution and hour to its Sink, runs the detectors over the same
//     records, and returns the file's findings. Its output is
//     deterministic: a retried object replaces what the first try wrote.
//   - A Sink stores the files: S3Sink in the Lambda and for backfills
//     (cfwatch ingest --out s3://…), a directory for local runs.
//   - A Notifier delivers findings as alerts, de-duplicated across files and
//     invocations by the state package alert keeps in S3; Metrics writes the
//     EMF lines the template's alarms watch.
//   - ProcessObjects runs a Processor over listed objects (package source),
//     several at a time: the backfill path of cfwatch ingest.
//
// Environment (ConfigFromEnv, RealtimeFromEnv; template.yaml sets them for
// the function, local runs honour them too):
//
//	CFWATCH_OUTPUT_BUCKET, CFWATCH_OUTPUT_PREFIX    the dataset (bucket required in the Lambda)
//	CFWATCH_STATE_BUCKET, CFWATCH_STATE_PREFIX      the alert state (default: the output bucket)
//	CFWATCH_CONFIG_JSON                             detector settings, as report --config reads them
//	CFWATCH_AUTH_PREFIX, CFWATCH_API_PREFIXES,
//	CFWATCH_IGNORE_PATHS                            shortcuts for those settings
//	CFWATCH_LOG_LEVEL, CFWATCH_METRICS_NAMESPACE    logging and the EMF metrics' namespace
//	CFWATCH_REALTIME_FIELDS,
//	CFWATCH_REALTIME_DISTRIBUTION_ID                the real-time log path (empty fields: off)
//	CFWATCH_ALERT_COOLDOWN, SLACK_*                 alerting (package alert: alert.Env*)
//	AWS_LAMBDA_FUNCTION_MEMORY_SIZE, GOMEMLIMIT     the memory limit the function sets itself
package ingest

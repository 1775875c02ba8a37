package ingestcmd

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/visible"
	"github.com/cfwatch/cfwatch/source"
)

// Lambda serves Lambda invocations until the runtime stops the process:
// the main of cmd/ingest when AWS_LAMBDA_RUNTIME_API is set.
// Configuration errors end the process before the first poll, so the
// function's init fails with the message in its log.
func Lambda() int {
	cfg, err := ingest.ConfigFromEnv(os.Getenv)
	if err != nil {
		slog.New(visible.LogHandler(slog.NewJSONHandler(os.Stdout, nil))).Error("configuration", "err", err.Error())
		return 2
	}
	setMemoryLimit(os.Getenv, 1)
	// Object keys, file names and parse errors come from the input: every
	// line shows their control characters as escapes (internal/visible).
	log := slog.New(visible.LogHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel})))
	if cfg.OutputBucket == "" {
		log.Error("configuration: " + ingest.EnvOutputBucket + " is not set: it names the bucket the Parquet dataset is written to")
		return 2
	}
	ctx := context.Background()
	// The standard chain: the function's role, AWS_REGION; and
	// AWS_ENDPOINT_URL_S3 for an S3-compatible server.
	s3c, err := source.NewS3Client(ctx, "")
	if err != nil {
		log.Error("configuration", "err", err.Error())
		return 2
	}
	metrics := ingest.NewMetrics(os.Stdout, cfg.MetricsNamespace)
	notifier := newNotifier(cfg, os.Getenv, s3c, log, nil)
	notifier.metrics = metrics
	rt, rtErr := ingest.RealtimeFromEnv(os.Getenv, cfg.Detectors)
	if rtErr != nil {
		log.Error("real-time logs: Kinesis batches will be refused", "err", rtErr.Error())
	}
	h := &ingest.Handler{
		S3: s3c,
		Proc: ingest.NewProcessor(ingest.NewS3Sink(s3c, cfg.OutputBucket, cfg.OutputPrefix), ingest.Options{
			Detectors: cfg.Detectors,
			Logger:    log,
			Dataset:   dataset.Options{Encoder: cfg.ParquetEncoder},
		}),
		Notifier:    notifier,
		Metrics:     metrics,
		Log:         log,
		Skip:        ownOutput(cfg),
		Realtime:    rt,
		RealtimeErr: rtErr,
	}
	lambda.Start(h.Invoke)
	return 0
}

// ownOutput lists the locations ingest writes, which it must never read.
// A prefix that is the whole bucket is left out: the log bucket would be
// skipped too (Parquet files are then skipped as not-a-log instead).
func ownOutput(cfg ingest.Config) []string {
	var out []string
	for _, loc := range [][2]string{{cfg.OutputBucket, cfg.OutputPrefix}, {cfg.StateBucket, cfg.StatePrefix}} {
		if p := strings.Trim(loc[1], "/"); loc[0] != "" && p != "" {
			out = append(out, "s3://"+loc[0]+"/"+p+"/")
		}
	}
	return out
}

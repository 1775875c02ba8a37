package ingestcmd

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/alert"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/ingest"
)

// slackNotifier is the Lambda's and backfill's ingest.Notifier: package
// alert, with its settings (and the Slack secret) read on first use, so
// that a cold start does not wait for Secrets Manager, and read again after
// a failure instead of failing every later invocation of the process.
type slackNotifier struct {
	cfg    ingest.Config
	getenv func(string) string
	s3     *s3.Client // incident state; nil keeps it in memory
	log    *slog.Logger
	// sources are where the logs are read, for the report command in
	// messages; nil (the Lambda) derives it from each incident's first
	// log object.
	sources []string
	// metrics, when set, receives AlertLatency for each first post.
	metrics *ingest.Metrics

	mu sync.Mutex
	n  *alert.Notifier
}

func newNotifier(cfg ingest.Config, getenv func(string) string, s3c *s3.Client, log *slog.Logger, sources []string) *slackNotifier {
	return &slackNotifier{cfg: cfg, getenv: getenv, s3: s3c, log: log, sources: sources}
}

func (s *slackNotifier) notifier(ctx context.Context) (*alert.Notifier, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n != nil {
		return s.n, nil
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("alerts: loading the AWS configuration: %w", err)
	}
	set, err := alert.SettingsFromEnv(ctx, s.getenv, awsCfg)
	if err != nil {
		return nil, err
	}
	opts := alert.Options{Logger: s.log, LogSources: s.sources, IgnorePaths: s.cfg.Detectors.IgnorePaths}
	if m := s.metrics; m != nil {
		opts.OnPosted = func(ctx context.Context, f detectors.Finding, posted time.Time) {
			if err := m.AlertLatency(ingest.AlertSource(ctx), f.Rule, f.FirstSeen, posted); err != nil {
				s.log.Warn("metrics not written", "err", err.Error())
			}
		}
	}
	if s.s3 != nil && s.cfg.StateBucket != "" {
		opts.S3, opts.StateBucket, opts.StatePrefix = s.s3, s.cfg.StateBucket, s.cfg.StatePrefix
	}
	if s.cfg.OutputBucket != "" {
		opts.DatasetLocation = "s3://" + s.cfg.OutputBucket + "/" + strings.Trim(s.cfg.OutputPrefix, "/")
	}
	n, err := alert.New(set, opts)
	if err != nil {
		return nil, err
	}
	s.log.Info("alerts", "to", set.String())
	s.n = n
	return n, nil
}

// Notify implements ingest.Notifier.
func (s *slackNotifier) Notify(ctx context.Context, obj ingest.ObjectRef, findings []detectors.Finding) error {
	n, err := s.notifier(ctx)
	if err != nil {
		return err
	}
	return n.Notify(ctx, alert.Origin{Bucket: obj.Bucket, Key: obj.Key, ETag: obj.ETag}, findings)
}

// Sweep resolves the incidents that have been quiet for the cooldown.
func (s *slackNotifier) Sweep(ctx context.Context) error {
	n, err := s.notifier(ctx)
	if err != nil {
		return err
	}
	return n.Sweep(ctx)
}

func findingText(f detectors.Finding) string { return alert.Text(f) }

package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cfwatch/cfwatch/detectors"
)

// A Notifier delivers the findings of one log object as alerts. An error
// means an alert was not delivered and the object should be retried; the
// Notifier de-duplicates, so a retry does not alert twice.
type Notifier interface {
	Notify(ctx context.Context, obj ObjectRef, findings []detectors.Finding) error
}

// A Handler is the Lambda function: it takes an invocation's payload, reads
// each log object it names from S3, writes its Parquet files and alerts on
// its findings.
type Handler struct {
	S3       *s3.Client // reads the logs
	Proc     *Processor
	Notifier Notifier // nil: findings are only logged
	Metrics  *Metrics // nil: no EMF lines
	Log      *slog.Logger
	// Skip lists s3://bucket/prefix locations ingest never reads: its own
	// dataset and alert state, when they share the log bucket, so that
	// writing them cannot trigger the function again.
	Skip []string
	// Realtime configures the Kinesis path (real-time logs); nil refuses
	// Kinesis batches. RealtimeErr, when set, is why the configuration
	// could not be read: Kinesis batches fail with it.
	Realtime    *Realtime
	RealtimeErr error
}

// Response is what an S3 or EventBridge invocation returns.
type Response struct {
	Objects int `json:"objects"`
	Failed  int `json:"failed"`
}

// Invoke handles one invocation. For SQS it returns an
// events.SQSEventResponse naming the messages that failed (partial batch
// failure: the others are deleted from the queue), and an error only when
// the payload is not an SQS batch at all. For S3 and EventBridge events it
// returns an error when any object failed, so that Lambda retries the event
// (ingest's output is deterministic, so a retry replaces what the first try
// wrote).
func (h *Handler) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	if isKinesis(payload) {
		return h.Kinesis(ctx, payload)
	}
	ev, err := ParseEvent(payload)
	if err != nil {
		h.Log.Error("invocation payload not understood", "err", err.Error(), "payload_bytes", len(payload))
		return nil, err
	}
	defer h.sweep(ctx)
	if ev.Kind == KindSQS {
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for _, m := range ev.Messages {
			if err := h.message(ctx, m); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageID})
			}
		}
		if n := len(resp.BatchItemFailures); n > 0 {
			h.Log.Warn("SQS messages failed, left for retry", "failed", n, "messages", len(ev.Messages))
		}
		return resp, nil
	}
	var resp Response
	var errs []error
	for _, m := range ev.Messages {
		resp.Objects += len(m.Objects)
		if err := h.message(ctx, m); err != nil {
			resp.Failed++
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return resp, err
	}
	return resp, nil
}

// A Sweeper closes incidents that have gone quiet (alert.Notifier.Sweep).
type Sweeper interface {
	Sweep(ctx context.Context) error
}

// sweep lets the Notifier resolve quiet incidents at the end of each
// invocation; a failure is logged, not the invocation's.
func (h *Handler) sweep(ctx context.Context) {
	sw, ok := h.Notifier.(Sweeper)
	if !ok {
		return
	}
	if err := sw.Sweep(ctx); err != nil {
		h.Log.Warn("resolving quiet incidents failed; the next invocation tries again", "err", err.Error())
	}
}

// message processes every object of one message; the error joins the
// objects' errors.
func (h *Handler) message(ctx context.Context, m Message) error {
	if m.Err != nil {
		h.Log.Error("message not understood", "message_id", m.MessageID, "err", m.Err.Error())
		return m.Err
	}
	if len(m.Objects) == 0 {
		h.Log.Info("nothing to process", "message_id", m.MessageID, "note", m.Note)
		return nil
	}
	var errs []error
	for _, obj := range m.Objects {
		if err := h.Object(ctx, obj); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Object processes one object: read, detect, write, alert. An object that
// is gone (NoSuchKey), empty, not a log, or cfwatch's own output is logged
// and acknowledged, not an error.
func (h *Handler) Object(ctx context.Context, obj ObjectRef) error {
	name := obj.Name()
	for _, loc := range h.Skip {
		if strings.HasPrefix(name, loc) {
			h.Log.Info("object skipped: it is cfwatch's own output", "object", name, "under", loc)
			return nil
		}
	}
	out, err := h.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(obj.Bucket), Key: aws.String(obj.Key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			res := Result{Name: name, Status: StatusDeleted, Reason: "NoSuchKey"}
			h.Log.Warn("object deleted before it was read: acknowledged, not retried", res.LogAttrs()...)
			return nil
		}
		err = fmt.Errorf("reading %s: %w", name, err)
		res := Result{Name: name, Status: StatusFailed}
		h.Log.Error("object not read", append(res.LogAttrs(), "err", err.Error())...)
		h.Metrics.File(&res)
		return err
	}
	defer out.Body.Close()
	res, err := h.Proc.Process(ctx, Input{Name: name, Key: obj.Key, Body: out.Body})
	if mErr := h.Metrics.File(&res); mErr != nil {
		h.Log.Warn("metrics not written", "err", mErr.Error())
	}
	if err != nil {
		h.Log.Error("object failed: no Parquet written", append(res.LogAttrs(), "err", err.Error())...)
		return err
	}
	switch res.Status {
	case StatusNotALog:
		h.Log.Warn("object skipped: not a CloudFront access log", res.LogAttrs()...)
		return nil
	case StatusEmpty:
		h.Log.Info("object skipped: no records", res.LogAttrs()...)
		return nil
	}
	h.Log.Info("object processed", res.LogAttrs()...)
	for _, f := range res.Findings {
		h.Log.Info("finding", "object", name, "rule", f.Rule, "severity", string(f.Severity), "key", f.Key, "summary", f.Summary())
	}
	if h.Notifier == nil || len(res.Findings) == 0 {
		return nil
	}
	if err := h.Notifier.Notify(ctx, obj, res.Findings); err != nil {
		h.Log.Error("alert not delivered: the object will be retried (Parquet is written; alerts are de-duplicated)", "object", name, "err", err.Error())
		return fmt.Errorf("%s: alerting: %w", name, err)
	}
	return nil
}

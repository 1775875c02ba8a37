package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// An ObjectRef is an S3 object an event says was created.
type ObjectRef struct {
	Bucket string
	Key    string // decoded: as stored in S3
	ETag   string
	Size   int64
}

// Name returns s3://bucket/key.
func (o ObjectRef) Name() string { return "s3://" + o.Bucket + "/" + o.Key }

// EventKind is the kind of payload the Lambda was invoked with.
type EventKind string

// The payloads ingest accepts.
const (
	KindS3          EventKind = "s3"          // S3 event notification
	KindSQS         EventKind = "sqs"         // SQS messages, each an S3 or EventBridge event
	KindEventBridge EventKind = "eventbridge" // EventBridge "Object Created"
)

// A Message is one unit of retry: the whole invocation for S3 and
// EventBridge events, one SQS message for SQS batches.
type Message struct {
	MessageID string // SQS only
	Objects   []ObjectRef
	// Note says why a message names no object (an s3:TestEvent, an event
	// other than Object Created), for the log.
	Note string
	// Err is set when the message could not be decoded; it fails alone.
	Err error
}

// An Event is an invocation's payload, decoded.
type Event struct {
	Kind     EventKind
	Messages []Message
}

// ParseEvent decodes an invocation payload: an S3 event notification
// (Records from aws:s3), SQS messages whose bodies are S3 event
// notifications or EventBridge events (Records from aws:sqs), or an
// EventBridge "Object Created" event. Object keys of S3 notifications are
// URL-encoded ('+' for a space) and are decoded here; EventBridge gives
// keys as stored.
//
// A payload that is none of these is an error. An SQS message whose body is
// none of these gets Message.Err: it fails alone, not the batch.
func ParseEvent(payload []byte) (Event, error) {
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil {
		return Event{}, fmt.Errorf("event: not JSON: %w", err)
	}
	if len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:sqs" {
		var ev events.SQSEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Event{}, fmt.Errorf("event: SQS: %w", err)
		}
		out := Event{Kind: KindSQS}
		for _, m := range ev.Records {
			msg, _, err := parseBody([]byte(m.Body))
			msg.MessageID = m.MessageId
			if err != nil {
				msg.Err = fmt.Errorf("SQS message %s: %w", m.MessageId, err)
			}
			out.Messages = append(out.Messages, msg)
		}
		return out, nil
	}
	msg, kind, err := parseBody(payload)
	if err != nil {
		return Event{}, err
	}
	return Event{Kind: kind, Messages: []Message{msg}}, nil
}

// parseBody decodes an S3 event notification or an EventBridge event.
func parseBody(body []byte) (Message, EventKind, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		Event      string          `json:"Event"`
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return Message{}, "", fmt.Errorf("event: not JSON: %w", err)
	}
	switch {
	case probe.Event == "s3:TestEvent":
		// S3 sends it once when notifications to a queue are set up.
		return Message{Note: "s3:TestEvent"}, KindS3, nil
	case probe.Records != nil:
		var ev events.S3Event
		if err := json.Unmarshal(body, &ev); err != nil {
			return Message{}, KindS3, fmt.Errorf("event: S3 notification: %w", err)
		}
		var msg Message
		for _, r := range ev.Records {
			if r.EventSource != "aws:s3" && r.EventSource != "minio:s3" {
				return Message{}, KindS3, fmt.Errorf("event: record from %q, not S3", r.EventSource)
			}
			if !isCreated(r.EventName) {
				msg.Note = "not an ObjectCreated event: " + r.EventName
				continue
			}
			key, err := url.QueryUnescape(r.S3.Object.Key)
			if err != nil {
				return Message{}, KindS3, fmt.Errorf("event: object key %q: %w", r.S3.Object.Key, err)
			}
			msg.Objects = append(msg.Objects, ObjectRef{
				Bucket: r.S3.Bucket.Name, Key: key,
				ETag: r.S3.Object.ETag, Size: r.S3.Object.Size,
			})
		}
		return msg, KindS3, nil
	case probe.Source == "aws.s3":
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			return Message{}, KindEventBridge, fmt.Errorf("event: EventBridge: %w", err)
		}
		if ev.DetailType != "Object Created" {
			return Message{Note: "EventBridge " + ev.DetailType + ", not Object Created"}, KindEventBridge, nil
		}
		var d struct {
			Bucket struct {
				Name string `json:"name"`
			} `json:"bucket"`
			Object struct {
				Key  string `json:"key"`
				Size int64  `json:"size"`
				ETag string `json:"etag"`
			} `json:"object"`
		}
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			return Message{}, KindEventBridge, fmt.Errorf("event: EventBridge detail: %w", err)
		}
		if d.Bucket.Name == "" || d.Object.Key == "" {
			return Message{}, KindEventBridge, errors.New("event: EventBridge Object Created without bucket or key")
		}
		return Message{Objects: []ObjectRef{{Bucket: d.Bucket.Name, Key: d.Object.Key, ETag: d.Object.ETag, Size: d.Object.Size}}}, KindEventBridge, nil
	}
	return Message{}, "", errors.New("event: neither an S3 notification, SQS messages nor an EventBridge event from aws.s3")
}

// isCreated reports whether an S3 event name is an ObjectCreated event
// ("ObjectCreated:Put" from S3, "s3:ObjectCreated:Put" from MinIO).
func isCreated(name string) bool { return strings.Contains(name, "ObjectCreated") }

package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cfwatch/cfwatch/alert"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/slacktest"
	"github.com/cfwatch/cfwatch/logparse"
)

const (
	rtDist  = "E2QWRUHEXAMPLE"
	rtHost  = "app.example.com"
	rtCF    = "d111111abcdef8.cloudfront.net"
	rtToken = "xoxb-realtime-test-token-0123456789"
)

// rtReq is one request, written as a real-time line or a standard log line.
type rtReq struct {
	t      time.Time
	ip     string
	method string
	path   string
	status int
	result string // x-edge-result-type; the detailed type too unless detailed is set
	detail string
	ttfb   string
	id     string
}

// realtimeLine writes r in the template's field list (RealtimeRecommendedFields).
func (r rtReq) realtimeLine() string {
	detail := r.detail
	if detail == "" {
		detail = r.result
	}
	ts := fmt.Sprintf("%d.%03d", r.t.Unix(), r.t.Nanosecond()/1e6)
	return strings.Join([]string{ts, r.ip, r.ttfb, fmt.Sprint(r.status), "512", r.method, "https",
		rtHost, r.path, "SOF50-P2", r.id, rtCF, "0.002", "HTTP/2.0", "Mozilla/5.0", "-", "-",
		r.result, r.result, "text/html", "915", detail}, "\t")
}

const stdFields = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status x-edge-result-type x-edge-request-id x-host-header cs-protocol time-to-first-byte x-edge-detailed-result-type sc-content-type\n"

func (r rtReq) standardLine() string {
	detail := r.detail
	if detail == "" {
		detail = r.result
	}
	return strings.Join([]string{r.t.Format("2006-01-02"), r.t.Format("15:04:05"), "SOF50-P2", "512", r.ip,
		r.method, rtCF, r.path, fmt.Sprint(r.status), r.result, r.id, rtHost, "https", r.ttfb, detail, "text/html"}, "\t") + "\n"
}

// refused returns n POSTs to the sign-in endpoint that CloudFront refuses
// itself (method-rejected), one a second from t.
func refused(t time.Time, n int, idPrefix string) []rtReq {
	out := make([]rtReq, n)
	for i := range out {
		out[i] = rtReq{t: t.Add(time.Duration(i) * time.Second), ip: fmt.Sprintf("198.51.100.%d", i%200+1), method: "POST",
			path: "/api/auth/signin/github", status: 403, result: "Error", detail: "InvalidRequestMethod", ttfb: "0.000",
			id: fmt.Sprintf("%s-%d==", idPrefix, i)}
	}
	return out
}

func kinesisEvent(t *testing.T, state map[string]string, final bool, start time.Time, data ...string) []byte {
	t.Helper()
	var ev events.KinesisTimeWindowEvent
	for i, d := range data {
		ev.Records = append(ev.Records, events.KinesisEventRecord{
			EventSource: "aws:kinesis", EventName: "aws:kinesis:record", EventSourceArn: "arn:aws:kinesis:us-east-1:123456789012:stream/cfwatch-realtime",
			Kinesis: events.KinesisRecord{Data: []byte(d), PartitionKey: "pk", SequenceNumber: fmt.Sprintf("4959%04d", i)},
		})
	}
	ev.State = state
	ev.ShardID = "shardId-000000000000"
	ev.EventSourceARN = "arn:aws:kinesis:us-east-1:123456789012:stream/cfwatch-realtime"
	ev.Window.Start = events.RFC3339EpochTime{Time: start}
	ev.Window.End = events.RFC3339EpochTime{Time: start.Add(time.Minute)}
	ev.IsFinalInvokeForWindow = final
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// alertNotifier adapts an alert.Notifier to ingest.Notifier, as the Lambda does.
type alertNotifier struct{ n *alert.Notifier }

func (a alertNotifier) Notify(ctx context.Context, obj ObjectRef, f []detectors.Finding) error {
	return a.n.Notify(ctx, alert.Origin{Bucket: obj.Bucket, Key: obj.Key, ETag: obj.ETag}, f)
}

type rtEnv struct {
	h       *Handler
	slack   *slacktest.Server
	metrics *bytes.Buffer
	logs    *bytes.Buffer
	now     time.Time
}

func newRTEnv(t *testing.T, fields []string) *rtEnv {
	t.Helper()
	e := &rtEnv{slack: slacktest.Start(t, rtToken), metrics: &bytes.Buffer{}, logs: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, nil))
	m := NewMetrics(e.metrics, "cfwatch-test")
	n, err := alert.New(alert.Settings{BotToken: alert.NewSecret(rtToken), Channel: "#" + slacktest.ChannelName, APIURL: e.slack.APIURL()},
		alert.Options{Logger: log, Now: func() time.Time { return e.now }, OnPosted: func(ctx context.Context, f detectors.Finding, posted time.Time) {
			m.AlertLatency(AlertSource(ctx), f.Rule, f.FirstSeen, posted)
		}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := logparse.NewRealtimeLayout(fields)
	if err != nil {
		t.Fatal(err)
	}
	e.h = &Handler{
		Proc:     NewProcessor(NewDirSink(t.TempDir()), Options{Logger: log}),
		Notifier: alertNotifier{n},
		Metrics:  m,
		Log:      log,
		Realtime: &Realtime{Layout: l, Distribution: rtDist, Detectors: detectors.DefaultConfig()},
	}
	return e
}

func (e *rtEnv) invoke(t *testing.T, payload []byte) events.KinesisTimeWindowEventResponse {
	t.Helper()
	out, err := e.h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("invoke: %v\n%s", err, e.logs)
	}
	resp, ok := out.(events.KinesisTimeWindowEventResponse)
	if !ok {
		t.Fatalf("response %T", out)
	}
	return resp
}

func lines(reqs []rtReq) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.realtimeLine()
	}
	return out
}

// latencies returns the AlertLatency values written, by source.
func latencies(t *testing.T, emf *bytes.Buffer) map[string][]float64 {
	t.Helper()
	out := map[string][]float64{}
	for l := range strings.Lines(emf.String()) {
		var m struct {
			Source  string
			Latency *float64 `json:"AlertLatency"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m.Latency != nil {
			out[m.Source] = append(out[m.Source], *m.Latency)
		}
	}
	return out
}

// TestKinesisWindowAcrossBatches: the window's state carries the first
// batch's requests to the final invocation, which alerts once; a later
// window and the standard log of the same requests join the same incident.
func TestKinesisWindowAcrossBatches(t *testing.T) {
	e := newRTEnv(t, logparse.RealtimeRecommendedFields)
	start := time.Date(2025, 3, 4, 3, 0, 0, 0, time.UTC)
	reqs := refused(start.Add(5*time.Second), 6, "w1")

	e.now = start.Add(30 * time.Second)
	resp := e.invoke(t, kinesisEvent(t, nil, false, start, lines(reqs[:3])...))
	if len(resp.BatchItemFailures) != 0 || resp.State[windowStateKey] == "" {
		t.Fatalf("first batch: failures %v, state %q", resp.BatchItemFailures, resp.State)
	}
	if n := len(e.slack.TopLevel(slacktest.Channel)); n != 0 {
		t.Fatalf("%d messages before the window's final invocation", n)
	}
	// The state is JSON Lambda hands back: a round trip through the event.
	e.now = start.Add(61 * time.Second)
	resp = e.invoke(t, kinesisEvent(t, resp.State, true, start, lines(reqs[3:])...))
	if len(resp.State) != 0 || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("final: state %v failures %v", resp.State, resp.BatchItemFailures)
	}
	msgs := e.slack.TopLevel(slacktest.Channel)
	if len(msgs) != 1 {
		t.Fatalf("%d messages after the window, want 1\n%s", len(msgs), e.logs)
	}
	if !strings.Contains(msgs[0].Text, "method-rejected") && !strings.Contains(msgs[0].Text, "refused") {
		t.Errorf("message does not name the incident: %s", msgs[0].Text)
	}
	if !strings.Contains(msgs[0].Text, "6") {
		t.Errorf("message does not count both batches' 6 requests: %s", msgs[0].Text)
	}
	lat := latencies(t, e.metrics)["realtime"]
	if len(lat) != 1 || lat[0] != 56 { // first failure at :05, post at :61
		t.Errorf("AlertLatency realtime %v, want [56]", lat)
	}

	// The next window: the incident goes on, no second post.
	start2 := start.Add(time.Minute)
	e.now = start2.Add(61 * time.Second)
	e.invoke(t, kinesisEvent(t, nil, true, start2, lines(refused(start2.Add(time.Second), 4, "w2"))...))
	if n := len(e.slack.TopLevel(slacktest.Channel)); n != 1 {
		t.Fatalf("%d top-level messages after the second window, want 1", n)
	}

	// The standard log of the same requests arrives later: same key, same
	// message.
	var std strings.Builder
	std.WriteString(stdFields)
	for _, r := range reqs {
		std.WriteString(r.standardLine())
	}
	key := "AWSLogs/123456789012/CloudFront/" + rtDist + ".2025-03-04-03.a1b2c3d4"
	res, err := e.h.Proc.Process(context.Background(), Input{Name: "s3://logs/" + key, Key: key, Body: strings.NewReader(std.String())})
	if err != nil || len(res.Findings) == 0 {
		t.Fatalf("standard log: %v, findings %v", err, res.Findings)
	}
	e.now = start.Add(40 * time.Minute)
	if err := e.h.Notifier.Notify(context.Background(), ObjectRef{Bucket: "logs", Key: key, ETag: "e1"}, res.Findings); err != nil {
		t.Fatal(err)
	}
	if n := len(e.slack.TopLevel(slacktest.Channel)); n != 1 {
		t.Fatalf("%d top-level messages after the standard log, want 1 (one incident)", n)
	}
	if lat := latencies(t, e.metrics); len(lat["s3"]) != 0 {
		t.Errorf("the standard log re-posted: AlertLatency s3 %v", lat["s3"])
	}
}

// TestKinesisPartialBatchFailure: a record that does not decode is
// reported; the records before it count, those after it are left for the
// retry Lambda makes from the failure.
func TestKinesisPartialBatchFailure(t *testing.T) {
	e := newRTEnv(t, logparse.RealtimeRecommendedFields)
	start := time.Date(2025, 3, 4, 3, 0, 0, 0, time.UTC)
	e.now = start.Add(70 * time.Second)
	reqs := lines(refused(start, 4, "p"))
	short := reqs[1][:strings.LastIndexByte(reqs[1], '\t')] // one field short
	resp := e.invoke(t, kinesisEvent(t, nil, true, start, reqs[0], short, reqs[2], reqs[3]))
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "49590001" {
		t.Fatalf("failures %+v, want the second record", resp.BatchItemFailures)
	}
	st, err := decodeWindowState(resp.State)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, r := range st.Rows {
		n += r.N
	}
	if n != 1 {
		t.Errorf("state counts %d requests, want 1 (the one before the failure)", n)
	}
	if len(e.slack.TopLevel(slacktest.Channel)) != 0 {
		t.Error("alerted on a window whose final batch is to be retried")
	}
	if !strings.Contains(e.logs.String(), "real-time log field list mismatch") {
		t.Errorf("the log does not say why: %s", e.logs)
	}
	// The retry from the failure point, with the state, completes the window.
	resp = e.invoke(t, kinesisEvent(t, resp.State, true, start, reqs[1], reqs[2], reqs[3]))
	if len(resp.BatchItemFailures) != 0 || len(e.slack.TopLevel(slacktest.Channel)) != 1 {
		t.Fatalf("retry: failures %v, messages %d", resp.BatchItemFailures, len(e.slack.TopLevel(slacktest.Channel)))
	}
}

// TestKinesisFieldListMismatch: the function's field list and the
// records' disagree, or the list itself is unusable: refused, never
// misread.
func TestKinesisFieldListMismatch(t *testing.T) {
	// The function expects fewer fields than CloudFront sends.
	e := newRTEnv(t, logparse.RealtimeRequiredFields)
	start := time.Date(2025, 3, 4, 3, 0, 0, 0, time.UTC)
	e.now = start.Add(70 * time.Second)
	resp := e.invoke(t, kinesisEvent(t, nil, false, start, lines(refused(start, 2, "m"))...))
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "49590000" {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if !strings.Contains(e.logs.String(), "the record has 22 fields, the configured list 6") {
		t.Errorf("log does not explain the mismatch: %s", e.logs)
	}

	// An unusable list in the environment fails Kinesis batches with the reason.
	_, err := RealtimeFromEnv(func(k string) string {
		if k == EnvRealtimeFields {
			return "timestamp,c-ip,cs-method,cs-uri-stem,sc-status,x-edge-result-type,cs(Host)"
		}
		return ""
	}, detectors.DefaultConfig())
	if !errors.Is(err, logparse.ErrRealtimeFields) || !strings.Contains(err.Error(), EnvRealtimeFields) {
		t.Fatalf("err %v", err)
	}
	e.h.RealtimeErr = err
	if _, ierr := e.h.Invoke(context.Background(), kinesisEvent(t, nil, false, start, lines(refused(start, 1, "x"))...)); !errors.Is(ierr, logparse.ErrRealtimeFields) {
		t.Fatalf("invoke with a bad list: %v", ierr)
	}
	// Unset: real-time off.
	if rt, err := RealtimeFromEnv(func(string) string { return "" }, detectors.DefaultConfig()); rt != nil || err != nil {
		t.Fatalf("unset: %v %v", rt, err)
	}
}

// TestWindowStateBounded measures the window state at 10,000 distinct
// clients, on one endpoint and on 10,000 distinct paths (the worst case:
// every request its own row until the caps), and checks it stays far
// under Lambda's 1 MB limit.
func TestWindowStateBounded(t *testing.T) {
	l, err := logparse.NewRealtimeLayout(logparse.RealtimeRecommendedFields)
	if err != nil {
		t.Fatal(err)
	}
	p := logparse.NewRealtimeParser(l)
	start := time.Date(2025, 3, 4, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		path  func(i int) string
		limit int
	}{
		{"one endpoint", func(int) string { return "/api/auth/session" }, 4 << 10},
		{"distinct paths", func(i int) string { return fmt.Sprintf("/api/items/%d/detail/x", i) }, 300 << 10},
		{"distinct hosts and paths", func(i int) string { return fmt.Sprintf("/p%d/%d/%d/%d", i, i, i, i) }, 300 << 10},
	} {
		st := newWindowState()
		st.api = (&Realtime{Detectors: detectors.DefaultConfig()}).apiPrefixes()
		var rec logparse.Record
		for i := range 10000 {
			r := rtReq{t: start.Add(time.Duration(i) * 5 * time.Millisecond), ip: fmt.Sprintf("2001:db8:%x:%x::1", i/256, i%256),
				method: "GET", path: tc.path(i), status: 200 + i%2*302, result: "Miss", ttfb: "0.010", id: fmt.Sprintf("id%06d==", i)}
			if err := p.Parse(r.realtimeLine(), &rec); err != nil {
				t.Fatal(err)
			}
			st.add(&rec)
		}
		s, err := st.encode()
		if err != nil {
			t.Fatal(err)
		}
		if st.Dropped != 0 {
			t.Errorf("%s: %d requests dropped", tc.name, st.Dropped)
		}
		t.Logf("%s: 10,000 requests from 10,000 clients: state %d bytes, %d rows, %d dropped", tc.name, len(s), len(st.Rows), st.Dropped)
		if len(s) > tc.limit {
			t.Errorf("%s: state %d bytes, over %d", tc.name, len(s), tc.limit)
		}
		back, err := decodeWindowState(map[string]string{windowStateKey: s})
		if err != nil || len(back.Rows) != len(st.Rows) {
			t.Fatalf("round trip: %v", err)
		}
	}
}

// TestKinesisBatch10k runs a 10,000-record batch (the event source
// mapping's largest) through the handler to its final invocation and logs
// its time and memory, the figures in the README. Timings are logged,
// never asserted; the state size is.
func TestKinesisBatch10k(t *testing.T) {
	e := newRTEnv(t, logparse.RealtimeRecommendedFields)
	start := time.Date(2025, 3, 4, 3, 0, 0, 0, time.UTC)
	e.now = start.Add(61 * time.Second)
	data := make([]string, 10000)
	for i := range data {
		r := rtReq{t: start.Add(time.Duration(i) * 5 * time.Millisecond), ip: fmt.Sprintf("2001:db8:%x:%x::1", i/256, i%256),
			method: "GET", path: fmt.Sprintf("/api/items/%d", i%50), status: 200, result: "Miss", ttfb: "0.010", id: fmt.Sprintf("id%06d==", i)}
		data[i] = r.realtimeLine()
	}
	payload := kinesisEvent(t, nil, true, start, data...)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	resp := e.invoke(t, payload)
	elapsed := time.Since(t0)
	runtime.ReadMemStats(&after)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v", resp.BatchItemFailures)
	}
	if !strings.Contains(e.logs.String(), "requests=10000") {
		t.Fatalf("not all requests read: %s", e.logs)
	}
	t.Logf("10,000-record batch: payload %d bytes, handler %v, allocated %d KiB, heap in use after %d KiB",
		len(payload), elapsed, (after.TotalAlloc-before.TotalAlloc)>>10, after.HeapInuse>>10)
}

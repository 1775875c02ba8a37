package ingestcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/internal/mototest"
	"github.com/cfwatch/cfwatch/internal/slacktest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/logparse"
)

const rtStream = "cfwatch-realtime"

// rtLine writes one request as a real-time log line in
// logparse.RealtimeRecommendedFields (CloudFront's canonical order).
func rtLine(ts time.Time, ip, method, path string, status int, result, detail, id string) string {
	ctype := "text/html"
	if status < 400 && strings.HasPrefix(path, "/api/") {
		ctype = "application/json" // NextAuth's answers
	}
	v := map[string]string{
		"timestamp": fmt.Sprintf("%d.%03d", ts.Unix(), ts.Nanosecond()/1e6), "c-ip": ip, "time-to-first-byte": "0.001",
		"sc-status": strconv.Itoa(status), "sc-bytes": "512", "cs-method": method, "cs-protocol": "https",
		"cs-host": "app.example.com", "cs-uri-stem": path, "x-edge-location": "SOF50-P2", "x-edge-request-id": id,
		"x-host-header": "d111111abcdef8.cloudfront.net", "time-taken": "0.002", "cs-protocol-version": "HTTP/2.0",
		"cs-user-agent": "Mozilla/5.0", "cs-cookie": "-", "cs-uri-query": "-", "x-edge-response-result-type": result,
		"x-edge-result-type": result, "sc-content-type": ctype, "sc-content-len": "915", "x-edge-detailed-result-type": detail,
	}
	out := make([]string, len(logparse.RealtimeRecommendedFields))
	for i, f := range logparse.RealtimeRecommendedFields {
		out[i] = v[f]
	}
	return strings.Join(out, "\t")
}

// kinesisChain is moto_server's Kinesis (and S3, for the alert state) and
// the bootstrap binary behind a Runtime API server.
type kinesisChain struct {
	kin   *kinesis.Client
	rt    *runtimeAPI
	slack *slacktest.Server
	cmd   *exec.Cmd
	out   *testenv.Buffer
	arn   string
}

func startKinesisChain(t *testing.T) *kinesisChain {
	t.Helper()
	moto := mototest.Start(t)
	ctx := context.Background()
	cfg := moto.Config()
	c := &kinesisChain{kin: kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.BaseEndpoint = aws.String(moto.Endpoint) })}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(moto.Endpoint); o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lake")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.kin.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(rtStream), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		d, err := c.kin.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(rtStream)})
		if err == nil && d.StreamDescriptionSummary.StreamStatus == ktypes.StreamStatusActive {
			c.arn = aws.ToString(d.StreamDescriptionSummary.StreamARN)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream not active: %v", err)
		}
	}
	c.rt = newRuntimeAPI(t)
	c.slack = slacktest.Start(t, "xoxb-kinesis-chain-token-0123456789")
	c.out = &testenv.Buffer{}
	c.cmd = exec.Command(buildBootstrap(t))
	c.cmd.Env = append(moto.Env(),
		"PATH="+os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API="+c.rt.addr(),
		"AWS_LAMBDA_FUNCTION_NAME=cfwatch-ingest",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"CFWATCH_OUTPUT_BUCKET=lake",
		"CFWATCH_REALTIME_FIELDS="+strings.Join(logparse.RealtimeRecommendedFields, ","),
		"CFWATCH_REALTIME_DISTRIBUTION_ID=E2QWRUHEXAMPLE",
		"SLACK_BOT_TOKEN="+c.slack.Token,
		"SLACK_CHANNEL="+slacktest.Channel,
		"SLACK_API_URL="+c.slack.APIURL(),
	)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.cmd.Process.Kill(); c.cmd.Wait() })
	return c
}

// put puts lines on the stream, 500 a call (PutRecords' limit).
func (c *kinesisChain) put(t *testing.T, lines []string) {
	t.Helper()
	for len(lines) > 0 {
		n := min(len(lines), 500)
		var entries []ktypes.PutRecordsRequestEntry
		for i, l := range lines[:n] {
			entries = append(entries, ktypes.PutRecordsRequestEntry{Data: []byte(l), PartitionKey: aws.String(strconv.Itoa(i))})
		}
		out, err := c.kin.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String(rtStream), Records: entries})
		if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
			t.Fatalf("PutRecords: %v (%v failed)", err, out)
		}
		lines = lines[n:]
	}
}

// readAll reads the shard from TRIM_HORIZON until want records came back.
func (c *kinesisChain) readAll(t *testing.T, want int) []ktypes.Record {
	t.Helper()
	ctx := context.Background()
	it, err := c.kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(rtStream),
		ShardId: aws.String("shardId-000000000000"), ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	iter := it.ShardIterator
	var recs []ktypes.Record
	for deadline := time.Now().Add(30 * time.Second); len(recs) < want; {
		out, err := c.kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, out.Records...)
		iter = out.NextShardIterator
		if time.Now().After(deadline) {
			t.Fatalf("%d records read back, want %d", len(recs), want)
		}
	}
	return recs
}

// event builds the Kinesis tumbling-window event Lambda's event source
// mapping would send for these records.
func (c *kinesisChain) event(t *testing.T, recs []ktypes.Record, state map[string]string, final bool, start time.Time) []byte {
	t.Helper()
	var ev events.KinesisTimeWindowEvent
	for _, r := range recs {
		ev.Records = append(ev.Records, events.KinesisEventRecord{
			AwsRegion: "us-east-1", EventSource: "aws:kinesis", EventName: "aws:kinesis:record", EventSourceArn: c.arn,
			EventID: "shardId-000000000000:" + aws.ToString(r.SequenceNumber), EventVersion: "1.0",
			Kinesis: events.KinesisRecord{Data: r.Data, PartitionKey: aws.ToString(r.PartitionKey),
				SequenceNumber: aws.ToString(r.SequenceNumber), KinesisSchemaVersion: "1.0",
				ApproximateArrivalTimestamp: events.SecondsEpochTime{Time: aws.ToTime(r.ApproximateArrivalTimestamp)}},
		})
	}
	ev.State, ev.ShardID, ev.EventSourceARN = state, "shardId-000000000000", c.arn
	ev.Window.Start = events.RFC3339EpochTime{Time: start}
	ev.Window.End = events.RFC3339EpochTime{Time: start.Add(time.Minute)}
	ev.IsFinalInvokeForWindow = final
	return mustJSON(t, ev)
}

// invoke hands an event to the bootstrap and returns its response and how
// long the invocation took, from the event's hand-over to the response.
func (c *kinesisChain) invoke(t *testing.T, payload []byte) (events.KinesisTimeWindowEventResponse, time.Duration) {
	t.Helper()
	t0 := time.Now()
	c.rt.events <- payload
	res := c.rt.result(t, c.out)
	d := time.Since(t0)
	if res.error {
		t.Fatalf("invocation failed: %s\n%s", res.body, c.out)
	}
	var resp events.KinesisTimeWindowEventResponse
	if err := json.Unmarshal(res.body, &resp); err != nil {
		t.Fatalf("response %s: %v", res.body, err)
	}
	return resp, d
}

// TestKinesisChain: real-time lines put on a Kinesis stream in moto_server,
// read back with the SDK (TRIM_HORIZON, GetRecords), handed to the real
// bootstrap as the two invocations of one 60 s tumbling window (the second,
// final one with the state the first returned); one Slack alert, after the
// final invocation only. Then a 10,000-record batch: the handler's time and
// the process's peak memory (VmHWM).
//
// Alert latency model with 60 s windows: CloudFront delivers a line to the
// stream within seconds, and Lambda invokes the window's final batch at the
// window's end, so latency = (window end − first failing request) + the
// final invocation's time (+ delivery, a few seconds, not simulated here).
// The figures are logged, not asserted: timings never in tests.
func TestKinesisChain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda binary and runs moto_server")
	}
	c := startKinesisChain(t)
	// A window a little in the past (the function measures AlertLatency
	// with the wall clock): refused sign-in POSTs from :05 on, normal
	// traffic around them.
	win := time.Now().UTC().Truncate(time.Minute).Add(-2 * time.Minute)
	var lines []string
	for i := range 40 {
		ts := win.Add(time.Duration(i) * time.Second)
		lines = append(lines, rtLine(ts, fmt.Sprintf("203.0.113.%d", i+1), "GET", "/api/auth/session", 200, "Miss", "Miss", fmt.Sprintf("ok%d==", i)))
		if i >= 5 && i < 11 {
			lines = append(lines, rtLine(ts.Add(100*time.Millisecond), fmt.Sprintf("198.51.100.%d", i), "POST", "/api/auth/signin/github",
				403, "Error", "InvalidRequestMethod", fmt.Sprintf("bad%d==", i)))
		}
	}
	c.put(t, lines)
	recs := c.readAll(t, len(lines))
	for i, r := range recs {
		if string(r.Data) != lines[i] {
			t.Fatalf("record %d read back differs", i)
		}
	}

	half := len(recs) / 2
	resp, d1 := c.invoke(t, c.event(t, recs[:half], nil, false, win))
	if len(resp.BatchItemFailures) != 0 || resp.State["cfwatch"] == "" {
		t.Fatalf("first batch: failures %v, state %v\n%s", resp.BatchItemFailures, resp.State, c.out)
	}
	if n := len(c.slack.TopLevel(slacktest.Channel)); n != 0 {
		t.Fatalf("%d Slack messages before the window's final invocation", n)
	}
	resp, d2 := c.invoke(t, c.event(t, recs[half:], resp.State, true, win))
	if len(resp.BatchItemFailures) != 0 || len(resp.State) != 0 {
		t.Fatalf("final batch: failures %v, state %v", resp.BatchItemFailures, resp.State)
	}
	msgs := c.slack.TopLevel(slacktest.Channel)
	if len(msgs) != 1 {
		t.Fatalf("%d Slack messages after the window, want 1\n%s", len(msgs), c.out)
	}
	if msg := msgs[0].Text + string(msgs[0].Blocks); !strings.Contains(msg, "method-rejected") || !strings.Contains(msg, "6") {
		t.Errorf("message does not name the incident and its 6 requests: %s", msg)
	}
	out := c.out.String()
	if !strings.Contains(out, `"AlertLatency"`) {
		t.Errorf("no AlertLatency metric in the function's output:\n%s", out)
	}
	if strings.Contains(out, c.slack.Token) {
		t.Error("the Slack token appears in the function's output")
	}
	first := win.Add(5*time.Second + 100*time.Millisecond)
	t.Logf("alert latency, 60 s window, first failure at :05.1: simulated %.1f s to the window's end + %v final invocation = %.1f s (first batch %v)",
		win.Add(time.Minute).Sub(first).Seconds(), d2.Round(time.Millisecond), win.Add(time.Minute).Sub(first).Seconds()+d2.Seconds(), d1.Round(time.Millisecond))

	// 10,000 records in one final invocation of the next window.
	win2 := win.Add(time.Minute)
	big := make([]string, 10000)
	for i := range big {
		big[i] = rtLine(win2.Add(time.Duration(i)*5*time.Millisecond), fmt.Sprintf("2001:db8:%x:%x::1", i/256, i%256), "GET",
			fmt.Sprintf("/api/items/%d", i%50), 200, "Miss", "Miss", fmt.Sprintf("id%06d==", i))
	}
	c.put(t, big)
	all := c.readAll(t, len(lines)+len(big))
	payload := c.event(t, all[len(lines):], nil, true, win2)
	resp, d := c.invoke(t, payload)
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("10k batch: failures %v", resp.BatchItemFailures)
	}
	if !strings.Contains(c.out.String()[len(out):], `"requests":10000`) {
		t.Errorf("not all 10,000 requests judged:\n%.2000s", c.out.String()[len(out):])
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	var hwm string
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			hwm = strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	t.Logf("10,000-record batch: event %d bytes, invocation %v, bootstrap peak RSS (VmHWM) %s", len(payload), d.Round(time.Millisecond), hwm)
}

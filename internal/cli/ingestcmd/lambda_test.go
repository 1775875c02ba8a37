package ingestcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/internal/slacktest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// buildBootstrap builds the Lambda binary as it is deployed.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, "../../../cmd/ingest")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building bootstrap: %v\n%s", err, b)
	}
	return out
}

// A runtimeAPI is a Lambda Runtime API server: it hands queued events to
// the function's /next polls and collects its responses and errors.
type runtimeAPI struct {
	srv     *httptest.Server
	events  chan []byte
	results chan invocationResult

	mu        sync.Mutex
	n         int
	firstPoll time.Time
}

type invocationResult struct {
	id    string
	error bool // posted to /error (or /init/error)
	body  []byte
}

const runtimePrefix = "/2018-06-01/runtime/"

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	rt := &runtimeAPI{events: make(chan []byte, 16), results: make(chan invocationResult, 16)}
	rt.srv = httptest.NewServer(http.HandlerFunc(rt.serve))
	t.Cleanup(rt.srv.Close)
	return rt
}

func (rt *runtimeAPI) addr() string { return strings.TrimPrefix(rt.srv.URL, "http://") }

func (rt *runtimeAPI) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, runtimePrefix)
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		rt.mu.Lock()
		if rt.firstPoll.IsZero() {
			rt.firstPoll = time.Now()
		}
		rt.mu.Unlock()
		select {
		case ev := <-rt.events:
			rt.mu.Lock()
			rt.n++
			id := fmt.Sprintf("req-%d", rt.n)
			rt.mu.Unlock()
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", id)
			h.Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(2*time.Minute).UnixMilli()))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:cfwatch-ingest")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
			w.Write(ev)
		case <-r.Context().Done():
		}
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		id, kind, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		body, _ := io.ReadAll(r.Body)
		rt.results <- invocationResult{id: id, error: kind == "error", body: body}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(r.Body)
		rt.results <- invocationResult{id: "init", error: true, body: body}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, r)
	}
}

func (rt *runtimeAPI) result(t *testing.T, stderr fmt.Stringer) invocationResult {
	t.Helper()
	select {
	case r := <-rt.results:
		return r
	case <-time.After(90 * time.Second):
		t.Fatalf("no invocation result after 90s; function output:\n%s", stderr)
	}
	return invocationResult{}
}

// The whole chain with the real binary: a log file PUT into MinIO, MinIO's
// bucket notification to a webhook, the event handed by a Lambda Runtime
// API server to the bootstrap binary, which reads the log from MinIO and
// writes the Parquet dataset back to it.
func TestChain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda binary and runs MinIO")
	}
	bootstrap := buildBootstrap(t)
	rt := newRuntimeAPI(t)

	// MinIO's webhook target: each notification is an S3 event for the
	// function.
	notified := make(chan events.S3Event, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev events.S3Event
		if err := json.Unmarshal(body, &ev); err != nil || len(ev.Records) == 0 {
			w.WriteHeader(http.StatusOK) // MinIO's own checks
			return
		}
		notified <- ev
		rt.events <- body
	}))
	t.Cleanup(hook.Close)
	m := miniotest.Start(t,
		"MINIO_NOTIFY_WEBHOOK_ENABLE_CFWATCH=on",
		"MINIO_NOTIFY_WEBHOOK_ENDPOINT_CFWATCH="+hook.URL,
	)
	m.CreateBucket(t, "logs")
	m.CreateBucket(t, "lake")
	ctx := context.Background()
	client := m.Client()
	// MinIO registers the webhook target in the background after it starts
	// serving: on a busy machine the bucket notification can come first and
	// be refused ("destination ARN does not exist"). Try again for a while.
	var err error
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, err = client.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
			Bucket: aws.String("logs"),
			NotificationConfiguration: &types.NotificationConfiguration{QueueConfigurations: []types.QueueConfiguration{{
				QueueArn: aws.String("arn:minio:sqs::CFWATCH:webhook"),
				Events:   []types.Event{"s3:ObjectCreated:*"},
			}}},
		})
		if err == nil || !strings.Contains(err.Error(), "ARN does not exist") || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("bucket notification: %v\n%s", err, m.Log())
	}

	slack := slacktest.Start(t, "xoxb-chain-test-token-0123456789")

	var stdout, stderr testenv.Buffer
	cmd := exec.Command(bootstrap)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API=" + rt.addr(),
		"AWS_LAMBDA_FUNCTION_NAME=cfwatch-ingest",
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=" + m.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + m.SecretKey,
		"AWS_ENDPOINT_URL_S3=" + m.Endpoint,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"CFWATCH_OUTPUT_BUCKET=lake",
		"SLACK_BOT_TOKEN=" + slack.Token,
		"SLACK_CHANNEL=" + slacktest.Channel,
		"SLACK_API_URL=" + slack.APIURL(),
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// A log with an incident, under a key with a space (URL-encoded in
	// the event).
	begin := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	var text bytes.Buffer
	if _, err := loggen.Stream(&text, loggen.Config{
		Seed: 5, Start: begin, Duration: time.Hour, RequestsPerHour: 6000, CookieLogging: true,
		Incidents: []loggen.Incident{{Kind: loggen.MethodRejected, From: begin.Add(20 * time.Minute), Until: begin.Add(40 * time.Minute), Rate: 1}},
	}); err != nil {
		t.Fatal(err)
	}
	key := "AWSLogs/site logs/E2QWRUHEXAMPLE.2026-11-20-14.0a1b2c3d.gz"
	m.Put(t, "logs", key, testenv.Gzip(t, text.Bytes()))

	var lastEvent events.S3Event
	select {
	case ev := <-notified:
		lastEvent = ev
		// URL-encoded as S3 does it ('+' for the space; MinIO also
		// encodes '/'), which the function decodes.
		got := ev.Records[0].S3.Object.Key
		if dec, err := url.QueryUnescape(got); err != nil || dec != key || !strings.Contains(got, "site+logs") {
			t.Errorf("MinIO's event key %q: want %q URL-encoded", got, key)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no notification from MinIO:\n%s", m.Log())
	}
	res := rt.result(t, &stdout)
	if res.error {
		t.Fatalf("invocation failed: %s\nfunction output:\n%s%s", res.body, &stdout, &stderr)
	}
	t.Logf("first poll %v after start; response %s after %v", rt.firstPoll.Sub(start), res.body, time.Since(start))
	var resp struct{ Objects, Failed int }
	if err := json.Unmarshal(res.body, &resp); err != nil || resp.Objects != 1 || resp.Failed != 0 {
		t.Errorf("response %s", res.body)
	}

	// The dataset in MinIO, read back with arrow-go, column by column.
	recs := parquettest.ParseLog(t, text.Bytes())
	byHour := map[string][]logparse.Record{}
	for _, r := range recs {
		h := r.Time.UTC().Format("day=2006-01-02/hour=15")
		byHour[h] = append(byHour[h], r)
	}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lake"), Prefix: aws.String("cloudfront/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != len(byHour) {
		t.Fatalf("%d objects in the dataset, want %d (one per hour)", len(list.Contents), len(byHour))
	}
	var rows int64
	for _, o := range list.Contents {
		k := aws.ToString(o.Key)
		part := k[strings.Index(k, "day="):strings.LastIndex(k, "/")]
		if !strings.HasPrefix(k, "cloudfront/distribution=E2QWRUHEXAMPLE/") {
			t.Errorf("object %s not under the dataset's prefix and distribution", k)
		}
		got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lake"), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(got.Body)
		got.Body.Close()
		tbl := parquettest.ReadTable(t, data)
		parquettest.CheckTable(t, tbl, byHour[part], "E2QWRUHEXAMPLE", "")
		rows += tbl.NumRows()
	}
	if rows != int64(len(recs)) {
		t.Errorf("%d rows for %d records", rows, len(recs))
	}
	// The function's structured log and metrics.
	out := stdout.String()
	for _, want := range []string{`"msg":"object processed"`, `"rule":"method-rejected"`, `"CloudWatchMetrics"`, `"Namespace":"cfwatch"`} {
		if !strings.Contains(out, want) {
			t.Errorf("function output lacks %s:\n%s", want, out)
		}
	}

	// One Slack message for the incident, with the rule, the count and
	// the remedy; the token never in the function's output.
	top := slack.TopLevel(slacktest.Channel)
	if len(top) != 1 {
		t.Fatalf("%d top-level Slack messages, want 1: %+v", len(top), slack.Calls())
	}
	msg := string(top[0].Blocks) + top[0].Text
	for _, want := range []string{"method-rejected", "InvalidRequestMethod", "Allowed HTTP methods", "CachingDisabled", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "app.example.com"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Slack message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(out+stderr.String(), slack.Token) {
		t.Error("the Slack token appears in the function's output")
	}
	// The incident's state, for de-duplication across invocations.
	state, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lake"), Prefix: aws.String("cfwatch-state/")})
	if err != nil || len(state.Contents) == 0 {
		t.Errorf("no incident state under s3://lake/cfwatch-state/ (%v)", err)
	}

	// The same event again (S3 delivers at least once): the same objects,
	// and no second message.
	rt.events <- mustJSON(t, lastEvent)
	if res := rt.result(t, &stdout); res.error {
		t.Fatalf("replayed event failed: %s", res.body)
	}
	again, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lake"), Prefix: aws.String("cloudfront/")})
	if err != nil || len(again.Contents) != len(list.Contents) {
		t.Errorf("replay: %d dataset objects, had %d (%v)", len(again.Contents), len(list.Contents), err)
	}
	for i, o := range again.Contents {
		if aws.ToString(o.ETag) != aws.ToString(list.Contents[i].ETag) {
			t.Errorf("replay changed %s", aws.ToString(o.Key))
		}
	}
	t.Logf("replay done after %v", time.Since(start))
	if n := len(slack.CallsOf(slacktest.PostMessage)); n != 1 {
		t.Errorf("replay: %d chat.postMessage calls, want 1", n)
	}

	// A corrupt file: the invocation fails (Lambda retries it), the error
	// names the key and the records read, and nothing is written.
	data := testenv.Gzip(t, text.Bytes())
	bad := slices.Clone(data)
	for i := len(bad) / 2; i < len(bad)/2+64; i++ {
		bad[i] ^= 0x5a
	}
	badKey := "AWSLogs/E2QWRUHEXAMPLE.2026-11-20-14.deadbeef.gz"
	m.Put(t, "logs", badKey, bad)
	res = rt.result(t, &stdout)
	if !res.error || !strings.Contains(string(res.body), badKey) || !strings.Contains(string(res.body), "records") {
		t.Errorf("corrupt file: result %+v %s", res, res.body)
	}
	list, err = client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lake"), Prefix: aws.String("cloudfront/")})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		if strings.Contains(aws.ToString(o.Key), "deadbeef") {
			t.Errorf("the corrupt file left %s", aws.ToString(o.Key))
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

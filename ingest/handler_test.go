package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/internal/mototest"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
)

type env struct {
	minio   *miniotest.Server
	s3      *s3.Client
	h       *ingest.Handler
	log     *testenv.Buffer
	metrics *testenv.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	m := miniotest.Start(t)
	m.CreateBucket(t, "logs")
	m.CreateBucket(t, "lake")
	e := &env{minio: m, s3: m.Client(), log: &testenv.Buffer{}, metrics: &testenv.Buffer{}}
	log := slog.New(slog.NewJSONHandler(e.log, nil))
	e.h = &ingest.Handler{
		S3:      e.s3,
		Proc:    ingest.NewProcessor(ingest.NewS3Sink(e.s3, "lake", "cloudfront/"), ingest.Options{Logger: log}),
		Metrics: ingest.NewMetrics(e.metrics, "cfwatch"),
		Log:     log,
		Skip:    []string{"s3://logs/cloudfront/"},
	}
	return e
}

// s3Event is an S3 notification for keys in the logs bucket, the keys
// URL-encoded as S3 encodes them ('+' for space).
func s3Event(keys ...string) []byte {
	var ev events.S3Event
	for _, k := range keys {
		var r events.S3EventRecord
		r.EventSource, r.EventName, r.AWSRegion = "aws:s3", "ObjectCreated:Put", "us-east-1"
		r.S3.Bucket.Name = "logs"
		r.S3.Object.Key = url.QueryEscape(k)
		ev.Records = append(ev.Records, r)
	}
	b, _ := json.Marshal(ev)
	return b
}

// objects returns the keys and content of every object under prefix.
func (e *env) objects(t *testing.T, bucket, prefix string) map[string][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][]byte{}
	p := s3.NewListObjectsV2Paginator(e.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			got, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(got.Body)
			got.Body.Close()
			out[*o.Key] = b
		}
	}
	return out
}

func TestHandlerS3Event(t *testing.T) {
	e := newEnv(t)
	text := logText(t)
	key := "AWSLogs/my logs/" + dist + ".2026-11-20-12.a1b2c3d4.gz" // a space: '+' in the event
	e.minio.Put(t, "logs", key, testenv.Gzip(t, text))
	resp, err := e.h.Invoke(context.Background(), s3Event(key))
	if err != nil {
		t.Fatalf("Invoke: %v\nlog:\n%s", err, e.log)
	}
	if r := resp.(ingest.Response); r.Objects != 1 || r.Failed != 0 {
		t.Errorf("response %+v", r)
	}
	recs := parquettest.ParseLog(t, text)
	objs := e.objects(t, "lake", "cloudfront/")
	if len(objs) != 3 {
		t.Fatalf("%d objects in the dataset, want one per hour (3): %v", len(objs), slices.Collect(mapKeys(objs)))
	}
	var rows int64
	for k, data := range objs {
		if !strings.HasPrefix(k, "cloudfront/distribution="+dist+"/day=2026-11-20/hour=1") {
			t.Errorf("object %s is not in its partition", k)
		}
		rows += parquettest.ReadTable(t, data).NumRows()
	}
	if rows != int64(len(recs)) {
		t.Errorf("%d rows, %d records", rows, len(recs))
	}
	// One log line for the file, with what was done.
	var line struct {
		Msg      string `json:"msg"`
		Object   string `json:"object"`
		Records  int64  `json:"records"`
		Findings int    `json:"findings"`
		Outputs  int    `json:"outputs"`
	}
	for _, l := range strings.Split(e.log.String(), "\n") {
		if strings.Contains(l, `"object processed"`) {
			json.Unmarshal([]byte(l), &line)
		}
	}
	if line.Object != "s3://logs/"+key || line.Records != int64(len(recs)) || line.Findings == 0 || line.Outputs != 3 {
		t.Errorf("log line %+v; log:\n%s", line, e.log)
	}
	// EMF: records and the finding's rule, in CloudWatch's format.
	var recMetric, findMetric bool
	for _, l := range strings.Split(strings.TrimSpace(e.metrics.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("EMF line %q: %v", l, err)
		}
		meta := m["_aws"].(map[string]any)
		cw := meta["CloudWatchMetrics"].([]any)[0].(map[string]any)
		if cw["Namespace"] != "cfwatch" || meta["Timestamp"] == nil {
			t.Errorf("EMF line %s", l)
		}
		for _, metric := range cw["Metrics"].([]any) {
			name := metric.(map[string]any)["Name"].(string)
			if _, ok := m[name]; !ok {
				t.Errorf("EMF metric %s has no value in %s", name, l)
			}
		}
		recMetric = recMetric || m["Records"] == float64(len(recs))
		findMetric = findMetric || (m["Rule"] == "method-rejected" && m["Severity"] == "critical" && m["Findings"] == float64(1))
	}
	if !recMetric || !findMetric {
		t.Errorf("EMF lines lack records (%v) or findings (%v):\n%s", recMetric, findMetric, e.metrics)
	}
}

func mapKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// S3 delivers events at least once and Lambda retries: the same event twice
// gives the same objects, not more.
func TestHandlerSameEventTwice(t *testing.T) {
	e := newEnv(t)
	e.minio.Put(t, "logs", logKey, testenv.Gzip(t, logText(t)))
	if _, err := e.h.Invoke(context.Background(), s3Event(logKey)); err != nil {
		t.Fatal(err)
	}
	first := e.objects(t, "lake", "")
	if _, err := e.h.Invoke(context.Background(), s3Event(logKey)); err != nil {
		t.Fatal(err)
	}
	second := e.objects(t, "lake", "")
	if len(first) == 0 || len(first) != len(second) {
		t.Fatalf("%d objects after the first event, %d after the second", len(first), len(second))
	}
	for k, v := range first {
		if !bytes.Equal(v, second[k]) {
			t.Errorf("%s changed", k)
		}
	}
}

// Each failure gives its stated behaviour and a clear log line.
func TestHandlerFailures(t *testing.T) {
	e := newEnv(t)
	data := testenv.Gzip(t, logText(t))
	corrupt := slices.Clone(data)
	for i := len(corrupt) / 2; i < len(corrupt)/2+64; i++ {
		corrupt[i] ^= 0x5a
	}
	e.minio.Put(t, "logs", "corrupt/"+dist+".2026-11-20-12.0000.gz", corrupt)
	e.minio.Put(t, "logs", "empty/"+dist+".2026-11-20-12.0000.gz", nil)
	e.minio.Put(t, "logs", "other/index.html", []byte("<html>hello</html>\n"))
	e.minio.Put(t, "logs", "cloudfront/distribution=X/day=2026-11-20/hour=12/x.parquet", []byte("PAR1"))
	cases := []struct {
		key     string
		wantErr string // "" for acknowledged
		log     string
	}{
		{"corrupt/" + dist + ".2026-11-20-12.0000.gz", "records", "object failed: no Parquet written"},
		{"empty/" + dist + ".2026-11-20-12.0000.gz", "", "object skipped: no records"},
		{"other/index.html", "", "object skipped: not a CloudFront access log"},
		{"gone/" + dist + ".2026-11-20-12.0000.gz", "", "object deleted before it was read"},
		{"cloudfront/distribution=X/day=2026-11-20/hour=12/x.parquet", "", "object skipped: it is cfwatch's own output"},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			before := len(e.log.String())
			_, err := e.h.Invoke(context.Background(), s3Event(c.key))
			logged := e.log.String()[before:]
			if c.wantErr == "" && err != nil {
				t.Fatalf("err = %v, want the object acknowledged", err)
			}
			if c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), c.key)) {
				t.Fatalf("err = %v, want one naming %s and %q", err, c.key, c.wantErr)
			}
			if !strings.Contains(logged, c.log) || !strings.Contains(logged, c.key) {
				t.Errorf("log lacks %q for %s:\n%s", c.log, c.key, logged)
			}
		})
	}
	if objs := e.objects(t, "lake", ""); len(objs) != 0 {
		t.Errorf("failed and skipped objects wrote %d objects", len(objs))
	}
}

// With the dataset's S3 down during the upload, the object fails with an
// error that says so, and nothing is left in the dataset.
func TestHandlerOutputDown(t *testing.T) {
	e := newEnv(t)
	e.minio.Put(t, "logs", logKey, testenv.Gzip(t, logText(t)))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	down := e.minio.Client(func(o *s3.Options) { o.BaseEndpoint = aws.String(dead); o.RetryMaxAttempts = 1 })
	e.h.Proc = ingest.NewProcessor(ingest.NewS3Sink(down, "lake", "cloudfront/"), ingest.Options{})
	_, err = e.h.Invoke(context.Background(), s3Event(logKey))
	if err == nil || !strings.Contains(err.Error(), "s3://lake/cloudfront/") {
		t.Fatalf("err = %v, want an upload error naming the output", err)
	}
	if !strings.Contains(e.log.String(), "object failed: no Parquet written") {
		t.Errorf("log:\n%s", e.log)
	}
	if objs := e.objects(t, "lake", ""); len(objs) != 0 {
		t.Errorf("%d objects written", len(objs))
	}
}

func TestHandlerEventBridge(t *testing.T) {
	e := newEnv(t)
	key := "AWSLogs/a b/" + dist + ".2026-11-20-12.a1b2c3d4.gz" // EventBridge keys are not encoded
	e.minio.Put(t, "logs", key, testenv.Gzip(t, logText(t)))
	ev := fmt.Sprintf(`{"version":"0","id":"1","detail-type":"Object Created","source":"aws.s3","account":"111122223333","time":"2026-11-20T14:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::logs"],"detail":{"version":"0","bucket":{"name":"logs"},"object":{"key":%q,"size":1,"etag":"x"},"reason":"PutObject"}}`, key)
	resp, err := e.h.Invoke(context.Background(), []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.(ingest.Response); r.Objects != 1 || r.Failed != 0 {
		t.Errorf("response %+v", r)
	}
	if n := len(e.objects(t, "lake", "")); n != 3 {
		t.Errorf("%d objects, want 3", n)
	}
}

// An SQS batch of real messages (moto_server) with one corrupt object:
// only that message is reported failed, the others are done.
func TestHandlerSQSBatch(t *testing.T) {
	e := newEnv(t)
	moto := mototest.Start(t)
	ctx := context.Background()
	q := sqs.NewFromConfig(moto.Config(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto.Endpoint) })
	created, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("cfwatch-ingest")})
	if err != nil {
		t.Fatal(err)
	}
	data := testenv.Gzip(t, logText(t))
	corrupt := slices.Clone(data)
	for i := len(corrupt) / 2; i < len(corrupt)/2+64; i++ {
		corrupt[i] ^= 0x5a
	}
	keys := []string{"a/" + dist + ".2026-11-20-12.0001.gz", "b/" + dist + ".2026-11-20-12.0002.gz", "c/" + dist + ".2026-11-20-12.0003.gz"}
	e.minio.Put(t, "logs", keys[0], data)
	e.minio.Put(t, "logs", keys[1], corrupt)
	e.minio.Put(t, "logs", keys[2], data)
	sent := map[string]string{} // message ID → key
	for _, k := range keys {
		out, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String(string(s3Event(k)))})
		if err != nil {
			t.Fatal(err)
		}
		sent[*out.MessageId] = k
	}
	// S3's test message when the notification is set up.
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: created.QueueUrl, MessageBody: aws.String(`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-20T14:00:00.000Z","Bucket":"logs","RequestId":"R","HostId":"H"}`)}); err != nil {
		t.Fatal(err)
	}
	recv, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: created.QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: nil})
	if err != nil {
		t.Fatal(err)
	}
	if len(recv.Messages) != 4 {
		t.Fatalf("received %d messages, want 4", len(recv.Messages))
	}
	// The batch as Lambda's SQS poller hands it over.
	var ev events.SQSEvent
	for _, m := range recv.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: *m.MessageId, ReceiptHandle: *m.ReceiptHandle, Body: *m.Body, Md5OfBody: aws.ToString(m.MD5OfBody),
			EventSource: "aws:sqs", EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:cfwatch-ingest", AWSRegion: "us-east-1",
		})
	}
	payload, _ := json.Marshal(ev)
	resp, err := e.h.Invoke(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	failures := resp.(events.SQSEventResponse).BatchItemFailures
	if len(failures) != 1 || sent[failures[0].ItemIdentifier] != keys[1] {
		t.Fatalf("batch item failures %+v, want only the message of %s", failures, keys[1])
	}
	objs := e.objects(t, "lake", "")
	for k := range objs {
		if strings.Contains(k, ".0002.") {
			t.Errorf("the corrupt object left %s", k)
		}
	}
	if len(objs) != 6 {
		t.Errorf("%d objects, want 3 partitions × 2 good files", len(objs))
	}
}

// cutProxy forwards TCP connections to addr until limit bytes have gone
// upstream in all, then drops every connection: an S3 server that goes
// down part way through an upload. With stayDown it refuses new
// connections from then on; without, later connections go through (a
// dropped connection, not an outage).
type cutProxy struct {
	l        net.Listener
	addr     string
	limit    int64
	stayDown bool

	mu    sync.Mutex
	sent  int64
	cuts  int
	down  bool
	conns []net.Conn
}

func newCutProxy(t *testing.T, addr string, limit int64, stayDown bool) *cutProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{l: l, addr: addr, limit: limit, stayDown: stayDown}
	t.Cleanup(func() {
		l.Close()
		p.mu.Lock()
		p.stayDown = true
		p.mu.Unlock()
		p.cut()
	})
	go p.serve()
	return p
}

func (p *cutProxy) serve() {
	for {
		c, err := p.l.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.addr)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go func() { io.Copy(c, up); c.Close() }()
		go p.upstream(c, up)
	}
}

func (p *cutProxy) upstream(c, up net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.sent += int64(n)
			over := p.sent > p.limit && p.cuts == 0
			p.mu.Unlock()
			if over {
				p.cut()
				return
			}
			if _, err := up.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			up.Close()
			return
		}
	}
}

// cutCount returns how many times the proxy cut.
func (p *cutProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// cut drops every connection (and refuses later ones with stayDown).
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cuts++
	p.down = p.stayDown
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// The dataset's S3 goes down in the middle of a multipart upload: the
// upload is aborted, no object and no unfinished upload is left, and the
// error names the output.
func TestHandlerOutputDownMidUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads a 14 MB file twice")
	}
	e := newEnv(t)
	// An hour busy enough for a Parquet file of a few 5 MiB parts (about
	// 80 bytes a record); the connection is cut after 7 MiB, in the second
	// part.
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var text bytes.Buffer
	if _, err := loggen.Stream(&text, loggen.Config{Seed: 3, Start: start, Duration: time.Hour, RequestsPerHour: 160_000, CookieLogging: true}); err != nil {
		t.Fatal(err)
	}
	e.minio.Put(t, "logs", logKey, testenv.Gzip(t, text.Bytes()))
	const size = 14 << 20
	for _, stayDown := range []bool{false, true} {
		proxy := newCutProxy(t, strings.TrimPrefix(e.minio.Endpoint, "http://"), size/2, stayDown)
		viaProxy := e.minio.Client(func(o *s3.Options) {
			o.BaseEndpoint = aws.String("http://" + proxy.l.Addr().String())
			o.RetryMaxAttempts = 1
		})
		e.h.Proc = ingest.NewProcessor(ingest.NewS3Sink(viaProxy, "lake", "cloudfront/"), ingest.Options{})
		_, err := e.h.Invoke(context.Background(), s3Event(logKey))
		if err == nil || !strings.Contains(err.Error(), "s3://lake/cloudfront/") {
			t.Fatalf("stay down %v: err = %v, want an upload error naming the output", stayDown, err)
		}
		if proxy.cutCount() == 0 {
			t.Fatal("the proxy never cut the upload")
		}
		if objs := e.objects(t, "lake", ""); len(objs) != 0 {
			t.Errorf("stay down %v: %d objects left", stayDown, len(objs))
		}
		ups, err := e.s3.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String("lake")})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(ups.Uploads); !stayDown && n != 0 {
			// A dropped connection: the abort reaches S3.
			t.Errorf("%d unfinished multipart uploads left after a dropped connection", n)
		} else if stayDown {
			// S3 stays down, so an abort cannot reach it either: parts
			// may stay until the bucket's AbortIncompleteMultipartUpload
			// lifecycle rule (template.yaml) removes them; no object is
			// visible either way.
			t.Logf("S3 stayed down: %d unfinished multipart uploads left for the lifecycle rule", n)
		}
	}
}

package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"

	"github.com/cfwatch/cfwatch/internal/benchdata"
	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// opCounter counts the S3 operations a client sends, and the keys it gets.
type opCounter struct {
	mu   sync.Mutex
	ops  map[string]int
	gets []string
}

func (c *opCounter) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("cfwatchCount",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			if c.ops == nil {
				c.ops = map[string]int{}
			}
			c.ops[awsmiddleware.GetOperationName(ctx)]++
			if g, ok := in.Parameters.(*s3.GetObjectInput); ok {
				c.gets = append(c.gets, *g.Key)
			}
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

func (c *opCounter) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ops[op]
}

func (c *opCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops, c.gets = nil, nil
}

// testClient is a client built the way NewS3Client builds one, with the
// server's credentials, counting what it sends.
func testClient(t testing.TB, srv *miniotest.Server) (*s3.Client, *opCounter) {
	t.Helper()
	c := &opCounter{}
	client, err := newS3Client(context.Background(), srv.Endpoint,
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(srv.AccessKey, srv.SecretKey, "")),
		config.WithRegion(srv.Region),
		config.WithAPIOptions([]func(*middleware.Stack) error{c.add}))
	if err != nil {
		t.Fatal(err)
	}
	return client, c
}

// putAll stores objects, each holding its own key unless data says otherwise.
func putAll(t testing.TB, srv *miniotest.Server, bucket string, keys []string, data map[string][]byte) {
	t.Helper()
	var wg sync.WaitGroup
	ch := make(chan string)
	for range 8 {
		wg.Go(func() {
			for k := range ch {
				b, ok := data[k]
				if !ok {
					b = []byte(k)
				}
				srv.Put(t, bucket, k, b)
			}
		})
	}
	for _, k := range keys {
		ch <- k
	}
	close(ch)
	wg.Wait()
}

func legacyKey(prefix, dist string, h time.Time, n int) string {
	return fmt.Sprintf("%s%s.%s.%08x.gz", prefix, dist, h.Format("2006-01-02-15"), n)
}

func pathKey(prefix, dist string, h time.Time, n int) string {
	return fmt.Sprintf("%s%s/%s/%s.%s.%08x.gz", prefix, dist, h.Format("2006/01/02/15"), dist, h.Format("2006-01-02-15"), n)
}

func hiveKey(prefix, dist string, h time.Time, n int) string {
	return fmt.Sprintf("%sDistributionId=%s/year=%04d/month=%02d/day=%02d/hour=%02d/%s.%s.%08x.gz",
		prefix, dist, h.Year(), h.Month(), h.Day(), h.Hour(), dist, h.Format("2006-01-02-15"), n)
}

var testDists = []string{"E2QWRUHEXAMPLE", "EMLARXS9EXAMPLE"}

// makeKeys names files per distribution, hour and n for hours
// [from, from+hours).
func makeKeys(layout func(string, string, time.Time, int) string, prefix string, from time.Time, hours, perHour int) []string {
	var keys []string
	for _, d := range testDists {
		for h := range hours {
			for n := range perHour {
				keys = append(keys, layout(prefix, d, from.Add(time.Duration(h)*time.Hour), n))
			}
		}
	}
	return keys
}

func names(objs []Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	return out
}

func s3Names(bucket string, keys []string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, "s3://"+bucket+"/"+k)
	}
	slices.Sort(out)
	return out
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// readAll reads every object through a Prefetcher and returns their bytes.
func readAll(t testing.TB, objs []Object, workers int) map[string][]byte {
	t.Helper()
	p := Prefetch(context.Background(), objs, workers, 0)
	defer p.Close()
	got := map[string][]byte{}
	for {
		obj, rc, err := p.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("%s: %v", obj.Name, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", obj.Name, err)
		}
		got[obj.Name] = b
	}
}

func TestS3Legacy(t *testing.T) {
	t.Parallel()
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	client, ops := testClient(t, srv)
	// Five days of two files an hour for two distributions, flat under cf/.
	keys := makeKeys(legacyKey, "cf/", utc("2026-11-18T00:00:00Z"), 5*24, 2)
	others := []string{
		"cf/README.txt", // no hour in its name: read
		"other/E2QWRUHEXAMPLE.2026-11-20-10.00000001.gz", // another folder
		"cfx/E2QWRUHEXAMPLE.2026-11-20-10.00000001.gz",   // "cf" is a folder, not a name prefix
	}
	putAll(t, srv, "logs", append(keys, others...), nil)

	w := Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T12:00:00Z")}
	// The window needs hours 09 to 12 (one hour of margin each side).
	var want []string
	for _, k := range keys {
		if kk, _ := logparse.ParseKey(k); !kk.Hour.Before(utc("2026-11-20T09:00:00Z")) && !kk.Hour.After(utc("2026-11-20T12:00:00Z")) {
			want = append(want, k)
		}
	}
	want = s3Names("logs", append(want, "cf/README.txt"))
	if len(want) != 2*4*2+1 {
		t.Fatalf("bad fixture: %d objects wanted", len(want))
	}
	for _, page := range []int32{1000, 7, 2, 1} {
		ops.reset()
		objs, skipped, st, err := listS3(context.Background(), client, "s3://logs/cf", w, nil, page)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(objs); !slices.Equal(got, want) {
			t.Errorf("page %d: listed\n%s\nwant\n%s", page, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Skipped counts the keys listed outside the window: all of them
		// when the folder fits in a page; else at least, for each
		// distribution, its first key and the first key after the window.
		if wantSkipped := len(keys) - 16; page == 1000 && skipped != wantSkipped || skipped < 4 || skipped > wantSkipped || st.Unknown != 1 {
			t.Errorf("page %d: skipped %d, unknown %d; want %d, 1", page, skipped, st.Unknown, wantSkipped)
		}
		// The nearest hours outside the window the keys give: the first
		// after it exactly (the listing meets it before jumping past the
		// rest); before it, when the listing jumps over the keys just
		// before the window, an earlier one it met.
		if b, a := st.Near.Before, st.Near.After; !a.Equal(utc("2026-11-20T13:00:00Z")) || b.After(utc("2026-11-20T09:00:00Z")) ||
			b.Before(utc("2026-11-18T01:00:00Z")) || page == 1000 && !b.Equal(utc("2026-11-20T09:00:00Z")) {
			t.Errorf("page %d: nearest before %v, after %v", page, b, a)
		}
		if n := ops.count("ListObjectsV2"); n != st.Requests || ops.count("GetObject") != 0 {
			t.Errorf("page %d: %d list requests sent, %d counted, %d gets", page, n, st.Requests, ops.count("GetObject"))
		}
		// Listing the folder in full would take len(keys)/page requests.
		t.Logf("page %d: %d requests, %d keys returned (of %d)", page, st.Requests, st.Keys, len(keys)+1)
		if limit := map[int32]int{1000: 1, 7: 9, 2: 15, 1: 27}[page]; st.Requests > limit {
			t.Errorf("page %d: %d list requests, want at most %d", page, st.Requests, limit)
		}
	}

	// Opening fetches exactly the object, with the context.
	objs, _, _, err := S3(context.Background(), client, "s3://logs/cf/", w, nil)
	if err != nil {
		t.Fatal(err)
	}
	ops.reset()
	got := readAll(t, objs, 4)
	for _, o := range objs {
		if key := strings.TrimPrefix(o.Name, "s3://logs/"); string(got[o.Name]) != key || o.Size != int64(len(key)) {
			t.Errorf("%s: read %q (size %d)", o.Name, got[o.Name], o.Size)
		}
	}
	slices.Sort(ops.gets)
	if wantGets := strings.Join(want, " "); "s3://logs/"+strings.Join(ops.gets, " s3://logs/") != wantGets {
		t.Errorf("fetched %v", ops.gets)
	}
}

func TestS3V2(t *testing.T) {
	t.Parallel()
	srv := miniotest.Start(t)
	client, ops := testClient(t, srv)
	for _, layout := range []struct {
		name string
		key  func(string, string, time.Time, int) string
	}{{"path", pathKey}, {"hive", hiveKey}} {
		bucket := "v2-" + layout.name
		srv.CreateBucket(t, bucket)
		// Three days of two files an hour for two distributions, and last
		// year's logs.
		keys := makeKeys(layout.key, "logs/", utc("2026-11-19T00:00:00Z"), 3*24, 2)
		old := makeKeys(layout.key, "logs/", utc("2025-11-20T00:00:00Z"), 2, 1)
		putAll(t, srv, bucket, append(append(keys, old...), "logs/notes.txt"), nil)

		for _, c := range []struct {
			w        Window
			from, to string // the hours wanted
			requests int
			skipped  int // listed but outside: the rest of the day listed
		}{
			// One day listing per distribution: root, distribution, day.
			{Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T12:00:00Z")}, "2026-11-20T09:00:00Z", "2026-11-20T12:00:00Z", 1 + 2*2, 2 * (48 - 8)},
			// Across midnight: hour 23 of the 19th alone, then the 20th.
			{Window{utc("2026-11-20T00:30:00Z"), utc("2026-11-20T01:30:00Z")}, "2026-11-19T23:00:00Z", "2026-11-20T02:00:00Z", 1 + 2*3, 2 * (48 - 6)},
			// Nothing there: the year folder is missing.
			{Window{utc("2027-06-01T00:00:00Z"), utc("2027-06-02T00:00:00Z")}, "", "", 1 + 2*1, 0},
		} {
			var want []string
			for _, k := range keys {
				kk, ok := logparse.ParseKey(k)
				if !ok || kk.Layout.String() != "v2-"+layout.name {
					t.Fatalf("%s: parsed as %v", k, kk.Layout)
				}
				if c.from != "" && !kk.Hour.Before(utc(c.from)) && !kk.Hour.After(utc(c.to)) {
					want = append(want, k)
				}
			}
			want = s3Names(bucket, append(want, "logs/notes.txt"))
			for _, page := range []int32{1000, 3} {
				ops.reset()
				objs, skipped, st, err := listS3(context.Background(), client, "s3://"+bucket+"/logs", c.w, nil, page)
				if err != nil {
					t.Fatal(err)
				}
				if got := names(objs); !slices.Equal(got, want) {
					t.Errorf("%s %v page %d: listed\n%s\nwant\n%s", layout.name, c.w, page, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if page == 1000 && (st.Requests != c.requests || ops.count("ListObjectsV2") != c.requests) {
					t.Errorf("%s %v: %d list requests (%d sent), want %d", layout.name, c.w, st.Requests, ops.count("ListObjectsV2"), c.requests)
				}
				if skipped != c.skipped || st.Unknown != 1 {
					t.Errorf("%s %v page %d: skipped %d, unknown %d; want %d, 1", layout.name, c.w, page, skipped, st.Unknown, c.skipped)
				}
			}
		}
		// Pointing at a distribution's folder works too.
		dist := "logs/" + testDists[0] + "/"
		if layout.name == "hive" {
			dist = "logs/DistributionId=" + testDists[0] + "/"
		}
		objs, _, st, err := S3(context.Background(), client, "s3://"+bucket+"/"+dist, Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T12:00:00Z")}, nil)
		if err != nil || len(objs) != 8 || st.Requests != 2 {
			t.Errorf("%s: listing %s: %d objects, %d requests, %v; want 8, 2", layout.name, dist, len(objs), st.Requests, err)
		}
	}
}

func TestS3OddKeys(t *testing.T) {
	t.Parallel()
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	client, _ := testClient(t, srv)
	h := utc("2026-11-20T10:00:00Z")
	keys := []string{
		legacyKey("cloud front+logs/", "E2QWRUHEXAMPLE", h, 1),
		legacyKey("cloud front+logs/", "E2QWRUHEXAMPLE", h.Add(time.Hour), 2),
		"cloud front+logs/E2QWRUHEXAMPLE/2026/11/20/10/part 1+2%20.gz",
		"cloud front+logs/notes + more%2B.log",
		"cloud front+logs/sub dir/E2QWRUHEXAMPLE.2026-11-20-10.0000aaaa.gz",
	}
	putAll(t, srv, "logs", append(keys, legacyKey("cloud front+logs/", "E2QWRUHEXAMPLE", h.Add(-48*time.Hour), 3)), nil)
	w := Window{h, h.Add(time.Hour)}
	objs, skipped, _, err := S3(context.Background(), client, "s3://logs/cloud front+logs", w, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(objs), s3Names("logs", keys); !slices.Equal(got, want) || skipped != 1 {
		t.Errorf("listed %q (skipped %d), want %q (skipped 1)", got, skipped, want)
	}
	got := readAll(t, objs, 2)
	for _, k := range keys {
		if string(got["s3://logs/"+k]) != k {
			t.Errorf("%q: read %q", k, got["s3://logs/"+k])
		}
	}
	// A URI naming one object reads it alone.
	one, _, st, err := S3(context.Background(), client, "s3://logs/"+keys[3], w, nil)
	if err != nil || len(one) != 1 || one[0].Name != "s3://logs/"+keys[3] || one[0].Size != int64(len(keys[3])) {
		t.Errorf("single object: %v, %+v, %v", names(one), st, err)
	}
}

// TestS3ReadsLogs reads real generated logs from MinIO, one of them corrupt,
// and checks that the records are those of the same files read locally.
func TestS3ReadsLogs(t *testing.T) {
	t.Parallel()
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	client, ops := testClient(t, srv)
	dir := t.TempDir()
	cfg := loggen.Config{Seed: 7, Start: utc("2026-11-20T09:00:00Z"), Duration: 3 * time.Hour, RequestsPerHour: 3000, FilesPerHour: 2}
	paths, _, err := loggen.WriteDirCount(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	// A truncated copy, named for an hour inside the window.
	bad := filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-10.deadbeef.gz")
	if err := os.WriteFile(bad, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(paths, bad) {
		srv.PutFile(t, "logs", "cf/"+filepath.Base(p), p)
	}
	w := Window{cfg.Start, cfg.Start.Add(cfg.Duration)}
	remote, _, _, err := S3(context.Background(), client, "s3://logs/cf", w, nil)
	if err != nil {
		t.Fatal(err)
	}
	local, _, err := Local([]string{dir}, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(remote) != 7 || len(local) != 7 {
		t.Fatalf("%d objects in S3, %d local; want 7", len(remote), len(local))
	}
	ops.reset()
	for _, workers := range []int{0, 1, 8} {
		r, l := countRecords(t, remote, workers), countRecords(t, local, workers)
		for i := range r {
			if r[i] != l[i] {
				t.Errorf("workers %d: %s: %s; locally %s", workers, remote[i].Name, r[i], l[i])
			}
		}
		for i, o := range remote {
			if broken := strings.HasSuffix(o.Name, "deadbeef.gz"); broken != strings.Contains(r[i], "stream error") {
				t.Errorf("workers %d: %s read as %s", workers, o.Name, r[i])
			}
		}
	}
	if n := ops.count("GetObject"); n != 3*7 {
		t.Errorf("%d GetObject requests, want 21", n)
	}
}

// countRecords reads objects as report does and describes each one's result.
func countRecords(t *testing.T, objs []Object, workers int) []string {
	t.Helper()
	p := Prefetch(context.Background(), objs, workers, 1<<20)
	defer p.Close()
	var out []string
	for {
		_, rc, err := p.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		r := logparse.NewReader(rc)
		var rec logparse.Record
		for err == nil {
			err = r.Read(&rec)
		}
		desc := fmt.Sprintf("%d records", r.Records())
		var se *logparse.StreamError
		if errors.As(err, &se) {
			desc += fmt.Sprintf(", stream error after %d", se.Records)
		} else if err != io.EOF {
			desc += ", " + err.Error()
		}
		r.Close()
		rc.Close()
		out = append(out, desc)
	}
}

// isolateAWS gives the test an AWS configuration of its own: credentials in
// the environment, no config files, no instance metadata.
func isolateAWS(t *testing.T, key, secret string) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           key,
		"AWS_SECRET_ACCESS_KEY":       secret,
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
		"AWS_MAX_ATTEMPTS":            "",
	} {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}
}

// TestNewS3ClientEnv: AWS_ENDPOINT_URL_S3 and the environment's credentials
// reach MinIO, with path-style addressing, and the region defaults to
// us-east-1.
func TestNewS3ClientEnv(t *testing.T) {
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	srv.Put(t, "logs", "E2QWRUHEXAMPLE.2026-11-20-10.00000001.gz", []byte("x"))
	isolateAWS(t, srv.AccessKey, srv.SecretKey)
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.Endpoint)
	client, err := NewS3Client(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if o := client.Options(); o.Region != "us-east-1" || !o.UsePathStyle {
		t.Errorf("region %q, path style %v", o.Region, o.UsePathStyle)
	}
	objs, _, _, err := S3(context.Background(), client, "s3://logs", Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T11:00:00Z")}, nil)
	if err != nil || len(objs) != 1 {
		t.Fatalf("%v, %v", names(objs), err)
	}
	// The bucket must exist, and the error says which one.
	_, _, _, err = S3(context.Background(), client, "s3://no-such-bucket/logs", Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T11:00:00Z")}, nil)
	if err == nil || !strings.Contains(err.Error(), `bucket "no-such-bucket" does not exist at `+srv.Endpoint) {
		t.Errorf("missing bucket: %v", err)
	}
	// Wrong credentials are named as such.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	client, err = NewS3Client(context.Background(), srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err = S3(context.Background(), client, "s3://logs", Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T11:00:00Z")}, nil); err == nil || !strings.Contains(err.Error(), "refused the credentials") {
		t.Errorf("wrong secret: %v", err)
	}
}

// TestS3Unreachable: an endpoint nobody listens on fails in seconds, and
// the error names it.
func TestS3Unreachable(t *testing.T) {
	isolateAWS(t, "AKIDEXAMPLE", "secret")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	client, err := NewS3Client(context.Background(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, _, err = S3(context.Background(), client, "s3://logs/cf/", Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T11:00:00Z")}, nil)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "cannot reach the S3 endpoint "+endpoint) || !strings.Contains(err.Error(), "s3://logs/cf/") {
		t.Errorf("error %v", err)
	}
	if took > 10*time.Second {
		t.Errorf("took %v to fail", took)
	}
	t.Logf("failed in %v: %v", took.Round(time.Millisecond), err)
}

// TestResumableBody: a read that breaks part way resumes with a ranged get
// of the same version.
func TestResumableBody(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	var ranges []string
	get := func(_ context.Context, in *s3.GetObjectInput) (*s3.GetObjectOutput, error) {
		off := 0
		if in.Range != nil {
			ranges = append(ranges, *in.Range+" "+*in.IfMatch)
			fmt.Sscanf(*in.Range, "bytes=%d-", &off)
		}
		// Each response breaks after 3000 bytes.
		end := min(off+3000, len(data))
		var body io.Reader = bytes.NewReader(data[off:end])
		if end < len(data) {
			body = io.MultiReader(body, errReader{io.ErrUnexpectedEOF})
		}
		etag := `"v1"`
		return &s3.GetObjectOutput{Body: io.NopCloser(body), ETag: &etag}, nil
	}
	b, err := openResumable(context.Background(), get, "logs", "k")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("read %d bytes, %v; ranges %v", len(got), err, ranges)
	}
	if want := []string{`bytes=3000- "v1"`, `bytes=6000- "v1"`, `bytes=9000- "v1"`}; !slices.Equal(ranges, want) {
		t.Errorf("ranges %v, want %v", ranges, want)
	}
	// Past maxResumes the error comes through, naming the object.
	data = bytes.Repeat([]byte("x"), 20000)
	b, _ = openResumable(context.Background(), get, "logs", "k")
	got, err = io.ReadAll(b)
	if err == nil || !strings.Contains(err.Error(), "s3://logs/k: reading at byte 12000") || len(got) != 12000 {
		t.Errorf("read %d bytes, %v", len(got), err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestParseS3URI(t *testing.T) {
	for _, c := range []struct{ uri, bucket, prefix string }{
		{"s3://logs", "logs", ""},
		{"s3://logs/", "logs", ""},
		{"s3://logs/cf/a b+c", "logs", "cf/a b+c"},
		{"s3://logs/cf%20x/", "logs", "cf%20x/"},
	} {
		b, p, err := parseS3URI(c.uri)
		if err != nil || b != c.bucket || p != c.prefix {
			t.Errorf("parseS3URI(%q) = %q, %q, %v", c.uri, b, p, err)
		}
	}
	for _, bad := range []string{"s3://", "s3:///x", "/local"} {
		if _, _, err := parseS3URI(bad); err == nil {
			t.Errorf("parseS3URI(%q): no error", bad)
		}
	}
	if !IsS3("s3://logs") || IsS3("logs") || IsS3("./s3:/x") {
		t.Error("IsS3")
	}
}

func TestWindowHours(t *testing.T) {
	for _, c := range []struct{ from, until, h0, h1 string }{
		{"2026-11-20T10:00:00Z", "2026-11-20T12:00:00Z", "2026-11-20T09:00:00Z", "2026-11-20T12:00:00Z"},
		{"2026-11-20T10:30:00Z", "2026-11-20T10:31:00Z", "2026-11-20T09:00:00Z", "2026-11-20T11:00:00Z"},
	} {
		w := Window{utc(c.from), utc(c.until)}
		h0, h1 := windowHours(w)
		if !h0.Equal(utc(c.h0)) || !h1.Equal(utc(c.h1)) {
			t.Errorf("%v: %v..%v, want %s..%s", w, h0, h1, c.h0, c.h1)
		}
		if w.MayHold(h0.Add(-time.Hour)) || w.MayHold(h1.Add(time.Hour)) {
			t.Errorf("%v: hours beyond %v..%v may hold records", w, h0, h1)
		}
	}
}

// benchDir returns a directory of 24 hourly log files, about 1,000,000
// records in all (benchdata's traffic), generated once and cached.
func benchDir(b *testing.B) string {
	b.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "cfwatch-bench", "hourly-"+loggen.Version)
	if _, err := os.Stat(filepath.Join(dir, ".done")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	cfg := benchdata.Config()
	cfg.FilesPerHour = 1
	if _, _, err := loggen.WriteDirCount(context.Background(), dir, cfg); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".done"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkS3VsLocal reads the same 24 hourly files (about 1,000,000
// records, 82 MB gzipped) as report does, listing them and parsing every
// record, from the local disk and from a MinIO server on this machine. It
// reports both times and their ratio (the target: s3/local ≤ 1.5).
//
//	go test ./source -run '^$' -bench S3VsLocal -benchtime 3x
func BenchmarkS3VsLocal(b *testing.B) {
	dir := benchDir(b)
	srv := miniotest.Start(b)
	srv.CreateBucket(b, "logs")
	files, err := filepath.Glob(filepath.Join(dir, "*.gz"))
	if err != nil || len(files) != 24 {
		b.Fatalf("%d files in %s, %v", len(files), dir, err)
	}
	var keys []string
	data := map[string][]byte{}
	var size int64
	for _, f := range files {
		buf, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		k := "cf/" + filepath.Base(f)
		keys, data[k], size = append(keys, k), buf, size+int64(len(buf))
	}
	putAll(b, srv, "logs", keys, data)
	client, _ := testClient(b, srv)
	w := Window{benchdata.Config().Start, benchdata.Config().Start.Add(24 * time.Hour)}
	ctx := context.Background()

	read := func(objs []Object, workers int) int {
		p := Prefetch(ctx, objs, workers, DefaultBudget)
		defer p.Close()
		n := 0
		for {
			_, rc, err := p.Next()
			if err == io.EOF {
				return n
			}
			if err != nil {
				b.Fatal(err)
			}
			n += benchdata.ReadAll(b, rc, nil)
			rc.Close()
		}
	}
	for _, workers := range []int{0, DefaultWorkers} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var local, remote time.Duration
			var records int
			for b.Loop() {
				t0 := time.Now()
				objs, _, err := Local([]string{dir}, w)
				if err != nil {
					b.Fatal(err)
				}
				nl := read(objs, workers)
				t1 := time.Now()
				objs, _, _, err = S3(ctx, client, "s3://logs/cf/", w, nil)
				if err != nil || len(objs) != 24 {
					b.Fatalf("%d objects, %v", len(objs), err)
				}
				nr := read(objs, workers)
				t2 := time.Now()
				if nl != nr {
					b.Fatalf("%d records locally, %d from S3", nl, nr)
				}
				records = nr
				local += t1.Sub(t0)
				remote += t2.Sub(t1)
			}
			b.ReportMetric(local.Seconds()/float64(b.N), "local-s/op")
			b.ReportMetric(remote.Seconds()/float64(b.N), "s3-s/op")
			b.ReportMetric(remote.Seconds()/local.Seconds(), "s3/local")
			b.ReportMetric(float64(records)*float64(b.N)/remote.Seconds(), "s3-records/s")
			b.ReportMetric(float64(size)*float64(b.N)/remote.Seconds()/1e6, "s3-MB/s")
		})
	}
}

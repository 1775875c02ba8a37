package alert

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/internal/slacktest"
)

// TestS3ConditionalWrites checks that the S3 server (MinIO here) honours
// the conditional writes the incident state relies on.
func TestS3ConditionalWrites(t *testing.T) {
	m := miniotest.Start(t)
	m.CreateBucket(t, "state")
	st := &s3Store{client: m.Client(), bucket: "state"}
	ctx := context.Background()
	const key = "cfwatch/incidents/x.json"

	if _, _, err := st.get(ctx, key); !errors.Is(err, errNotFound) {
		t.Fatalf("get of a missing object: %v, want errNotFound", err)
	}
	tag1, err := st.put(ctx, key, []byte(`{"v":1}`), "")
	if err != nil || tag1 == "" {
		t.Fatalf("create: %q, %v", tag1, err)
	}
	if _, err := st.put(ctx, key, []byte(`{"v":"other"}`), ""); !errors.Is(err, errConflict) {
		t.Fatalf("second create (If-None-Match: *): %v, want errConflict", err)
	}
	tag2, err := st.put(ctx, key, []byte(`{"v":2}`), tag1)
	if err != nil || tag2 == tag1 {
		t.Fatalf("replace with the current ETag: %q, %v", tag2, err)
	}
	if _, err := st.put(ctx, key, []byte(`{"v":"stale"}`), tag1); !errors.Is(err, errConflict) {
		t.Fatalf("replace with a stale ETag (If-Match): %v, want errConflict", err)
	}
	data, tag, err := st.get(ctx, key)
	if err != nil || string(data) != `{"v":2}` || tag != tag2 {
		t.Fatalf("get: %s %q %v", data, tag, err)
	}

	// Of 20 concurrent creates, exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.put(ctx, "race.json", []byte(fmt.Sprint(i)), "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, errConflict):
				t.Errorf("create %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 20 concurrent creates won, want 1", wins)
	}
}

// lambdas returns n Notifiers sharing the state in MinIO and the fake
// Slack, as n concurrent Lambda invocations do.
func lambdas(t *testing.T, e *env, m *miniotest.Server, count int, s Settings) []*Notifier {
	var ns []*Notifier
	for range count {
		ns = append(ns, e.notifier(t, s, Options{
			S3: m.Client(), StateBucket: "state", StatePrefix: "cfwatch/state",
			DatasetLocation: "s3://cf-data/cfwatch/",
			Sleep:           sleep, // waiting for another invocation takes real (short) time
			Backoff:         time.Millisecond,
		}))
	}
	return ns
}

// TestConcurrentFilesOneMessage ingests 20 files of one incident at once:
// one top-level message, the rest as updates; then replays them (nothing
// new), lets the cooldown pass (one resolution), and fires again (a new
// message).
func TestConcurrentFilesOneMessage(t *testing.T) {
	m := miniotest.Start(t)
	m.CreateBucket(t, "state")
	e := newEnv(t)
	ns := lambdas(t, e, m, 20, e.botSettings())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var findings []detectors.Finding
	var total, denom int64
	for i := range 20 {
		f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", time.Duration(i)*3*time.Minute, i+1)
		findings = append(findings, f)
		total += f.Count
		denom += f.Denominator
	}
	run := func(notify func(i int) error) {
		var wg sync.WaitGroup
		for i := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := notify(i); err != nil {
					t.Errorf("invocation %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
	}
	run(func(i int) error { return ns[i].Notify(ctx, origin(i), findings[i:i+1]) })

	posts := e.slack.CallsOf(slacktest.PostMessage)
	if len(posts) != 1 || !posts[0].OK() {
		t.Fatalf("%d chat.postMessage calls, want exactly 1", len(posts))
	}
	for _, c := range e.slack.Calls() {
		if !c.OK() {
			t.Errorf("failed call: %s %d %s", c.Method, c.Status, c.Error)
		}
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 1 {
		t.Fatalf("%d top-level messages, want 1", len(top))
	}
	text := blocksText(t, top[0].Blocks)
	for _, want := range []string{fmt.Sprintf("%s of %s callback requests", comma(total), comma(denom)), "seen in 20 log files"} {
		if !strings.Contains(text, want) {
			t.Errorf("final message lacks %q:\n%s", want, text)
		}
	}
	updates := len(e.slack.CallsOf(slacktest.Update))
	t.Logf("20 files: 1 chat.postMessage, %d chat.update", updates)
	if updates == 0 {
		t.Error("no chat.update: the other files' evidence never reached the message")
	}
	st, _, err := ns[0].load(ctx, stateKey("cfwatch/state/", findings[0].Key))
	if err != nil || st == nil || st.Files != 20 || len(st.Origins) != 20 || st.Lease != nil || st.Shown != st.Version || st.TS != top[0].TS {
		t.Fatalf("state: %+v, %v", st, err)
	}
	if _, err := m.Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("state"), Key: aws.String(stateKey("cfwatch/state/", findings[0].Key))}); err != nil {
		t.Fatalf("state object not where documented: %v", err)
	}

	// The same 20 events again (retries, duplicate deliveries): nothing.
	calls := len(e.slack.Calls())
	run(func(i int) error { return ns[i].Notify(ctx, origin(i), findings[i:i+1]) })
	if got := len(e.slack.Calls()); got != calls {
		t.Errorf("replaying posted %d more calls", got-calls)
	}

	// Quiet for the cooldown: concurrent sweeps post one resolution.
	e.clock.Advance(61 * time.Minute)
	run(func(i int) error { return ns[i].Sweep(ctx) })
	if r := e.slack.Replies(slacktest.Channel, top[0].TS); len(r) != 1 {
		t.Errorf("%d resolved replies, want 1", len(r))
	}

	// The rule fires again after the cooldown: a new incident.
	run(func(i int) error {
		f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 5*time.Hour, 100+i)
		return ns[i].Notify(ctx, origin(100+i), []detectors.Finding{f})
	})
	if top := e.slack.TopLevel(slacktest.Channel); len(top) != 2 {
		t.Errorf("%d top-level messages after the cooldown, want 2", len(top))
	}
	e.noSecrets(t, []string{testToken})
}

// TestConcurrentSlackDown: Slack fails while 5 invocations report one
// incident; every one of them gets an error (so Lambda retries), and the
// retry posts the alert once, with all the evidence.
func TestConcurrentSlackDown(t *testing.T) {
	m := miniotest.Start(t)
	m.CreateBucket(t, "state")
	e := newEnv(t)
	ns := lambdas(t, e, m, 5, e.botSettings())
	ctx := context.Background()
	e.slack.FailAlways(slacktest.PostMessage, slacktest.HTTPError(503))
	var wg sync.WaitGroup
	errs := make([]error, len(ns))
	for i := range ns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, i+1)
			errs[i] = ns[i].Notify(ctx, origin(i), []detectors.Finding{f})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		var de *DeliveryError
		if !errors.As(err, &de) || !de.Retryable {
			t.Errorf("invocation %d: err = %v, want a retryable DeliveryError", i, err)
		}
	}
	e.slack.Recover()
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	if err := ns[0].Notify(ctx, origin(0), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 1 || !strings.Contains(blocksText(t, top[0].Blocks), "seen in 5 log files") {
		t.Fatalf("want one message with the 5 files' evidence, got %d", len(top))
	}
	// The others' retries post nothing more.
	for i := 1; i < len(ns); i++ {
		if err := ns[i].Notify(ctx, origin(i), []detectors.Finding{f}); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(e.slack.CallsOf(slacktest.PostMessage)); got == 0 || len(e.slack.TopLevel(slacktest.Channel)) != 1 {
		t.Errorf("retries posted again")
	}
}

func comma(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/slacktest"
	"github.com/cfwatch/cfwatch/internal/testenv"
)

const testToken = "xoxb-1111111111-2222222222-SeCrEtT0kenValue"

// env is a Notifier's world in a test: a fake Slack, a clock, recorded
// sleeps and captured logs.
type env struct {
	slack  *slacktest.Server
	clock  *clock
	sleeps *sleeps
	logs   *testenv.Buffer
}

func newEnv(t *testing.T) *env {
	return &env{
		slack:  slacktest.Start(t, testToken),
		clock:  newClock(t0.Add(3 * time.Hour)),
		sleeps: &sleeps{},
		logs:   &testenv.Buffer{},
	}
}

func (e *env) botSettings() Settings {
	return Settings{BotToken: NewSecret(testToken), Channel: "#" + slacktest.ChannelName, APIURL: e.slack.APIURL(), Source: EnvBotToken}
}

func (e *env) options(o Options) Options {
	o.Now = e.clock.Now
	o.Sleep = e.sleeps.Sleep
	o.Logger = newLogger(e.logs)
	return o
}

func (e *env) notifier(t *testing.T, s Settings, o Options) *Notifier {
	t.Helper()
	n, err := New(s, e.options(o))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// noSecrets fails the test when a credential shows up in the logs or in
// an error.
func (e *env) noSecrets(t *testing.T, secrets []string, errs ...error) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("a credential appears in the log output")
		}
		for _, err := range errs {
			if err != nil && strings.Contains(err.Error(), s) {
				t.Errorf("a credential appears in the error %q", err)
			}
		}
	}
}

func origin(i int) Origin {
	return Origin{Bucket: "cf-logs", Key: fmt.Sprintf("cloudfront/E2QWRUHEXAMPLE.2026-11-20-14.%08x.gz", i), ETag: fmt.Sprintf(`"etag%d"`, i)}
}

// blocksText is the text of all blocks of a message, for assertions.
func blocksText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var sb strings.Builder
	for _, tx := range texts(t, raw) {
		sb.WriteString(tx["text"].(string))
		sb.WriteString("\n")
	}
	return sb.String()
}

func TestNotifyPostsOnceThenUpdates(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{})
	ctx := context.Background()
	f1 := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	f2 := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 50*time.Minute, 2)

	if err := n.Notify(ctx, origin(1), []detectors.Finding{f1}); err != nil {
		t.Fatal(err)
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 1 {
		t.Fatalf("%d top-level messages, want 1", len(top))
	}
	// What Slack got is exactly what Blocks and Fallback build.
	mc := MessageContext{ReportSources: []string{"s3://cf-logs/cloudfront/"}, Files: 1, Cooldown: time.Hour}
	want, _ := json.Marshal(Blocks(f1, mc))
	if !jsonEqual(t, top[0].Blocks, want) || top[0].Text != Fallback(f1, mc) {
		t.Errorf("posted message differs from Blocks/Fallback:\n%s\n%s", top[0].Blocks, want)
	}

	// New evidence: the message is updated, not reposted.
	e.clock.Advance(10 * time.Minute)
	if err := n.Notify(ctx, origin(2), []detectors.Finding{f2}); err != nil {
		t.Fatal(err)
	}
	// The same object again: nothing.
	if err := n.Notify(ctx, origin(1), []detectors.Finding{f1}); err != nil {
		t.Fatal(err)
	}
	if got := len(e.slack.CallsOf(slacktest.PostMessage)); got != 1 {
		t.Errorf("%d chat.postMessage calls, want 1", got)
	}
	if got := len(e.slack.CallsOf(slacktest.Update)); got != 1 {
		t.Errorf("%d chat.update calls, want 1", got)
	}
	msg := e.slack.TopLevel(slacktest.Channel)[0]
	text := blocksText(t, msg.Blocks)
	total := f1.Count + f2.Count
	for _, want := range []string{
		fmt.Sprintf("%d of %d callback requests", total, f1.Denominator+f2.Denominator),
		"seen in 2 log files",
		"In the latest log file: ",
		"≥25", // distinct clients across files are a lower bound
	} {
		if !strings.Contains(text, want) {
			t.Errorf("updated message lacks %q:\n%s", want, text)
		}
	}
	e.noSecrets(t, []string{testToken})
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestNotifyWaitsOutRateLimit(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{})
	e.slack.Fail(slacktest.PostMessage, slacktest.RateLimited(7*time.Second))
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	if err := n.Notify(context.Background(), origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if got := e.sleeps.All(); !slices.Equal(got, []time.Duration{7 * time.Second}) {
		t.Errorf("slept %v, want the 7s Retry-After", got)
	}
	calls := e.slack.CallsOf(slacktest.PostMessage)
	if len(calls) != 2 || calls[0].Status != http.StatusTooManyRequests || !calls[1].OK() {
		t.Errorf("calls %+v, want a 429 then a success", calls)
	}
	if len(e.slack.TopLevel(slacktest.Channel)) != 1 {
		t.Error("want one message")
	}
}

func TestNotifyRateLimitBeyondDeadline(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{})
	e.slack.Fail(slacktest.PostMessage, slacktest.RateLimited(120*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	err := n.Notify(ctx, origin(1), []detectors.Finding{f})
	var de *DeliveryError
	if !errors.As(err, &de) || de.Code != "rate_limited" || !de.Retryable {
		t.Fatalf("err = %v, want a retryable rate_limited DeliveryError", err)
	}
	if got := e.sleeps.All(); len(got) != 0 {
		t.Errorf("slept %v although Retry-After exceeds the deadline", got)
	}
	// The retry, once Slack lets it, posts the alert.
	if err := n.Notify(context.Background(), origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if len(e.slack.TopLevel(slacktest.Channel)) != 1 {
		t.Error("want one message after the retry")
	}
}

func TestNotifyRetries500(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{})
	e.slack.Fail(slacktest.PostMessage, slacktest.HTTPError(500), slacktest.HTTPError(503))
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	if err := n.Notify(context.Background(), origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if got := e.sleeps.All(); !slices.Equal(got, []time.Duration{500 * time.Millisecond, time.Second}) {
		t.Errorf("backoff %v, want 500ms then 1s", got)
	}
	if got := len(e.slack.CallsOf(slacktest.PostMessage)); got != 3 {
		t.Errorf("%d calls, want 3", got)
	}
	if len(e.slack.TopLevel(slacktest.Channel)) != 1 {
		t.Error("want one message")
	}
}

func TestNotifySlackDownThenRetry(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{MaxRetries: 2})
	e.slack.FailAlways(slacktest.PostMessage, slacktest.HTTPError(502))
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	err := n.Notify(context.Background(), origin(1), []detectors.Finding{f})
	var de *DeliveryError
	if !errors.As(err, &de) || de.Code != "http_502" || !de.Retryable || de.Attempts != 3 {
		t.Fatalf("err = %#v, want http_502 after 3 attempts", err)
	}
	// Sweep cannot deliver either while Slack is down, and says so.
	if err := n.Sweep(context.Background()); err == nil {
		t.Error("Sweep: no error while Slack is down")
	}
	e.slack.Recover()
	// Lambda retries the object: the alert goes out once.
	if err := n.Notify(context.Background(), origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(context.Background(), origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if got := len(e.slack.TopLevel(slacktest.Channel)); got != 1 {
		t.Errorf("%d messages, want 1", got)
	}
}

func TestNotifyInvalidAuth(t *testing.T) {
	e := newEnv(t)
	const wrong = "xoxb-9999999999-8888888888-WrongT0kenValue"
	s := e.botSettings()
	s.BotToken, s.Source = NewSecret(wrong), "SLACK_SECRET_ARN (Secrets Manager secret arn:aws:secretsmanager:us-east-1:123456789012:secret:cfwatch-slack)"
	n := e.notifier(t, s, Options{})
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	err := n.Notify(context.Background(), origin(1), []detectors.Finding{f})
	var de *DeliveryError
	if !errors.As(err, &de) || de.Code != "invalid_auth" || de.Retryable {
		t.Fatalf("err = %v, want a permanent invalid_auth", err)
	}
	if got := len(e.slack.Calls()); got != 1 {
		t.Errorf("%d calls: invalid_auth must not be retried", got)
	}
	if !strings.Contains(err.Error(), "SLACK_SECRET_ARN") || !strings.Contains(e.logs.String(), `"setting":"SLACK_SECRET_ARN`) {
		t.Errorf("error and log must name the setting to fix:\n%v\n%s", err, e.logs)
	}
	e.noSecrets(t, []string{wrong, testToken}, err)
}

func TestNotifyChannelNotFound(t *testing.T) {
	e := newEnv(t)
	s := e.botSettings()
	s.Channel = "C0NOSUCH"
	n := e.notifier(t, s, Options{})
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	err := n.Notify(context.Background(), origin(1), []detectors.Finding{f})
	var de *DeliveryError
	if !errors.As(err, &de) || de.Code != "channel_not_found" || de.Setting != EnvChannel {
		t.Fatalf("err = %v, want channel_not_found naming SLACK_CHANNEL", err)
	}
	if !strings.Contains(e.logs.String(), `"setting":"SLACK_CHANNEL"`) {
		t.Errorf("log does not name SLACK_CHANNEL:\n%s", e.logs)
	}
}

func TestUpdateOfDeletedMessagePostsAgain(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{})
	ctx := context.Background()
	if err := n.Notify(ctx, origin(1), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)}); err != nil {
		t.Fatal(err)
	}
	e.slack.Fail(slacktest.Update, slacktest.SlackError("message_not_found"))
	if err := n.Notify(ctx, origin(2), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 40*time.Minute, 2)}); err != nil {
		t.Fatal(err)
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 2 || !strings.Contains(blocksText(t, top[1].Blocks), "seen in 2 log files") {
		t.Fatalf("want a second message with both files' evidence, got %d", len(top))
	}
	// Later updates go to the new message.
	if err := n.Notify(ctx, origin(3), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 60*time.Minute, 3)}); err != nil {
		t.Fatal(err)
	}
	if top := e.slack.TopLevel(slacktest.Channel); top[1].Edits != 1 || top[0].Edits != 0 {
		t.Errorf("edits %d/%d, want the new message updated", top[0].Edits, top[1].Edits)
	}
}

func TestSweepResolvesThenNewIncident(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n := e.notifier(t, e.botSettings(), Options{Cooldown: 30 * time.Minute})
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	if err := n.Notify(ctx, origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	// Within the cooldown, Sweep leaves the incident open.
	e.clock.Advance(20 * time.Minute)
	if err := n.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if len(e.slack.Messages(slacktest.Channel)) != 1 {
		t.Fatal("Sweep posted within the cooldown")
	}
	// Quiet for the cooldown: one resolved reply, however many sweeps.
	e.clock.Advance(11 * time.Minute)
	other := e.notifier(t, e.botSettings(), Options{Cooldown: 30 * time.Minute})
	other.store = n.store // the same state, as two Lambda invocations share S3
	for _, s := range []*Notifier{n, other, n} {
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	root := e.slack.TopLevel(slacktest.Channel)[0]
	replies := e.slack.Replies(slacktest.Channel, root.TS)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "Resolved") {
		t.Fatalf("replies %+v, want one resolved reply", replies)
	}
	if !strings.Contains(blocksText(t, root.Blocks), ":white_check_mark: Resolved: auth-403-burst") {
		t.Error("original message not marked resolved")
	}
	// The replayed object of the resolved incident starts nothing.
	if err := n.Notify(ctx, origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if got := len(e.slack.TopLevel(slacktest.Channel)); got != 1 {
		t.Fatalf("replay after resolution posted: %d messages", got)
	}
	// The rule fires again: a new incident, a new message.
	if err := n.Notify(ctx, origin(2), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 3*time.Hour, 2)}); err != nil {
		t.Fatal(err)
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 2 || strings.Contains(blocksText(t, top[1].Blocks), "log files") {
		t.Fatalf("want a fresh second incident, got %d messages", len(top))
	}
	st, _, _ := n.load(ctx, stateKey("", f.Key))
	if st.Generation != 2 || st.Files != 1 || st.Status != stateOpen {
		t.Errorf("state after reopening: generation %d, files %d, status %s", st.Generation, st.Files, st.Status)
	}
}

func TestNotifyAfterQuietResolvesAndReopens(t *testing.T) {
	// Without a Sweep in between, a finding after the cooldown first
	// resolves the old incident, then opens a new one.
	e := newEnv(t)
	ctx := context.Background()
	n := e.notifier(t, e.botSettings(), Options{})
	if err := n.Notify(ctx, origin(1), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Hour)
	if err := n.Notify(ctx, origin(2), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 4*time.Hour, 2)}); err != nil {
		t.Fatal(err)
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 2 {
		t.Fatalf("%d top-level messages, want 2", len(top))
	}
	if r := e.slack.Replies(slacktest.Channel, top[0].TS); len(r) != 1 {
		t.Errorf("first incident: %d replies, want its resolution", len(r))
	}
}

func TestWebhook(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := Settings{WebhookURL: NewSecret(e.slack.WebhookURL()), Source: EnvWebhookURL}
	n := e.notifier(t, s, Options{})
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	if err := n.Notify(ctx, origin(1), []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	msgs := e.slack.Messages(slacktest.WebhookChannel)
	if len(msgs) != 1 {
		t.Fatalf("%d webhook messages, want 1", len(msgs))
	}
	mc := MessageContext{ReportSources: []string{"s3://cf-logs/cloudfront/"}, Files: 1, Cooldown: time.Hour}
	want, _ := json.Marshal(Blocks(f, mc))
	if !jsonEqual(t, msgs[0].Blocks, want) || msgs[0].Text != Fallback(f, mc) {
		t.Errorf("webhook message differs from Blocks/Fallback")
	}
	// Within the cooldown since the last post: recorded, not posted.
	e.clock.Advance(30 * time.Minute)
	if err := n.Notify(ctx, origin(2), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 30*time.Minute, 2)}); err != nil {
		t.Fatal(err)
	}
	if got := len(e.slack.Messages(slacktest.WebhookChannel)); got != 1 {
		t.Fatalf("%d messages within the cooldown, want 1", got)
	}
	// An hour after the first post, while failures go on: one (ongoing)
	// message with all the evidence.
	e.clock.Advance(40 * time.Minute)
	if err := n.Notify(ctx, origin(3), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 70*time.Minute, 3)}); err != nil {
		t.Fatal(err)
	}
	msgs = e.slack.Messages(slacktest.WebhookChannel)
	if len(msgs) != 2 || !strings.Contains(msgs[1].Text, "(ongoing)") || !strings.Contains(blocksText(t, msgs[1].Blocks), "seen in 3 log files") {
		t.Fatalf("want an ongoing message with 3 files, got %d messages", len(msgs))
	}
	// Quiet for the cooldown: a resolved message.
	e.clock.Advance(61 * time.Minute)
	if err := n.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	msgs = e.slack.Messages(slacktest.WebhookChannel)
	if len(msgs) != 3 || !strings.HasPrefix(msgs[2].Text, "Resolved: auth-403-burst") {
		t.Fatalf("want a resolved message, got %d messages", len(msgs))
	}
	e.noSecrets(t, []string{e.slack.WebhookURL()})
}

func TestWebhookFailuresKeepTheURLSecret(t *testing.T) {
	e := newEnv(t)
	// A removed webhook: 404, not retried, names the setting.
	s := Settings{WebhookURL: NewSecret(e.slack.WebhookURL() + "x"), Source: EnvWebhookURL}
	n := e.notifier(t, s, Options{})
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	err := n.Notify(context.Background(), origin(1), []detectors.Finding{f})
	var de *DeliveryError
	if !errors.As(err, &de) || de.Code != "http_404" || de.Retryable || de.Setting != EnvWebhookURL {
		t.Fatalf("err = %v, want a permanent http_404 naming SLACK_WEBHOOK_URL", err)
	}
	// An unreachable webhook: the network error quotes no URL.
	unreachable := "http://127.0.0.1:1/services/T000/B000/SeCrEtWeBhOoKpAtH"
	n2 := e.notifier(t, Settings{WebhookURL: NewSecret(unreachable), Source: EnvWebhookURL}, Options{MaxRetries: 1})
	err2 := n2.Notify(context.Background(), origin(1), []detectors.Finding{f})
	if !errors.As(err2, &de) || de.Code != "network" || !de.Retryable {
		t.Fatalf("err = %v, want a retryable network error", err2)
	}
	e.noSecrets(t, []string{e.slack.WebhookURL(), unreachable, "SeCrEtWeBhOoKpAtH"}, err, err2)
}

func TestLogOnly(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, Settings{}, Options{})
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	for range 2 {
		if err := n.Notify(context.Background(), origin(1), []detectors.Finding{f}); err != nil {
			t.Fatal(err)
		}
	}
	var alerts []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "alert" {
			alerts = append(alerts, m)
		}
	}
	if len(alerts) != 1 {
		t.Fatalf("%d alert log lines, want 1:\n%s", len(alerts), e.logs)
	}
	a := alerts[0]
	if a["level"] != "ERROR" || a["rule"] != "auth-403-burst" || a["key"] != f.Key ||
		!strings.Contains(a["remedy"].(string), "AllViewerExceptHostHeader") || !strings.HasPrefix(a["report"].(string), "cfwatch report --source s3://cf-logs/cloudfront/") {
		t.Errorf("alert log line: %v", a)
	}
	if len(e.slack.Calls()) != 0 {
		t.Error("Slack called without settings")
	}
}

// TestTakeOverExpiredLease: an invocation died holding an incident before
// its first message went out; another waits for the lease to expire, then
// posts, with both files' evidence.
func TestTakeOverExpiredLease(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	n := e.notifier(t, e.botSettings(), Options{})
	// Waiting moves the clock on, as real time would.
	n.opts.Sleep = func(ctx context.Context, d time.Duration) error {
		e.clock.Advance(d)
		return ctx.Err()
	}
	e.slack.FailAlways(slacktest.PostMessage, slacktest.SlackError("fatal_error"))
	n.opts.MaxRetries = 0
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	if err := n.Notify(ctx, origin(1), []detectors.Finding{f}); err == nil {
		t.Fatal("no error while Slack fails")
	}
	e.slack.Recover()
	// Make it look as if a dead invocation held the lease.
	key := stateKey("", f.Key)
	st, etag, _ := n.load(ctx, key)
	st.Lease = &lease{Owner: "dead", Until: e.clock.Now().Add(2 * time.Minute)}
	if _, err := n.store.put(ctx, key, st.encode(), etag); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(ctx, origin(2), []detectors.Finding{burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 30*time.Minute, 2)}); err != nil {
		t.Fatal(err)
	}
	if !e.clock.Now().After(st.Lease.Until) {
		t.Error("posted before the dead holder's lease expired")
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 1 || !strings.Contains(blocksText(t, top[0].Blocks), "seen in 2 log files") {
		t.Fatalf("want one message with both files, got %d", len(top))
	}
}

func TestOriginID(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{})
	ctx := context.Background()
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	// A caller-given idempotency ID identifies the origin, whatever else.
	if err := n.Notify(ctx, Origin{ID: "sqs-message-1", Key: "a"}, []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(ctx, Origin{ID: "sqs-message-1", Key: "b"}, []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	// The same key with another ETag is another object (overwritten).
	o := origin(1)
	o.ETag = `"changed"`
	if err := n.Notify(ctx, o, []detectors.Finding{f}); err != nil {
		t.Fatal(err)
	}
	if p, u := len(e.slack.CallsOf(slacktest.PostMessage)), len(e.slack.CallsOf(slacktest.Update)); p != 1 || u != 1 {
		t.Errorf("%d posts and %d updates, want 1 and 1", p, u)
	}
}

func TestMinSeverity(t *testing.T) {
	e := newEnv(t)
	n := e.notifier(t, e.botSettings(), Options{MinSeverity: detectors.SeverityCritical})
	w := hostile() // a warning
	if err := n.Notify(context.Background(), origin(1), []detectors.Finding{w}); err != nil {
		t.Fatal(err)
	}
	if len(e.slack.Calls()) != 0 {
		t.Error("a warning was posted with MinSeverity critical")
	}
}

func TestSettingsDoNotPrintSecrets(t *testing.T) {
	s := Settings{BotToken: NewSecret(testToken), Channel: "C1", WebhookURL: NewSecret("https://hooks.slack.com/services/T/B/SECRETPATH")}
	b, _ := json.Marshal(s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprintf("%v %s", s.BotToken, s.WebhookURL), string(b)} {
		if strings.Contains(out, "SeCrEt") || strings.Contains(out, "SECRETPATH") {
			t.Errorf("secret printed: %s", out)
		}
	}
	logs := &testenv.Buffer{}
	newLogger(logs).Info("settings", "s", s, "token", s.BotToken)
	if strings.Contains(logs.String(), "SeCrEt") {
		t.Errorf("secret logged: %s", logs)
	}
}

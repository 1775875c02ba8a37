package alert

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/detectors"
)

// Origin is the log object whose findings are being reported. Its
// identity (ID if set, else Bucket, Key and ETag) is recorded in the
// incident, so that the same object delivered again adds nothing.
type Origin struct {
	Bucket, Key, ETag string
	// ID, when set, identifies the origin instead (an idempotency key the
	// caller already has, such as an S3 event's sequencer).
	ID string
}

// Options configure a Notifier. Only S3 with StateBucket makes
// de-duplication work across processes.
type Options struct {
	// Cooldown is how long an incident stays open without new failures
	// before it is resolved, and how often a webhook (which cannot update
	// a message) may post about it. 0 takes Settings.Cooldown, then 1h.
	Cooldown time.Duration
	Now      func() time.Time // default time.Now
	Logger   *slog.Logger     // default slog.Default()

	// S3, StateBucket and StatePrefix hold the incident state:
	// s3://StateBucket/StatePrefix + "incidents/<sha256 of key>.json",
	// written with S3 conditional writes. With a nil S3 the state is kept in
	// memory: de-duplication then holds only within this process (ingest
	// --local), never across Lambda invocations.
	S3          *s3.Client
	StateBucket string
	StatePrefix string

	// DatasetLocation is the s3://bucket/prefix of the Parquet dataset,
	// for the Athena query in messages; "" leaves the query out.
	DatasetLocation string
	// AthenaTable is the dataset's table (default "cloudfront_logs").
	AthenaTable string
	// IgnorePaths are the detectors' ignore_paths, which the Athena query
	// leaves out as the findings do.
	IgnorePaths []string
	// LogSources are where the raw logs are, s3://bucket/prefix URLs or
	// local paths, for the report command in messages; none derives them
	// from each incident's first origin (see LogSource).
	LogSources []string

	// MinSeverity leaves out findings ranked below it ("" alerts on all).
	MinSeverity detectors.Severity

	// Lease is how long one invocation may hold an incident while it talks
	// to Slack before another may take over (default 2m). Slack calls are
	// bounded by it.
	Lease time.Duration
	// MaxRetries bounds the retries of a Slack call after a 5xx or network
	// error (default 3; negative means none). Rate limits are waited out
	// within the context's deadline and the lease.
	MaxRetries int
	// Backoff is the first wait after a 5xx or network error, doubled for
	// each retry (default 500ms).
	Backoff time.Duration
	// Sleep waits for d or until ctx is done (default: a timer). Tests
	// inject it so that waits take no time.
	Sleep func(ctx context.Context, d time.Duration) error
	// HTTPClient talks to Slack (default: 15 s timeout per request).
	HTTPClient *http.Client
	// OnPosted, when set, is called once per incident when its first
	// message has been delivered and recorded, with the incident's
	// finding (FirstSeen: its first failing request) and the time of the
	// post; ctx is the Notify or Sweep call's. Ingest derives its
	// AlertLatency metric from it.
	OnPosted func(ctx context.Context, f detectors.Finding, posted time.Time)
}

// A Notifier turns findings into Slack alerts, one per incident. It is
// safe for concurrent use; create one per process (a Lambda's cold start).
type Notifier struct {
	settings Settings
	opts     Options
	cooldown time.Duration
	lease    time.Duration
	prefix   string
	store    store
	send     sender
	red      redactor
	log      *slog.Logger

	mu       sync.Mutex
	resolved map[string]string // state key → ETag of a resolved incident, to skip in Sweep
}

// New returns a Notifier for the settings: a bot token posts with
// chat.postMessage and chat.update, a webhook URL posts new messages, and
// without either the alerts are logged.
func New(s Settings, o Options) (*Notifier, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if o.S3 != nil && o.StateBucket == "" {
		return nil, errors.New("alert: Options.S3 is set but StateBucket is empty")
	}
	n := &Notifier{settings: s, opts: o, resolved: make(map[string]string)}
	n.cooldown = firstPositive(o.Cooldown, s.Cooldown, DefaultCooldown)
	n.lease = firstPositive(o.Lease, 2*time.Minute)
	if o.Now == nil {
		n.opts.Now = time.Now
	}
	if o.Sleep == nil {
		n.opts.Sleep = sleep
	}
	switch {
	case o.MaxRetries == 0:
		n.opts.MaxRetries = 3
	case o.MaxRetries < 0:
		n.opts.MaxRetries = 0
	}
	n.opts.Backoff = firstPositive(o.Backoff, 500*time.Millisecond)
	n.log = o.Logger
	if n.log == nil {
		n.log = slog.Default()
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	n.prefix = o.StatePrefix
	if n.prefix != "" && !strings.HasSuffix(n.prefix, "/") {
		n.prefix += "/"
	}
	if o.S3 != nil {
		n.store = &s3Store{client: o.S3, bucket: o.StateBucket}
	} else {
		n.store = newMemStore()
	}
	switch s.Mode() {
	case "bot":
		n.send = newBotSender(s, hc)
	case "webhook":
		n.send = &webhookSender{url: s.WebhookURL.Reveal(), hc: hc}
	default:
		n.send = &logSender{log: n.log}
	}
	n.red = newRedactor(s.BotToken, s.WebhookURL)
	return n, nil
}

func firstPositive(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (n *Notifier) now() time.Time { return n.opts.Now().UTC() }

// Notify alerts on the findings of one log object: it posts an incident's
// first message once, however many invocations report it at the same
// time, and updates it with later evidence (chat.update with a bot token;
// with a webhook or the log, at most one new message per cooldown). The
// same origin reported again adds nothing.
//
// It returns an error when an alert it was responsible for could not be
// delivered, or when an incident's first message was being posted by
// another invocation and was not confirmed before ctx ended: the caller
// should retry the object, which de-duplication makes safe. Without Slack
// configured it logs the alerts and returns nil.
func (n *Notifier) Notify(ctx context.Context, origin Origin, findings []detectors.Finding) error {
	var errs []error
	for _, f := range findings {
		if n.opts.MinSeverity != "" && f.Severity.Rank() < n.opts.MinSeverity.Rank() {
			continue
		}
		if f.Key == "" {
			f.Key = detectors.FindingKey(f.Rule, f.DistributionID, f.Host, f.Group)
		}
		if err := n.notify(ctx, origin, f); err != nil {
			errs = append(errs, fmt.Errorf("alert %s: %w", plain(f.Key, 400), err))
		}
	}
	return errors.Join(errs...)
}

// maxPasses bounds the read-decide-write passes of one finding: each lost
// conditional write or wait for another invocation is one pass.
const maxPasses = 1000

// notify handles one finding. Each pass reads the incident state, decides,
// and writes with a conditional write; a lost write starts a new pass.
func (n *Notifier) notify(ctx context.Context, origin Origin, f detectors.Finding) error {
	ikey, err := n.incidentFor(ctx, f)
	if err != nil {
		return err
	}
	if err := n.link(ctx, ikey, f); err != nil {
		return err
	}
	key := stateKey(n.prefix, ikey)
	oid := originID(origin)
	owner := newOwner()
	w := waiter{n: n}
	for pass := 0; ; pass++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("incident state %s: %w", n.store.where(key), err)
		}
		if pass == maxPasses {
			return fmt.Errorf("incident state %s: still changing after %d attempts", n.store.where(key), maxPasses)
		}
		cur, etag, err := n.load(ctx, key)
		if err != nil {
			return err
		}
		now := n.now()
		if cur != nil && cur.hasOrigin(oid) {
			// Replayed origin: nothing to merge, but an undelivered alert is
			// still this caller's to deliver.
			switch {
			case cur.leasedByOther(owner, now):
				if cur.PostedAt.IsZero() && cur.open() {
					if err := w.wait(ctx, key); err != nil {
						return err
					}
					continue
				}
				return nil
			case n.needsDelivery(cur, now):
				next := cur.clone()
				next.Lease = &lease{Owner: owner, Until: now.Add(n.lease)}
				newTag, err := n.store.put(ctx, key, next.encode(), etag)
				if errors.Is(err, errConflict) {
					continue
				}
				if err != nil {
					return err
				}
				return n.deliver(ctx, key, next, newTag, owner)
			}
			n.log.Debug("alert: origin already counted", "key", plain(f.Key, 400), "origin", plain(origin.Key, 400))
			return nil
		}

		var next *incident
		switch {
		case cur == nil:
			next = newIncident(ikey, 1, nil, now)
		case cur.Status == stateResolved:
			next = newIncident(ikey, cur.Generation+1, cur.Origins, now)
		case cur.Status == stateResolving || n.startsNew(cur, f, now):
			// The open incident has been quiet for the cooldown (or is being
			// resolved): it is resolved first, then f starts the next one.
			if cur.leasedByOther(owner, now) {
				if err := w.wait(ctx, key); err != nil {
					return err
				}
				continue
			}
			if err := n.resolve(ctx, key, cur, etag, owner); err != nil {
				return err
			}
			continue
		default:
			next = cur.clone()
		}
		next.merge(f, oid, LogSource(origin), now)

		if next.leasedByOther(owner, now) {
			// Someone is talking to Slack about this incident: leave the
			// evidence for them (they update the message before letting
			// go), and wait only when the first message is not out yet.
			if _, err := n.store.put(ctx, key, next.encode(), etag); err != nil {
				if errors.Is(err, errConflict) {
					continue
				}
				return err
			}
			if next.PostedAt.IsZero() {
				if err := w.wait(ctx, key); err != nil {
					return err
				}
				continue
			}
			return nil
		}
		if !n.needsDelivery(next, now) {
			// A webhook or the log within the cooldown: recorded, shown by
			// a later message.
			if _, err := n.store.put(ctx, key, next.encode(), etag); err != nil {
				if errors.Is(err, errConflict) {
					continue
				}
				return err
			}
			return nil
		}
		next.Lease = &lease{Owner: owner, Until: now.Add(n.lease)}
		newTag, err := n.store.put(ctx, key, next.encode(), etag)
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return err
		}
		return n.deliver(ctx, key, next, newTag, owner)
	}
}

// startsNew reports whether finding f opens a new incident instead of
// joining the open one cur: cur has been quiet for the cooldown, or f's
// failures began more than the cooldown after cur's last (logs replayed
// long after the fact).
func (n *Notifier) startsNew(cur *incident, f detectors.Finding, now time.Time) bool {
	if !cur.open() {
		return false
	}
	if cur.quiet(now, n.cooldown) {
		return true
	}
	return !cur.Finding.LastSeen.IsZero() && f.FirstSeen.After(cur.Finding.LastSeen.Add(n.cooldown))
}

// needsDelivery reports whether an open incident has something to send:
// its first message, or evidence the channel does not show yet (a webhook
// or the log at most once per cooldown).
func (n *Notifier) needsDelivery(st *incident, now time.Time) bool {
	if st.Status != stateOpen && st.Status != stateResolving {
		return false
	}
	if st.PostedAt.IsZero() {
		return true
	}
	if st.Shown >= st.Version {
		return false
	}
	return n.send.editable() || !now.Before(st.LastPostAt.Add(n.cooldown))
}

// load reads an incident's state; nil when there is none.
func (n *Notifier) load(ctx context.Context, key string) (*incident, string, error) {
	data, etag, err := n.store.get(ctx, key)
	if errors.Is(err, errNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("incident state: %w", err)
	}
	st, err := decodeIncident(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", n.store.where(key), err)
	}
	return st, etag, nil
}

func newOwner() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// waiter waits, with growing pauses, for an incident that another
// invocation holds.
type waiter struct {
	n     *Notifier
	pause time.Duration
}

func (w *waiter) wait(ctx context.Context, key string) error {
	switch {
	case w.pause == 0:
		w.pause = 50 * time.Millisecond
	case w.pause < 2*time.Second:
		w.pause *= 2
	}
	if err := w.n.opts.Sleep(ctx, w.pause); err != nil {
		return fmt.Errorf("incident %s: another invocation is posting its alert and did not finish before this one had to stop: %w", w.n.store.where(key), err)
	}
	return nil
}

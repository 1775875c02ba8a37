package alert

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// leaseMargin is kept between the end of Slack calls and the end of the
// lease, for writing down what was sent.
const leaseMargin = 10 * time.Second

// errLeaseLost means another invocation took over an incident whose lease
// had expired.
var errLeaseLost = errors.New("lease on the incident expired and was taken over")

// deliver sends what the incident needs, holding its lease: the first
// message, then an update for evidence merged meanwhile, recording each
// step; it lets the lease go once the channel shows all the evidence, or
// on failure, which it returns.
func (n *Notifier) deliver(ctx context.Context, key string, st *incident, etag, owner string) error {
	sctx, cancel := n.slackContext(ctx)
	defer cancel()
	for {
		now := n.now()
		if !n.needsDelivery(st, now) {
			_, _, err := n.commit(ctx, key, st, etag, owner, func(x *incident) { x.Lease, x.LastError = nil, "" })
			if errors.Is(err, errRecheck) {
				st, etag, err = n.reloadOwned(ctx, key, owner)
				if err == nil {
					continue
				}
			}
			return n.leaseErr(key, err)
		}
		shown := st.Version
		var apply func(*incident)
		var err error
		first := st.PostedAt.IsZero()
		switch {
		case first:
			var ref msgRef
			ref, err = n.post(sctx, st, n.render(st, kindNew))
			apply = func(x *incident) {
				x.Channel, x.TS, x.PostedAt, x.LastPostAt, x.Shown = ref.channel, ref.ts, now, now, shown
			}
		case n.send.editable():
			err = n.update(sctx, st, n.render(st, kindUpdate))
			var de *DeliveryError
			if errors.As(err, &de) && messageGone(de.Code) {
				// Deleted or no longer editable: post a new message.
				n.log.Warn("alert: the incident's Slack message cannot be updated; posting a new one", "key", plain(st.Key, 400), "slack_error", de.Code)
				var ref msgRef
				ref, err = n.post(sctx, st, n.render(st, kindNew))
				apply = func(x *incident) { x.Channel, x.TS, x.LastPostAt, x.Shown = ref.channel, ref.ts, now, shown }
			} else {
				apply = func(x *incident) { x.LastPostAt, x.Shown = now, shown }
			}
		default:
			_, err = n.post(sctx, st, n.render(st, kindUpdate))
			apply = func(x *incident) { x.LastPostAt, x.Shown = now, shown }
		}
		if err != nil {
			n.giveUp(ctx, key, st, etag, owner, err, nil)
			return err
		}
		st, etag, err = n.commit(ctx, key, st, etag, owner, func(x *incident) {
			apply(x)
			x.Lease.Until = n.now().Add(n.lease)
		})
		if err != nil {
			return n.leaseErr(key, err)
		}
		if first && n.opts.OnPosted != nil {
			n.opts.OnPosted(ctx, st.Finding, now)
		}
	}
}

// resolve posts the resolution of an open incident that has been quiet
// for the cooldown (a thread reply and the original marked resolved with a
// bot; a new message with a webhook or the log), and records it. It takes
// the incident's lease with a conditional write on etag; when that loses,
// it returns nil and the caller reads the state again.
func (n *Notifier) resolve(ctx context.Context, key string, cur *incident, etag, owner string) error {
	now := n.now()
	st := cur.clone()
	st.Status = stateResolving
	st.Lease = &lease{Owner: owner, Until: now.Add(n.lease)}
	etag, err := n.store.put(ctx, key, st.encode(), etag)
	if errors.Is(err, errConflict) {
		return nil
	}
	if err != nil {
		return err
	}
	sctx, cancel := n.slackContext(ctx)
	defer cancel()
	m := n.render(st, kindResolved)
	m.mc.Resolved = now
	m.text, m.blocks = Fallback(st.Finding, m.mc), Blocks(st.Finding, m.mc)
	if st.PostedAt.IsZero() || !n.send.editable() {
		_, err = n.post(sctx, st, m)
	} else {
		reply := message{kind: kindResolved, text: resolvedReply(st.Finding, m.mc), thread: st.TS, finding: st.Finding, mc: m.mc}
		if _, err = n.post(sctx, st, reply); err == nil {
			// The reply is what matters; marking the original is a nicety.
			if uerr := n.update(sctx, st, m); uerr != nil {
				n.log.Warn("alert: incident resolved, but its message could not be marked resolved", "key", plain(st.Key, 400), "err", uerr.Error())
			}
		}
	}
	if err != nil {
		n.giveUp(ctx, key, st, etag, owner, err, func(x *incident) { x.Status = stateOpen })
		return err
	}
	_, _, err = n.commit(ctx, key, st, etag, owner, func(x *incident) {
		x.Status, x.ResolvedAt, x.Lease, x.LastError = stateResolved, now, nil, ""
		x.Shown, x.LastPostAt = x.Version, now
		if x.PostedAt.IsZero() {
			x.PostedAt = now
		}
	})
	if err == nil {
		n.log.Info("alert: incident resolved", "key", plain(st.Key, 400), "generation", st.Generation, "files", st.Files)
	}
	return n.leaseErr(key, err)
}

// Sweep resolves the incidents that have been quiet for the cooldown, and
// delivers what earlier invocations could not (an alert whose post failed,
// evidence a webhook was holding back). Call it at the end of each Lambda
// invocation; each incident is handled by one caller at a time, so
// concurrent sweeps post each resolution once.
func (n *Notifier) Sweep(ctx context.Context) error {
	objs, err := n.store.list(ctx, n.prefix+"incidents/")
	if err != nil {
		return fmt.Errorf("alert sweep: %w", err)
	}
	var errs []error
	for _, o := range objs {
		if n.knownResolved(o.key, o.etag) {
			continue
		}
		if err := n.sweepOne(ctx, o.key); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("alert sweep: %w", err)
	}
	return nil
}

func (n *Notifier) sweepOne(ctx context.Context, key string) error {
	st, etag, err := n.load(ctx, key)
	if err != nil || st == nil {
		return err
	}
	now := n.now()
	switch {
	case st.Status == stateResolved:
		n.rememberResolved(key, etag)
		return nil
	case st.leasedByOther("", now):
		return nil
	case st.quiet(now, n.cooldown):
		return n.resolve(ctx, key, st, etag, newOwner())
	case n.needsDelivery(st, now):
		owner := newOwner()
		next := st.clone()
		next.Lease = &lease{Owner: owner, Until: now.Add(n.lease)}
		newTag, err := n.store.put(ctx, key, next.encode(), etag)
		if errors.Is(err, errConflict) {
			return nil // someone else is on it
		}
		if err != nil {
			return err
		}
		return n.deliver(ctx, key, next, newTag, owner)
	}
	return nil
}

func (n *Notifier) knownResolved(key, etag string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return etag != "" && n.resolved[key] == etag
}

func (n *Notifier) rememberResolved(key, etag string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.resolved[key] = etag
}

// errRecheck asks the caller of commit to read the state again.
var errRecheck = errors.New("incident state changed: read it again")

// commit writes apply(st) with a conditional write on etag. When the
// write loses, it reads the state again and, if the lease is still
// owner's, applies the same change to it and retries (others only merge
// evidence while the lease is held); if the lease was taken over it
// returns errLeaseLost. Releasing the lease (apply clears Lease) on state
// that gained evidence meanwhile returns errRecheck instead, so that the
// holder first shows that evidence.
func (n *Notifier) commit(ctx context.Context, key string, st *incident, etag, owner string, apply func(*incident)) (*incident, string, error) {
	for {
		next := st.clone()
		apply(next)
		newTag, err := n.store.put(ctx, key, next.encode(), etag)
		if err == nil {
			return next, newTag, nil
		}
		if !errors.Is(err, errConflict) {
			return nil, "", err
		}
		fresh, freshTag, err := n.reloadOwned(ctx, key, owner)
		if err != nil {
			return nil, "", err
		}
		if next.Lease == nil && fresh.Version != st.Version {
			return nil, "", errRecheck
		}
		st, etag = fresh, freshTag
	}
}

// reloadOwned reads the state again and checks that owner still holds it.
func (n *Notifier) reloadOwned(ctx context.Context, key, owner string) (*incident, string, error) {
	st, etag, err := n.load(ctx, key)
	if err != nil {
		return nil, "", err
	}
	if st == nil || !st.ownedBy(owner) {
		return nil, "", errLeaseLost
	}
	return st, etag, nil
}

// leaseErr turns a lost lease into a warning: the invocation that took
// over sends what is left.
func (n *Notifier) leaseErr(key string, err error) error {
	if errors.Is(err, errLeaseLost) {
		n.log.Warn("alert: the incident was taken over by another invocation after this one's lease expired", "state", n.store.where(key))
		return nil
	}
	return err
}

// giveUp records a delivery failure and lets the lease go, so that a retry
// (or the next Sweep) can deliver; also applies undo. It uses a context of
// its own: the caller's may be what ran out.
func (n *Notifier) giveUp(ctx context.Context, key string, st *incident, etag, owner string, sendErr error, undo func(*incident)) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for {
		_, _, err := n.commit(ctx, key, st, etag, owner, func(x *incident) {
			x.Lease, x.LastError = nil, sendErr.Error()
			if undo != nil {
				undo(x)
			}
		})
		if errors.Is(err, errRecheck) {
			if st, etag, err = n.reloadOwned(ctx, key, owner); err == nil {
				continue
			}
		}
		if err != nil && !errors.Is(err, errLeaseLost) {
			n.log.Error("alert: could not release the incident after a failed delivery; it is retried when the lease expires",
				"state", n.store.where(key), "lease", n.lease.String(), "err", err.Error())
		}
		return
	}
}

// slackContext bounds Slack calls by the lease, so that the holder stops
// before another invocation may take over.
func (n *Notifier) slackContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, n.lease-leaseMargin)
}

// render builds an incident's message of the given kind.
func (n *Notifier) render(st *incident, kind string) message {
	mc := MessageContext{
		Status:        StatusOpen,
		Files:         st.Files,
		Cooldown:      n.cooldown,
		ReportSources: n.opts.LogSources,
		Dataset:       n.opts.DatasetLocation,
		Table:         n.opts.AthenaTable,
		IgnorePaths:   n.opts.IgnorePaths,
	}
	if len(mc.ReportSources) == 0 && st.Source != "" {
		mc.ReportSources = []string{st.Source}
	}
	if st.Files > 1 {
		mc.Updated = st.UpdatedAt
	}
	switch kind {
	case kindUpdate:
		mc.Ongoing = !n.send.editable()
	case kindResolved:
		mc.Status = StatusResolved
	}
	f := st.Finding
	return message{kind: kind, text: Fallback(f, mc), blocks: Blocks(f, mc), finding: f, mc: mc}
}

// post and update call Slack with retries (see call).
func (n *Notifier) post(ctx context.Context, st *incident, m message) (msgRef, error) {
	var ref msgRef
	err := n.call(ctx, n.send.postOp(), st.Key, func(ctx context.Context) error {
		var err error
		ref, err = n.send.post(ctx, m)
		return err
	})
	return ref, err
}

func (n *Notifier) update(ctx context.Context, st *incident, m message) error {
	ref := msgRef{channel: st.Channel, ts: st.TS}
	return n.call(ctx, opUpdate, st.Key, func(ctx context.Context) error { return n.send.update(ctx, ref, m) })
}

// call runs one Slack call: it waits out rate limits (Retry-After) while
// the context's deadline allows, retries 5xx and network errors
// MaxRetries times with a doubling backoff, and does not retry Slack's
// ok:false errors. A failure comes back as a *DeliveryError, and one that
// a person must fix is logged naming the setting.
func (n *Notifier) call(ctx context.Context, op, incidentKey string, fn func(context.Context) error) error {
	backoff := n.opts.Backoff
	retries, rateWaits := 0, 0
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		f := classify(err, n.red)
		wait := backoff
		switch {
		case !f.retryable:
		case f.code == "canceled":
		case f.code == "rate_limited":
			if f.retryAfter > 0 {
				wait = f.retryAfter
			}
			rateWaits++
			if rateWaits > 5 {
				f.detail = "still rate limited after 5 waits"
				return n.deliveryError(op, incidentKey, f, attempt)
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				f.detail = fmt.Sprintf("Retry-After %s is beyond the time left", wait)
				return n.deliveryError(op, incidentKey, f, attempt)
			}
			n.log.Warn("alert: Slack rate limit, waiting", "op", op, "retry_after", wait.String())
			if err := n.opts.Sleep(ctx, wait); err != nil {
				return n.deliveryError(op, incidentKey, classify(err, n.red), attempt)
			}
			continue
		case retries < n.opts.MaxRetries:
			retries++
			backoff *= 2
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				return n.deliveryError(op, incidentKey, f, attempt)
			}
			n.log.Warn("alert: Slack call failed, retrying", "op", op, "slack_error", f.code, "attempt", attempt, "backoff", wait.String())
			if err := n.opts.Sleep(ctx, wait); err != nil {
				return n.deliveryError(op, incidentKey, classify(err, n.red), attempt)
			}
			continue
		}
		return n.deliveryError(op, incidentKey, f, attempt)
	}
}

func (n *Notifier) deliveryError(op, incidentKey string, f failure, attempts int) *DeliveryError {
	setting, what := hint(op, f.code, n.settings)
	e := &DeliveryError{Op: op, Code: f.code, Setting: setting, Hint: what, Attempts: attempts, Retryable: f.retryable, detail: f.detail}
	if messageGone(f.code) {
		return e // handled by the caller: a new message is posted
	}
	attrs := []any{"op", op, "slack_error", f.code, "attempts", attempts, "incident", plain(incidentKey, 400), "retryable", f.retryable}
	if setting != "" {
		attrs = append(attrs, "setting", setting)
	}
	if what != "" {
		attrs = append(attrs, "fix", what)
	}
	if f.detail != "" {
		attrs = append(attrs, "detail", f.detail)
	}
	n.log.Error("Slack alert not delivered", attrs...)
	return e
}

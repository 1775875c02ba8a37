package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cfwatch/cfwatch/detectors"
)

// One cause, one message.
//
// The detectors fold the findings of one cause into one
// (detectors.Finding.Related), and which of them leads can change from one
// log file to the next: the session endpoint in one, the callback in the
// next. So that a cause stays one Slack message across invocations, a
// finding joins the open incident of its own key, else of a key folded into
// it, else the incident, not resolved, that an earlier folded finding
// linked one of these keys to (an alias object,
// <prefix>aliases/<sha256(key)>.json, naming the incident's key; written
// before the incident, so that invocations starting one cause at once
// mostly agree on its key). Evidence of a finding that leads under another key than
// the incident's is merged as related evidence (incident.merge).

// aliasObject is the content of an alias.
type aliasObject struct {
	Incident string `json:"incident"` // the incident's finding key
}

// aliasKey is where a finding key's alias lives.
func aliasKey(prefix, findingKey string) string {
	sum := sha256.Sum256([]byte(findingKey))
	return prefix + "aliases/" + hex.EncodeToString(sum[:]) + ".json"
}

// incidentFor returns the finding key of the incident f's evidence joins.
func (n *Notifier) incidentFor(ctx context.Context, f detectors.Finding) (string, error) {
	keys := append([]string{f.Key}, f.RelatedKeys()...)
	for _, k := range keys {
		if open, err := n.isOpen(ctx, k); err != nil || open {
			return k, err
		}
	}
	for _, k := range keys {
		target, _, err := n.alias(ctx, k)
		if err != nil {
			return "", err
		}
		if target == "" || target == k {
			continue
		}
		// An incident not yet written is one another invocation is
		// starting for the same cause: join it too.
		st, _, err := n.load(ctx, stateKey(n.prefix, target))
		if err != nil {
			return "", err
		}
		if st == nil || st.Status != stateResolved {
			return target, nil
		}
	}
	return f.Key, nil
}

// isOpen reports whether finding key k has an incident not yet resolved.
func (n *Notifier) isOpen(ctx context.Context, k string) (bool, error) {
	st, _, err := n.load(ctx, stateKey(n.prefix, k))
	return st != nil && st.Status != stateResolved, err
}

// alias returns the incident key k is linked to ("" for none) and the
// alias object's ETag.
func (n *Notifier) alias(ctx context.Context, k string) (string, string, error) {
	key := aliasKey(n.prefix, k)
	data, etag, err := n.store.get(ctx, key)
	if errors.Is(err, errNotFound) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("incident alias: %w", err)
	}
	var a aliasObject
	if err := json.Unmarshal(data, &a); err != nil {
		return "", "", fmt.Errorf("%s: %w", n.store.where(key), err)
	}
	return a.Incident, etag, nil
}

// link points the keys of f and of the findings folded into it, but the
// incident's own, at the incident ikey, so that a later file in which one
// of them leads, or stands alone, joins it.
func (n *Notifier) link(ctx context.Context, ikey string, f detectors.Finding) error {
	data, _ := json.Marshal(aliasObject{Incident: ikey}) // plain data: cannot fail
	for _, k := range append([]string{f.Key}, f.RelatedKeys()...) {
		if k == ikey {
			continue
		}
		for attempt := 0; ; attempt++ {
			cur, etag, err := n.alias(ctx, k)
			if err != nil {
				return err
			}
			if cur == ikey {
				break
			}
			_, err = n.store.put(ctx, aliasKey(n.prefix, k), data, etag)
			if err == nil {
				break
			}
			if !errors.Is(err, errConflict) || attempt == 3 {
				return fmt.Errorf("incident alias %s: %w", n.store.where(aliasKey(n.prefix, k)), err)
			}
		}
	}
	return nil
}

package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
)

// Incident states stored in Incident.Status.
const (
	stateOpen      = "open"      // failures reported; a message exists once PostedAt is set
	stateResolving = "resolving" // the lease holder is posting the resolution
	stateResolved  = "resolved"  // quiet for the cooldown; resolution posted
)

// Bounds of an incident's state.
const (
	maxOrigins  = 2000 // origins remembered per key; the oldest are dropped
	maxPaths    = 10   // as detectors keep
	maxExamples = 5
)

// incident is the state object of one finding key, at
// <prefix>incidents/<sha256(key)>.json. Only the lease holder talks to
// Slack about the incident and changes Channel, TS, PostedAt, LastPostAt,
// Shown and Status; anyone may merge evidence (Finding, Files, Version,
// Origins, UpdatedAt) with a conditional write.
type incident struct {
	Key        string `json:"key"`
	Generation int    `json:"generation"` // 1 for the key's first incident, +1 for each after a resolution
	Status     string `json:"status"`

	Channel    string    `json:"channel,omitempty"`     // channel ID Slack answered with (bot)
	TS         string    `json:"ts,omitempty"`          // the message, root of its thread (bot)
	PostedAt   time.Time `json:"posted_at,omitzero"`    // the first message was delivered
	LastPostAt time.Time `json:"last_post_at,omitzero"` // the last message posted or updated
	OpenedAt   time.Time `json:"opened_at"`
	UpdatedAt  time.Time `json:"updated_at"` // last new evidence
	ResolvedAt time.Time `json:"resolved_at,omitzero"`

	// Finding merges the evidence of every origin: counts and
	// denominators summed, first/last seen widened, paths and examples
	// united, the cause and remedy of the latest.
	Finding detectors.Finding `json:"finding"`
	Files   int               `json:"files"` // origins merged into this incident
	// Source is where the raw logs are, from the first origin (LogSource).
	Source  string `json:"source,omitempty"`
	Version int    `json:"version"` // evidence merges so far
	Shown   int    `json:"shown"`   // the Version the channel shows

	// Origins are the IDs (see originID) of the log objects already
	// counted, oldest first, across generations.
	Origins []string `json:"origins"`

	Lease     *lease `json:"lease,omitempty"`
	LastError string `json:"last_error,omitempty"` // the last delivery failure, for operators
}

type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

func decodeIncident(data []byte) (*incident, error) {
	var st incident
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("incident state: %w", err)
	}
	return &st, nil
}

func (st *incident) encode() []byte {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("alert: encoding incident state: %v", err)) // plain data: cannot fail
	}
	return b
}

func (st *incident) clone() *incident {
	c := *st
	c.Origins = slices.Clone(st.Origins)
	c.Finding = cloneFinding(st.Finding)
	if st.Lease != nil {
		l := *st.Lease
		c.Lease = &l
	}
	return &c
}

func cloneFinding(f detectors.Finding) detectors.Finding {
	f.Paths = slices.Clone(f.Paths)
	f.Examples = slices.Clone(f.Examples)
	f.Related = slices.Clone(f.Related)
	if f.Evidence != nil {
		m := make(map[string]int64, len(f.Evidence))
		for k, v := range f.Evidence {
			m[k] = v
		}
		f.Evidence = m
	}
	return f
}

// stateKey is where a finding key's state lives.
func stateKey(prefix, findingKey string) string {
	sum := sha256.Sum256([]byte(findingKey))
	return prefix + "incidents/" + hex.EncodeToString(sum[:]) + ".json"
}

// originID identifies an origin: its caller-given ID, else its bucket, key
// and ETag, hashed to bound the state's size.
func originID(o Origin) string {
	src := "s3\x00" + o.Bucket + "\x00" + o.Key + "\x00" + o.ETag
	if o.ID != "" {
		src = "id\x00" + o.ID
	}
	sum := sha256.Sum256([]byte(src))
	return hex.EncodeToString(sum[:12])
}

func (st *incident) hasOrigin(id string) bool { return slices.Contains(st.Origins, id) }

// leasedByOther reports a live lease held by someone else.
func (st *incident) leasedByOther(owner string, now time.Time) bool {
	return st.Lease != nil && st.Lease.Owner != owner && st.Lease.Until.After(now)
}

func (st *incident) ownedBy(owner string) bool { return st.Lease != nil && st.Lease.Owner == owner }

// open reports an incident that is not resolved (a resolution whose
// holder died counts as open until it is retried).
func (st *incident) open() bool { return st.Status != stateResolved }

// lastActive is the later of the last failing request and the last new
// evidence.
func (st *incident) lastActive() time.Time {
	if st.Finding.LastSeen.After(st.UpdatedAt) {
		return st.Finding.LastSeen
	}
	return st.UpdatedAt
}

// quiet reports an open incident without new failures for the cooldown.
func (st *incident) quiet(now time.Time, cooldown time.Duration) bool {
	return st.open() && !now.Before(st.lastActive().Add(cooldown))
}

// newIncident starts generation gen of key, remembering the origins of the
// previous generations (a replayed file of a resolved incident must not
// start a new one).
func newIncident(key string, gen int, origins []string, now time.Time) *incident {
	return &incident{Key: key, Generation: gen, Status: stateOpen, OpenedAt: now, UpdatedAt: now, Origins: slices.Clone(origins)}
}

// merge adds one origin's finding to the incident; source is where the
// origin's logs are.
func (st *incident) merge(f detectors.Finding, origin, source string, now time.Time) {
	if st.Source == "" {
		st.Source = source
	}
	switch m := &st.Finding; {
	case st.Files == 0:
		st.Finding = cloneFinding(f)
	case f.Key != m.Key:
		// A finding folded into this incident's in an earlier file (or
		// taking it in now) leads in this one: its evidence is related
		// evidence, the incident keeps its own key and figures.
		m.MergeOther(&f)
	default:
		m.Count += f.Count
		m.Denominator += f.Denominator
		if f.DenominatorLabel != "" {
			m.DenominatorLabel = f.DenominatorLabel
		}
		if !f.FirstSeen.IsZero() && (m.FirstSeen.IsZero() || f.FirstSeen.Before(m.FirstSeen)) {
			m.FirstSeen = f.FirstSeen
		}
		if f.LastSeen.After(m.LastSeen) {
			m.LastSeen = f.LastSeen
		}
		m.Paths = union(m.Paths, f.Paths, maxPaths)
		m.Examples = union(m.Examples, f.Examples, maxExamples)
		// Distinct clients cannot be united across files: the largest
		// count is a lower bound.
		m.Clients = max(m.Clients, f.Clients)
		m.ClientsCapped = true
		if f.Severity.Rank() > m.Severity.Rank() {
			m.Severity = f.Severity
		}
		if f.Cause != "" {
			m.Cause, m.Remedy = f.Cause, f.Remedy
		}
		for k, v := range f.Evidence {
			if m.Evidence == nil {
				m.Evidence = make(map[string]int64)
			}
			m.Evidence[k] += v
		}
		for _, r := range f.Related {
			m.AddRelated(r)
		}
	}
	st.Files++
	st.Version++
	st.UpdatedAt = now
	st.Origins = append(st.Origins, origin)
	if n := len(st.Origins) - maxOrigins; n > 0 {
		st.Origins = slices.Delete(st.Origins, 0, n)
	}
}

func union(a, b []string, limit int) []string {
	for _, v := range b {
		if len(a) >= limit {
			break
		}
		if !slices.Contains(a, v) {
			a = append(a, v)
		}
	}
	return a
}

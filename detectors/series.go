package detectors

import (
	"maps"
	"math"
	"net/netip"
	"slices"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// How a rule's failures are counted and judged.
//
// Every rule keeps, per (distribution, host, group), a series: a ring of
// time buckets (one Window each) holding the rule's denominator, its
// failures and a few rule-specific counters. A bucket leaves the ring once
// no record can still land in it and every run of buckets starting there has
// been judged: it is then folded into the series' accumulator, into an
// episode when a burst covered it and into the baseline otherwise. Memory is
// the ring plus a bounded accumulator, whatever the input size.
//
// A burst is a run of at most Lookback/Window consecutive buckets, starting
// with a bucket that has failures, whose failures reach the rule's Threshold
// (MinCount and MinRate of the run's requests). Runs are judged from each
// bucket with failures, shortest first; in the shortest run that qualifies,
// the buckets that fail at MinRate or more themselves are marked (the others
// are the baseline the burst stands out from). A busy site is thus judged
// bucket by bucket, and a quiet one over up to Lookback, without counting a
// request twice.

// numEv is the number of rule-specific counters per bucket (rule.evidence
// names them, each rule file defines its own).
const numEv = 6

const (
	maxExamples = 5  // request IDs per finding (and per bucket)
	maxPaths    = 10 // paths per finding
	bucketPaths = 4  // paths kept per bucket
	maxEpisodes = 32 // separate bursts kept per series; closer ones merge beyond
)

// noBucket marks an unused ring slot.
const noBucket = math.MinInt64

// newRing returns k unused buckets.
func newRing(k int) []bucket {
	r := make([]bucket, k)
	for i := range r {
		r[i].idx = noBucket
	}
	return r
}

// bucket holds one Window of a series.
type bucket struct {
	idx         int64 // Window number: record time / Window; noBucket when unused
	n, fail     int64 // denominator, failures
	first, last int64 // Unix ns of the first and last failure
	ev          [numEv]int64
	nex, npath  uint8
	ex          [maxExamples]string // request IDs of the first failures
	paths       [bucketPaths]string // distinct failing paths
}

// episode is a burst: consecutive marked buckets (gaps shorter than the
// lookback do not split it).
type episode struct {
	from, to    int64 // bucket indexes
	first, last int64 // Unix ns of the first and last failure (0: none)
	fail, total int64
	ev          [numEv]int64
}

// accum is what a series keeps of the buckets that left its ring.
type accum struct {
	eps                 []episode
	baseFail, baseTotal int64 // buckets outside bursts: the baseline
	examples            []string
	paths               []string
	clients             map[netip.Addr]struct{}
	clientsCapped       bool
}

func (a *accum) clone() accum {
	c := *a
	c.eps = slices.Clone(a.eps)
	c.examples = slices.Clone(a.examples)
	c.paths = slices.Clone(a.paths)
	c.clients = maps.Clone(a.clients)
	return c
}

func (a *accum) addClient(ip netip.Addr, limit int) {
	if _, ok := a.clients[ip]; ok {
		return
	}
	if len(a.clients) >= limit {
		a.clientsCapped = true
		return
	}
	if a.clients == nil {
		a.clients = make(map[netip.Addr]struct{})
	}
	a.clients[ip] = struct{}{}
}

// series is one rule's counts for one (distribution, host, group).
type series struct {
	rule  *rule
	group string // endpoint group, e.g. "/api/auth/callback/*"
	sub   int    // the rule's own key of the series within its host (origin-errors: API index)
	key   string // the rule's own key (origin-errors: the segment)
	noun  string // what the denominator counts, e.g. "callback requests"
	th    Threshold

	ring    []bucket // Lookback+Reorder buckets, indexed by idx mod len
	newest  int64    // newest bucket index seen
	started bool
	marks   uint64 // ring slots covered by a burst

	// pending maps the clients of failures still in the ring to the ring
	// slots they failed in; they move to acc.clients when their bucket
	// leaves the ring inside a burst.
	pending     map[netip.Addr]uint64
	pendingFull bool

	acc accum
}

func slotOf(idx int64, k int) int {
	m := int(idx % int64(k))
	if m < 0 {
		m += k
	}
	return m
}

// bucket returns the bucket of the record being observed (Window number
// e.bIdx, ring slot e.bSlot), creating it and moving older buckets out of
// the ring as needed. It returns nil for a record more than Reorder behind
// the newest one (it is then only counted by the checks). The common case,
// an existing bucket, costs one comparison.
func (e *Engine) bucket(s *series) *bucket {
	if bk := &s.ring[e.bSlot]; bk.idx == e.bIdx {
		return bk
	}
	return e.bucketSlow(s, e.bIdx)
}

func (e *Engine) bucketSlow(s *series, b int64) *bucket {
	switch {
	case !s.started:
		s.newest, s.started = b, true
	case b > s.newest:
		e.advance(s, b)
	case b < s.newest-e.reorder:
		e.late = true
		return nil
	}
	sl := slotOf(b, e.k)
	bk := &s.ring[sl]
	if bk.idx != b {
		*bk = bucket{idx: b}
		s.marks &^= 1 << sl
	}
	return bk
}

// advance makes b the newest bucket: every bucket that is Lookback+Reorder
// or more behind it is judged and leaves the ring.
func (e *Engine) advance(s *series, b int64) {
	k := int64(e.k)
	for x := s.newest - k + 1; x <= min(b-k, s.newest); x++ {
		if bk := &s.ring[slotOf(x, e.k)]; bk.idx == x {
			e.judge(s, x, &s.marks, &s.acc, true)
		}
	}
	s.newest = b
}

// judge evaluates the runs of buckets starting at x (marking the hot buckets
// of the shortest one that is a burst), folds bucket x into acc and reports
// whether x was part of a burst. live: x leaves the ring (its slot and its
// pending clients are released); otherwise the ring is only read (Findings
// evaluating a copy).
func (e *Engine) judge(s *series, x int64, marks *uint64, acc *accum, live bool) (marked bool) {
	sx := slotOf(x, e.k)
	bk := &s.ring[sx]
	if bk.fail > 0 {
		var fail, n int64
		var ev [numEv]int64
		for y := x; y < x+int64(e.w); y++ {
			by := &s.ring[slotOf(y, e.k)]
			if by.idx != y {
				continue
			}
			fail += by.fail
			n += by.n
			for i := range ev {
				ev[i] += by.ev[i]
			}
			if by.fail > 0 && qualifies(s, fail, n, &ev) {
				// Mark the run's hot buckets, those failing at MinRate or
				// more themselves: the quiet ones are the baseline it
				// stood out from.
				for z := x; z <= y; z++ {
					sz := slotOf(z, e.k)
					if bz := &s.ring[sz]; bz.idx == z && bz.fail > 0 && float64(bz.fail) >= s.th.MinRate*float64(bz.n) {
						*marks |= 1 << sz
					}
				}
				break
			}
		}
	}
	marked = *marks&(1<<sx) != 0
	*marks &^= 1 << sx
	e.fold(bk, marked, acc)
	if live {
		if bk.fail > 0 && len(s.pending) > 0 {
			bit := uint64(1) << sx
			for ip, m := range s.pending {
				if m&bit == 0 {
					continue
				}
				if marked {
					acc.addClient(ip, e.cfg.MaxClients)
				}
				if m &^= bit; m == 0 {
					delete(s.pending, ip)
				} else {
					s.pending[ip] = m
				}
			}
		}
		if marked && s.pendingFull {
			acc.clientsCapped = true
		}
		if len(s.pending) == 0 {
			s.pendingFull = false
		}
		*bk = bucket{idx: noBucket}
	}
	return marked
}

// qualifies reports whether a run of buckets with these sums is a burst.
func qualifies(s *series, fail, n int64, ev *[numEv]int64) bool {
	if fail < s.th.MinCount || float64(fail) < s.th.MinRate*float64(n) {
		return false
	}
	if q := s.rule.qualifies; q != nil {
		return q(s.th, ev)
	}
	return true
}

// fold adds bucket bk to acc: to the current episode (or a new one) if a
// burst covers it, to the baseline otherwise.
func (e *Engine) fold(bk *bucket, marked bool, acc *accum) {
	if !marked {
		acc.baseFail += bk.fail
		acc.baseTotal += bk.n
		return
	}
	var ep *episode
	if n := len(acc.eps); n > 0 && bk.idx-acc.eps[n-1].to <= int64(e.w) {
		ep = &acc.eps[n-1]
		ep.to = bk.idx
	} else {
		if len(acc.eps) == maxEpisodes {
			acc.mergeClosest()
		}
		acc.eps = append(acc.eps, episode{from: bk.idx, to: bk.idx})
		ep = &acc.eps[len(acc.eps)-1]
	}
	ep.fail += bk.fail
	ep.total += bk.n
	for i := range ep.ev {
		ep.ev[i] += bk.ev[i]
	}
	if bk.fail > 0 {
		if ep.first == 0 || bk.first < ep.first {
			ep.first = bk.first
		}
		if bk.last > ep.last {
			ep.last = bk.last
		}
	}
	for i := 0; i < int(bk.nex) && len(acc.examples) < maxExamples; i++ {
		acc.examples = append(acc.examples, bk.ex[i])
	}
	for i := 0; i < int(bk.npath) && len(acc.paths) < maxPaths; i++ {
		if !slices.Contains(acc.paths, bk.paths[i]) {
			acc.paths = append(acc.paths, bk.paths[i])
		}
	}
}

// mergeClosest merges the two consecutive episodes with the smallest gap.
func (a *accum) mergeClosest() {
	best := 0
	for i := 1; i+1 < len(a.eps); i++ {
		if a.eps[i+1].from-a.eps[i].to < a.eps[best+1].from-a.eps[best].to {
			best = i
		}
	}
	x, y := &a.eps[best], a.eps[best+1]
	x.to = y.to
	x.fail += y.fail
	x.total += y.total
	for i := range x.ev {
		x.ev[i] += y.ev[i]
	}
	if y.first != 0 && (x.first == 0 || y.first < x.first) {
		x.first = y.first
	}
	x.last = max(x.last, y.last)
	a.eps = slices.Delete(a.eps, best+1, best+2)
}

// failure records a failing request in bk.
func (e *Engine) failure(s *series, bk *bucket, rec *logparse.Record, path string, t int64) {
	bk.fail++
	if bk.fail == 1 {
		bk.first, bk.last = t, t
	} else {
		bk.first = min(bk.first, t)
		bk.last = max(bk.last, t)
	}
	if int(bk.nex) < maxExamples && rec.RequestID != "" {
		bk.ex[bk.nex] = strings.Clone(rec.RequestID)
		bk.nex++
	}
	if int(bk.npath) < bucketPaths && !slices.Contains(bk.paths[:bk.npath], path) {
		bk.paths[bk.npath] = strings.Clone(path)
		bk.npath++
	}
	if rec.ClientIP.IsValid() {
		bit := uint64(1) << slotOf(bk.idx, e.k)
		if m, ok := s.pending[rec.ClientIP]; ok {
			s.pending[rec.ClientIP] = m | bit
		} else if len(s.pending) < e.cfg.MaxClients {
			if s.pending == nil {
				s.pending = make(map[netip.Addr]uint64)
			}
			s.pending[rec.ClientIP] = bit
		} else {
			s.pendingFull = true
		}
	}
}

// final returns the series' accumulator with the buckets still in the ring
// folded in, leaving the series unchanged.
func (e *Engine) final(s *series) accum {
	acc := s.acc.clone()
	if !s.started {
		return acc
	}
	marks := s.marks
	var burst uint64 // ring slots folded into bursts
	for x := s.newest - int64(e.k) + 1; x <= s.newest; x++ {
		if bk := &s.ring[slotOf(x, e.k)]; bk.idx == x {
			if e.judge(s, x, &marks, &acc, false) {
				burst |= 1 << slotOf(x, e.k)
			}
		}
	}
	// Clients of the remaining buckets that were folded into bursts.
	if burst != 0 {
		for ip, m := range s.pending {
			if m&burst != 0 {
				acc.addClient(ip, e.cfg.MaxClients)
			}
		}
		if s.pendingFull {
			acc.clientsCapped = true
		}
	}
	return acc
}

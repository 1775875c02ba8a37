// Package traffic aggregates access-log records into the traffic picture of a
// time window: requests, bytes, status classes, cache results, and the paths
// that carry the traffic and the errors.
//
// A Summary's memory is bounded: it tracks at most MaxPaths distinct paths
// (the rest are counted under OtherPaths) and MaxResultTypes result types.
package traffic

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/logparse"
)

// Bounds on what a Summary tracks one by one.
const (
	MaxPaths       = 20000
	MaxResultTypes = 32
	// OtherPaths collects the requests of paths beyond MaxPaths.
	OtherPaths = "(other paths)"
	// MaxPathLen bounds a tracked path: a longer one is counted under its
	// first MaxPathLen bytes followed by "…", so that paths near the 1 MiB
	// line limit cannot make a Summary hold gigabytes. CloudFront accepts
	// URLs of at most 8,192 bytes.
	MaxPathLen = 8192
)

// A Summary is the traffic picture of the records added to it. The zero
// value is empty and ready to use.
//
// Values a record holds as unknown (logparse.Record.Invalid: a value that
// could not be read) count as unknown: a request whose status is unknown is
// in no status class but "unknown", and unknown byte counts add nothing.
// Byte totals saturate at math.MaxInt64 rather than wrap.
type Summary struct {
	Requests      int64
	BytesSent     int64
	BytesReceived int64
	First, Last   time.Time

	status        [600]int64        // by code; 000 (no response) is code 0
	otherStatus   int64             // codes outside 0..599
	unknownStatus int64             // no status, or one that could not be read
	results       map[string]*int64 // by pointer: see addResult
	paths         map[string]*PathStats
}

// PathStats is the traffic of one path (cs-uri-stem, as logged).
type PathStats struct {
	Requests  int64
	BytesSent int64
	Errors4xx int64
	Errors5xx int64
	// errStatus counts error codes on this path, to name the most common.
	errStatus map[int]int64
}

// Add counts one record.
func (s *Summary) Add(rec *logparse.Record) {
	s.Requests++
	s.BytesSent = SatAdd(s.BytesSent, rec.BytesSent)
	s.BytesReceived = SatAdd(s.BytesReceived, rec.BytesReceived)
	if s.First.IsZero() || rec.Time.Before(s.First) {
		s.First = rec.Time
	}
	if rec.Time.After(s.Last) {
		s.Last = rec.Time
	}
	switch {
	case !rec.StatusKnown():
		s.unknownStatus++
	case rec.Status >= 0 && rec.Status < len(s.status):
		s.status[rec.Status]++
	default:
		s.otherStatus++
	}
	s.addResult(rec.EdgeResultType, 1)
	p := s.path(rec.URIStem)
	p.Requests++
	p.BytesSent = SatAdd(p.BytesSent, rec.BytesSent)
	switch rec.Status / 100 {
	case 4:
		p.Errors4xx++
		p.countErr(rec.Status, 1)
	case 5:
		p.Errors5xx++
		p.countErr(rec.Status, 1)
	}
}

func (p *PathStats) countErr(code int, n int64) {
	if p.errStatus == nil {
		p.errStatus = make(map[int]int64, 2)
	}
	p.errStatus[code] += n
}

func (s *Summary) addResult(rt string, n int64) {
	if rt == "" {
		rt = "-"
	}
	if s.results == nil {
		s.results = make(map[string]*int64, 8)
	}
	// The counts are updated through pointers, never by assigning to the
	// map: an assignment stores its key anew, and rt is a view of the
	// input's block, which the map would then keep alive (and, were the
	// block ever reused, read changed).
	c, ok := s.results[rt]
	if !ok {
		if len(s.results) >= MaxResultTypes {
			rt = "(other)"
			c = s.results[rt]
		}
		if c == nil {
			c = new(int64)
			s.results[strings.Clone(rt)] = c
		}
	}
	*c += n
}

// path returns the stats of path p, creating them if there is room.
func (s *Summary) path(p string) *PathStats {
	if len(p) > MaxPathLen {
		p = LongPath(p)
	}
	if st, ok := s.paths[p]; ok {
		return st
	}
	if s.paths == nil {
		s.paths = make(map[string]*PathStats, 256)
	}
	if len(s.paths) >= MaxPaths {
		p = OtherPaths
		if st, ok := s.paths[p]; ok {
			return st
		}
	}
	st := &PathStats{}
	s.paths[strings.Clone(p)] = st
	return st
}

// SatAdd returns a+b for non-negative byte counts, or math.MaxInt64 where
// the sum would overflow: a total never wraps around to a small or negative
// number.
func SatAdd(a, b int64) int64 {
	if c := a + b; c >= a || b < 0 {
		return c
	}
	return math.MaxInt64
}

// Merge adds o's counts to s.
func (s *Summary) Merge(o *Summary) {
	s.Requests += o.Requests
	s.BytesSent = SatAdd(s.BytesSent, o.BytesSent)
	s.BytesReceived = SatAdd(s.BytesReceived, o.BytesReceived)
	if !o.First.IsZero() && (s.First.IsZero() || o.First.Before(s.First)) {
		s.First = o.First
	}
	if o.Last.After(s.Last) {
		s.Last = o.Last
	}
	for i, n := range o.status {
		s.status[i] += n
	}
	s.otherStatus += o.otherStatus
	s.unknownStatus += o.unknownStatus
	for _, rt := range sortedKeys(o.results) {
		s.addResult(rt, *o.results[rt])
	}
	for _, p := range sortedKeys(o.paths) {
		src, dst := o.paths[p], s.path(p)
		dst.Requests += src.Requests
		dst.BytesSent = SatAdd(dst.BytesSent, src.BytesSent)
		dst.Errors4xx += src.Errors4xx
		dst.Errors5xx += src.Errors5xx
		for code, n := range src.errStatus {
			dst.countErr(code, n)
		}
	}
}

// StatusCount returns how many responses had the given status code.
func (s *Summary) StatusCount(code int) int64 {
	if code >= 0 && code < len(s.status) {
		return s.status[code]
	}
	return 0
}

// StatusClasses returns the responses per status class: "2xx" … "5xx", and
// "000" for requests that got no response (the viewer went away), "unknown"
// for requests whose status the log did not give or gave unreadably,
// "other" for anything else.
func (s *Summary) StatusClasses() map[string]int64 {
	m := map[string]int64{}
	for code, n := range s.status {
		if n == 0 {
			continue
		}
		switch {
		case code == 0:
			m["000"] += n
		case code >= 100 && code < 600:
			m[string(rune('0'+code/100))+"xx"] += n
		default:
			m["other"] += n
		}
	}
	if s.otherStatus > 0 {
		m["other"] += s.otherStatus
	}
	if s.unknownStatus > 0 {
		m["unknown"] = s.unknownStatus
	}
	return m
}

// A Count is a labelled number.
type Count struct {
	Key string
	N   int64
}

// StatusCodes returns the counts of each status code seen, by code.
func (s *Summary) StatusCodes() []Count {
	var out []Count
	for code, n := range s.status {
		if n > 0 {
			out = append(out, Count{Key: threeDigits(code), N: n})
		}
	}
	return out
}

func threeDigits(code int) string {
	return string([]byte{byte('0' + code/100), byte('0' + code/10%10), byte('0' + code%10)})
}

// ResultTypes returns the counts per x-edge-result-type, most frequent first.
func (s *Summary) ResultTypes() []Count {
	out := make([]Count, 0, len(s.results))
	for k, n := range s.results {
		out = append(out, Count{k, *n})
	}
	sortCounts(out)
	return out
}

// result returns the count of result type rt.
func (s *Summary) result(rt string) int64 {
	if c := s.results[rt]; c != nil {
		return *c
	}
	return 0
}

// CacheHitRatio is the share of cacheable decisions that CloudFront answered
// from cache: (Hit + RefreshHit) / (Hit + RefreshHit + Miss). Errors,
// redirects and the like are not cache decisions. NaN-free: 0 when there were
// none.
func (s *Summary) CacheHitRatio() float64 {
	hits := s.result("Hit") + s.result("RefreshHit")
	total := hits + s.result("Miss")
	if total == 0 {
		return 0
	}
	return float64(hits) / float64(total)
}

// A PathRow is one path's line in a table.
type PathRow struct {
	Path        string
	Requests    int64
	BytesSent   int64
	Errors4xx   int64
	Errors5xx   int64
	TopError    int   // most common error status, 0 if none
	TopErrorHit int64 // how many times it occurred
}

func (s *Summary) row(p string, st *PathStats) PathRow {
	r := PathRow{Path: p, Requests: st.Requests, BytesSent: st.BytesSent, Errors4xx: st.Errors4xx, Errors5xx: st.Errors5xx}
	for code, n := range st.errStatus {
		if n > r.TopErrorHit || (n == r.TopErrorHit && code < r.TopError) {
			r.TopError, r.TopErrorHit = code, n
		}
	}
	return r
}

// TopPaths returns the n paths with the most requests.
func (s *Summary) TopPaths(n int) []PathRow {
	return s.topBy(n, func(st *PathStats) int64 { return st.Requests })
}

// ErrorPaths returns the n paths with the most 4xx and 5xx responses.
func (s *Summary) ErrorPaths(n int) []PathRow {
	return s.topBy(n, func(st *PathStats) int64 { return st.Errors4xx + st.Errors5xx })
}

func (s *Summary) topBy(n int, key func(*PathStats) int64) []PathRow {
	type ranked struct {
		k   int64
		row PathRow
	}
	all := make([]ranked, 0, len(s.paths))
	for p, st := range s.paths {
		if k := key(st); k > 0 {
			all = append(all, ranked{k, s.row(p, st)})
		}
	}
	slices.SortFunc(all, func(a, b ranked) int {
		if c := cmp.Compare(b.k, a.k); c != 0 {
			return c
		}
		return strings.Compare(a.row.Path, b.row.Path)
	})
	rows := make([]PathRow, 0, min(n, len(all)))
	for _, r := range all[:min(n, len(all))] {
		rows = append(rows, r.row)
	}
	return rows
}

// DistinctPaths returns how many paths the summary tracks one by one.
func (s *Summary) DistinctPaths() int { return len(s.paths) }

func sortCounts(c []Count) {
	slices.SortFunc(c, func(a, b Count) int {
		if x := cmp.Compare(b.N, a.N); x != 0 {
			return x
		}
		return strings.Compare(a.Key, b.Key)
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// LongPath returns the key a path longer than MaxPathLen is counted under:
// its first MaxPathLen bytes (cut on a character boundary) and "…".
func LongPath(p string) string {
	if len(p) <= MaxPathLen {
		return p
	}
	n := MaxPathLen
	for n > 0 && !utf8.RuneStart(p[n]) {
		n--
	}
	return p[:n] + "…"
}

// Path returns the row of path p, and false when the summary has no
// request for it (or counts it under OtherPaths).
func (s *Summary) Path(p string) (PathRow, bool) {
	st, ok := s.paths[p]
	if !ok {
		return PathRow{Path: p}, false
	}
	return s.row(p, st), true
}

// Paths returns the row of every path tracked, by path.
func (s *Summary) Paths() []PathRow {
	rows := make([]PathRow, 0, len(s.paths))
	for _, p := range sortedKeys(s.paths) {
		rows = append(rows, s.row(p, s.paths[p]))
	}
	return rows
}

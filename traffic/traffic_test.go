package traffic

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/cfwatch/cfwatch/logparse"
)

func rec(path string, status int, result string, at time.Time) *logparse.Record {
	return &logparse.Record{URIStem: path, Status: status, EdgeResultType: result, Time: at, BytesSent: 100, BytesReceived: 10}
}

func TestSummary(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var s Summary
	s.Add(rec("/", 200, "Hit", t0.Add(time.Minute)))
	s.Add(rec("/", 200, "RefreshHit", t0))
	s.Add(rec("/api/auth/session", 200, "Miss", t0))
	s.Add(rec("/api/auth/session", 403, "Error", t0))
	s.Add(rec("/api/auth/session", 403, "Error", t0))
	s.Add(rec("/api/items", 502, "Error", t0.Add(2*time.Minute)))
	s.Add(parsed(t, "2026-11-20\t10:00:00\t/x\t000\tMiss\t100\t10")[0]) // 000: no response

	if s.Requests != 7 || s.BytesSent != 700 || s.BytesReceived != 70 {
		t.Errorf("totals %+v", s)
	}
	if !s.First.Equal(t0) || !s.Last.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("first %v last %v", s.First, s.Last)
	}
	if got := s.CacheHitRatio(); got != 0.5 { // 2 hits of 2 hits + 2 misses
		t.Errorf("hit ratio %v, want 0.5", got)
	}
	classes := s.StatusClasses()
	if classes["2xx"] != 3 || classes["4xx"] != 2 || classes["5xx"] != 1 || classes["000"] != 1 {
		t.Errorf("classes %v", classes)
	}
	top := s.TopPaths(2)
	if len(top) != 2 || top[0].Path != "/api/auth/session" || top[0].Requests != 3 || top[1].Path != "/" {
		t.Errorf("top paths %+v", top)
	}
	errs := s.ErrorPaths(10)
	if len(errs) != 2 || errs[0].Path != "/api/auth/session" || errs[0].TopError != 403 || errs[0].TopErrorHit != 2 || errs[1].Errors5xx != 1 {
		t.Errorf("error paths %+v", errs)
	}
}

func TestMergeEqualsAddingAll(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var all, a, b Summary
	for i := 0; i < 500; i++ {
		r := rec(fmt.Sprintf("/p%d", i%37), []int{200, 304, 403, 503}[i%4], []string{"Hit", "Miss", "Error"}[i%3], t0.Add(time.Duration(i)*time.Second))
		all.Add(r)
		if i%2 == 0 {
			a.Add(r)
		} else {
			b.Add(r)
		}
	}
	a.Merge(&b)
	if fmt.Sprint(a.TopPaths(50), a.ErrorPaths(50), a.ResultTypes(), a.StatusCodes(), a.Requests, a.First, a.Last) !=
		fmt.Sprint(all.TopPaths(50), all.ErrorPaths(50), all.ResultTypes(), all.StatusCodes(), all.Requests, all.First, all.Last) {
		t.Error("merged summary differs from one fed every record")
	}
}

func TestPathCap(t *testing.T) {
	var s Summary
	for i := 0; i < MaxPaths+100; i++ {
		s.Add(rec(fmt.Sprintf("/scan/%d", i), 404, "Error", time.Time{}))
	}
	if s.DistinctPaths() != MaxPaths+1 {
		t.Errorf("tracked %d paths, want the cap plus %q", s.DistinctPaths(), OtherPaths)
	}
	if top := s.TopPaths(1); top[0].Path != OtherPaths || top[0].Requests != 100 {
		t.Errorf("overflow bucket: %+v", top)
	}
}

// parsed reads log lines of the fields date, time, cs-uri-stem, sc-status,
// x-edge-result-type, sc-bytes and cs-bytes, as a log file gives them.
func parsed(t *testing.T, lines ...string) []*logparse.Record {
	t.Helper()
	in := "#Fields: date time cs-uri-stem sc-status x-edge-result-type sc-bytes cs-bytes\n" + strings.Join(lines, "\n") + "\n"
	r := logparse.NewReader(strings.NewReader(in))
	defer r.Close()
	var recs []*logparse.Record
	for {
		rec := new(logparse.Record)
		err := r.Read(rec)
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

// Values the log gave unreadably are unknown: a bad or missing status is in
// no class but "unknown" (not 2xx, not 000), out-of-range byte counts add
// nothing, and totals never wrap.
func TestUnknownValues(t *testing.T) {
	var s Summary
	for _, rec := range parsed(t,
		"2026-11-20\t10:00:00\t/\t200\tHit\t9223372036854775807\t9223372036854775807", // max-int64 bytes: field errors
		"2026-11-20\t10:00:01\t/\t200\tHit\t9223372036854775807\t1",
		"2026-11-20\t10:00:02\t/\t99999999999\tMiss\t100\t10", // status out of range
		"2026-11-20\t10:00:03\t/\t2x0\tMiss\t100\t10",         // status not a number
		"2026-11-20\t10:00:04\t/\t-\tMiss\t100\t10",           // no status
		"2026-11-20\t10:00:05\t/\t000\tMiss\t100\t10",         // no response: known
	) {
		s.Add(rec)
	}
	classes := s.StatusClasses()
	if fmt.Sprint(classes) != "map[000:1 2xx:2 unknown:3]" {
		t.Errorf("classes %v, want 2 2xx, 1 000 and 3 unknown", classes)
	}
	if s.BytesSent != 400 || s.BytesReceived != 41 {
		t.Errorf("bytes sent %d received %d, want 400 and 41 (unknown values add nothing)", s.BytesSent, s.BytesReceived)
	}
	if got := s.StatusCount(200); got != 2 {
		t.Errorf("200s: %d", got)
	}

	// Sums saturate: records built by hand are not bounded by the parser.
	var big Summary
	for range 3 {
		big.Add(&logparse.Record{URIStem: "/", Status: 200, BytesSent: math.MaxInt64 / 2, BytesReceived: math.MaxInt64})
	}
	if big.BytesSent != math.MaxInt64 || big.BytesReceived != math.MaxInt64 {
		t.Errorf("sums wrapped: sent %d received %d", big.BytesSent, big.BytesReceived)
	}
	if row, _ := big.Path("/"); row.BytesSent != math.MaxInt64 {
		t.Errorf("path bytes wrapped: %d", row.BytesSent)
	}
	var m Summary
	m.Merge(&big)
	m.Merge(&big)
	if m.BytesSent != math.MaxInt64 {
		t.Errorf("merged sums wrapped: %d", m.BytesSent)
	}
}

// A path longer than MaxPathLen is tracked under its prefix: the summary
// does not keep long paths whole.
func TestLongPaths(t *testing.T) {
	var s Summary
	long := "/" + strings.Repeat("a", 1<<20)
	for i := range 50 {
		s.Add(rec(long+fmt.Sprint(i), 404, "Error", time.Time{}))
	}
	rows := s.Paths()
	if len(rows) != 1 || rows[0].Requests != 50 || len(rows[0].Path) > MaxPathLen+len("…") || !strings.HasSuffix(rows[0].Path, "…") {
		t.Fatalf("long paths: %d rows, first %d bytes", len(rows), len(rows[0].Path))
	}
	if got := LongPath("/short"); got != "/short" {
		t.Errorf("LongPath changed a short path: %q", got)
	}
}

// The records' strings are views of the input's blocks: the summary keeps
// none of them, so a block written again after it is counted changes
// nothing (and is not kept alive by the summary).
func TestSummaryKeepsNoViewOfTheInput(t *testing.T) {
	var s Summary
	block := []byte("Hit\t/a")
	at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for range 3 {
		s.Add(rec(unsafe.String(&block[4], 2), 200, unsafe.String(&block[0], 3), at))
	}
	copy(block, "XXXXXX")
	if got := s.ResultTypes(); len(got) != 1 || got[0] != (Count{"Hit", 3}) {
		t.Errorf("result types after the block was written again: %v; want [{Hit 3}]", got)
	}
	if got := s.TopPaths(5); len(got) != 1 || got[0].Path != "/a" {
		t.Errorf("paths after the block was written again: %+v; want /a", got)
	}
}

package traffic

import (
	"fmt"
	"testing"
	"time"

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
	s.Add(rec("/x", 0, "Miss", t0))

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

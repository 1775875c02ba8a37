package alert

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/logparse"
)

// t0 is when the synthetic incidents start.
var t0 = time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)

// burst403 runs the real detectors over a synthetic sign-in outage of
// host: OAuth callbacks answered 403 by the origin from minute start on,
// with NextAuth cookies sent (cookie logging on). It returns the
// auth-403-burst finding.
func burst403(t testing.TB, dist, host string, start time.Duration, seed int) detectors.Finding {
	t.Helper()
	eng, err := detectors.New(detectors.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	rec := func(at time.Duration, method, path, query string, status, client int, cookie string) {
		n++
		result := "Miss"
		if status >= 400 {
			result = "Error"
		}
		r := logparse.Record{
			Time:           t0.Add(at),
			Method:         method,
			Host:           "d111111abcdef8.cloudfront.net",
			HostHeader:     host,
			URIStem:        path,
			Query:          query,
			Status:         status,
			ClientIP:       netip.AddrFrom4([4]byte{198, 51, byte(client >> 8), byte(client)}),
			RequestID:      fmt.Sprintf("Ex4mpl3-%02d-%06d==", seed, n),
			EdgeResultType: result, EdgeResponseResultType: result, EdgeDetailedResultType: result,
			Protocol: "https", ContentType: "application/json", ContentLength: 40,
			TimeToFirstByte: 0.05, Cookie: cookie,
		}
		eng.Observe(&r, dist)
	}
	for i := 0; i < 60; i++ {
		at := start + time.Duration(i)*40*time.Second
		client := seed*100 + i%25
		rec(at, "GET", "/", "", 200, client, "next-auth.session-token=x")
		rec(at+time.Second, "GET", "/api/auth/session", "", 200, client, "next-auth.session-token=x")
		status := 302
		if i%3 != 0 {
			status = 403
		}
		provider := "/api/auth/callback/cognito"
		if i%4 == 0 {
			provider = "/api/auth/callback/google"
		}
		rec(at+2*time.Second, "GET", provider, "code=abc&state=def", status, client, "next-auth.state=x; next-auth.csrf-token=y")
	}
	for _, f := range eng.Findings() {
		if f.Rule == detectors.RuleAuth403Burst {
			return f
		}
	}
	t.Fatalf("no auth-403-burst finding among %d findings", len(eng.Findings()))
	return detectors.Finding{}
}

func newLogger(b *testenv.Buffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// clock is an injectable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock(t time.Time) *clock { return &clock{now: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// sleeps records the waits a Notifier asked for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) All() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

package alert

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/internal/slacktest"
	"github.com/cfwatch/cfwatch/logparse"
)

// originOutage runs the real detectors over an origin that cannot be
// reached (502 OriginConnectError) from minute start on, failing
// fails[path] of every 10 requests to each path: one finding per host, the
// path groups with the same fix folded into the largest.
func originOutage(t *testing.T, start time.Duration, seed int, fails map[string]int) []detectors.Finding {
	t.Helper()
	eng, err := detectors.New(detectors.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := 0; i < 300; i++ {
		at := start + time.Duration(i)*10*time.Second
		for path, k := range fails {
			n++
			status, result := 200, "Miss"
			if i%10 < k {
				status, result = 502, "OriginConnectError"
			}
			r := logparse.Record{Time: t0.Add(at), Method: "GET", Host: "d111111abcdef8.cloudfront.net", HostHeader: "app.example.com",
				URIStem: path, Status: status, ClientIP: netip.AddrFrom4([4]byte{198, 51, byte(seed), byte(i % 40)}),
				RequestID: fmt.Sprintf("Ex4mpl3-%02d-%06d==", seed, n), EdgeResultType: "Error", EdgeResponseResultType: "Error",
				EdgeDetailedResultType: result, Protocol: "https", ContentType: "text/html", TimeToFirstByte: 0.01}
			if status == 200 {
				r.EdgeResultType, r.EdgeResponseResultType = "Miss", "Miss"
			}
			eng.Observe(&r, "E2QWRUHEXAMPLE")
		}
	}
	return eng.Findings()
}

// One cause is one Slack message across Lambda invocations, whichever
// endpoint leads the folded finding in each file: a file where /api/items
// leads with /api/orders folded in, one where /api/orders fails alone, one
// where it leads with /api/items folded in. The incident keeps the first
// key and gathers the others as related evidence.
func TestFoldedFindingOneMessage(t *testing.T) {
	m := miniotest.Start(t)
	m.CreateBucket(t, "state")
	e := newEnv(t)
	ctx := context.Background()
	files := [][]detectors.Finding{
		originOutage(t, 0, 1, map[string]int{"/api/items/1": 6, "/api/orders/1": 4}),
		originOutage(t, 50*time.Minute, 2, map[string]int{"/api/orders/2": 5}),
		originOutage(t, 100*time.Minute, 3, map[string]int{"/api/items/3": 3, "/api/orders/3": 7}),
	}
	const items = "origin-errors|E2QWRUHEXAMPLE|app.example.com|/api/items"
	const orders = "origin-errors|E2QWRUHEXAMPLE|app.example.com|/api/orders"
	for i, want := range []struct {
		lead    string
		related int
	}{{items, 1}, {orders, 0}, {orders, 1}} {
		if len(files[i]) != 1 || files[i][0].Key != want.lead || len(files[i][0].Related) != want.related {
			t.Fatalf("file %d: findings %+v, want one led by %s with %d related", i, files[i], want.lead, want.related)
		}
	}
	var orderCount int64
	for i, fs := range files {
		// A new Lambda invocation each: only the state in S3 is shared.
		n := lambdas(t, e, m, 1, e.botSettings())[0]
		if err := n.Notify(ctx, origin(i), fs); err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		e.clock.Advance(10 * time.Minute)
		for _, f := range fs {
			if f.Key == orders {
				orderCount += f.Count
			}
			for _, r := range f.Related {
				if r.Key == orders {
					orderCount += r.Count
				}
			}
		}
	}
	if got := len(e.slack.CallsOf(slacktest.PostMessage)); got != 1 {
		t.Errorf("%d chat.postMessage calls, want 1 (one cause)", got)
	}
	if got := len(e.slack.CallsOf(slacktest.Update)); got != 2 {
		t.Errorf("%d chat.update calls, want 2", got)
	}
	top := e.slack.TopLevel(slacktest.Channel)
	if len(top) != 1 {
		t.Fatalf("%d top-level messages, want 1", len(top))
	}
	text := blocksText(t, top[0].Blocks)
	for _, want := range []string{
		"Also affected, same cause",
		fmt.Sprintf("origin-errors on `/api/orders` (critical, same fix): %s of", fmtInt(orderCount)),
		"incident `" + items + "`",
		"seen in 3 log files",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(top[0].Text, "(and 1 related)") {
		t.Errorf("fallback %q does not say a finding is folded in", top[0].Text)
	}
	// No incident of its own for /api/orders.
	n := lambdas(t, e, m, 1, e.botSettings())[0]
	if st, _, err := n.load(ctx, stateKey(n.prefix, orders)); err != nil || st != nil {
		t.Errorf("/api/orders has its own incident state %+v (err %v)", st, err)
	}
}

func fmtInt(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The Athena query of a folded finding lists the failing requests of
// every group folded into it, over their whole span.
func TestAthenaQueryFolded(t *testing.T) {
	fs := originOutage(t, 0, 1, map[string]int{"/api/items/1": 6, "/api/orders/1": 4})
	if len(fs) != 1 || len(fs[0].Related) != 1 {
		t.Fatalf("findings %+v, want one folded", fs)
	}
	f := fs[0]
	q := AthenaQuery(f, "")
	for _, want := range []string{"cs_uri_stem LIKE '/api/items' ESCAPE", "cs_uri_stem LIKE '/api/orders' ESCAPE", "\n    OR ("} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %q:\n%s", want, q)
		}
	}
	f.Related[0].LastSeen = f.LastSeen.Add(2 * time.Hour)
	_, until := window(f)
	if until.Before(f.Related[0].LastSeen) {
		t.Errorf("window ends %v, before the related finding's last failure %v", until, f.Related[0].LastSeen)
	}
}

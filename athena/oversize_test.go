package athena

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/duckdbtest"
	"github.com/cfwatch/cfwatch/source"
)

// oversizeCookies are cookie headers as CloudFront logs them, and as the
// dataset keeps them (values redacted): session tokens whole and in
// chunks, behind __Secure- and __Host- (and both, in either order), with
// the three libraries' names and near-misses, after every blank the
// detectors skip, with encoded '=' and pairs without one.
func oversizeCookies() []string {
	seps := []string{";", "; ", ";%20", ";%2520", ";%20%20", ";\t", ";;"}
	prefixes := []string{"", "__Secure-", "__Host-", "__Secure-__Host-", "__Host-__Secure-", "x"}
	names := []string{"next-auth.session-token", "authjs.session-token", "better-auth.session_token",
		"better-auth.session-token", "next-auth.csrf-token", "next-auth.session-tokens", "theme", "next-auth.session_token"}
	suffixes := []string{"", ".0", ".1", ".4", ".9", ".12", ".123", ".1234", ".", ".x", ".1a", "..1", ".-1", ".01"}
	values := []string{"=", "=v", "=eyJhbGciOi.x.y", "=a;b", "%3Dv", "", " =v", "==", "=next-auth.session-token.7=v"}
	rng := rand.New(rand.NewPCG(16, 1))
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	out := []string{"", "a=1", "next-auth.session-token", "%20next-auth.session-token.2=x", " authjs.session-token.3=x;x=1",
		"a=1;%20__Secure-next-auth.session-token.0=x;%20__Secure-next-auth.session-token.3=y"}
	for range 3000 {
		var b strings.Builder
		for i := range 1 + rng.IntN(4) {
			if i > 0 || rng.IntN(4) == 0 {
				b.WriteString(pick(seps))
			}
			b.WriteString(pick(prefixes) + pick(names) + pick(suffixes) + pick(values))
		}
		out = append(out, b.String())
	}
	for _, c := range out[:len(out):len(out)] {
		out = append(out, dataset.RedactCookie(c))
	}
	return out
}

// TestSessionChunksSQL holds detectSQL's count of the session token's
// chunks to the detectors' (detectors.SessionChunks) on DuckDB, and the
// cookie a count row on the auth prefix is replayed with to the same
// chunks and the same library of its first NextAuth cookie.
func TestSessionChunksSQL(t *testing.T) {
	db := duckdbtest.Open(t)
	win := source.Window{From: t0, Until: t0.Add(time.Hour)}
	p := newPlan(`"t"`, DuckDB, win, nil, time.Hour, 10, detectors.DefaultConfig(), nil)
	sz := p.sizeCols()
	cookies := oversizeCookies()
	vals := make([]string, len(cookies))
	for i, c := range cookies {
		vals[i] = fmt.Sprintf("(%d, %s)", i, str(c))
	}
	q := fmt.Sprintf(`WITH t AS (SELECT i, ck, %d AS kind FROM (VALUES %s) AS v (i, ck)),
u AS (SELECT i, ck, kind, %s AS sc FROM t)
SELECT i, sc, CASE WHEN %s THEN %s END AS synth FROM u ORDER BY i`,
		kindAuth, strings.Join(vals, ", "), sz.chunks, p.regex("ck", nextAuthCookie), sz.cookie)
	rows := duckdbtest.Query(t, db, q)
	if len(rows) != len(cookies) {
		t.Fatalf("%d rows for %d cookies", len(rows), len(cookies))
	}
	// The library of the first NextAuth cookie, as count rows keep it.
	first := regexp.MustCompile(nextAuthCookie)
	lib := func(c string) string {
		if m := first.FindStringSubmatch(c); m != nil {
			return m[4]
		}
		return ""
	}
	chunked := 0
	for _, r := range rows {
		ck := cookies[r["i"].(int32)]
		want := detectors.SessionChunks(ck)
		got := fmt.Sprint(r["sc"])
		if got != fmt.Sprint(want) {
			t.Errorf("chunks of %q: SQL %s, detectors %d", ck, got, want)
		}
		if want > 1 {
			chunked++
		}
		synth, ok := r["synth"].(string)
		if !ok {
			continue
		}
		if n := detectors.SessionChunks(synth); n != want {
			t.Errorf("cookie %q replayed as %q: %d chunks, want %d", ck, synth, n, want)
		}
		if lib(synth) != lib(ck) {
			t.Errorf("cookie %q replayed as %q: library %q, want %q", ck, synth, lib(synth), lib(ck))
		}
	}
	if chunked < 100 {
		t.Errorf("only %d of %d cookies carry a chunked token", chunked, len(cookies))
	}
}

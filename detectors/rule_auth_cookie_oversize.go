package detectors

import (
	"fmt"
	"strings"
	"time"
)

// RuleAuthCookieOversize: requests to the app approaching CloudFront's
// 20 KB limit on a request's headers, NextAuth's session cookie growing.
//
// CloudFront does not log a request whose headers exceed 20,480 bytes
// (AWS's standard logging reference: "If the request headers are larger
// than 20 KB, CloudFront does not log the request"), so the outage itself
// leaves no line: the rule catches what is visible before it, request
// sizes (cs-bytes) near the limit, the session token split into more
// chunks, and origins refusing large headers.
const RuleAuthCookieOversize = "auth-cookie-oversize"

// auth-cookie-oversize counters of failing requests.
const (
	evOversizeWarn     = 0 // cs-bytes at or over warn_bytes
	evOversizeCritical = 1 // cs-bytes at or over critical_bytes
	evHeaderRefusal    = 2 // refused by the origin for its headers' size
	evOversizeAuth     = 3 // on the auth prefix
	evChunkedSession   = 4 // carrying a chunked session token (….session-token.N)
)

// CloudFrontMaxHeaderBytes is CloudFront's limit on a request's headers,
// above which the request is refused and not logged.
const CloudFrontMaxHeaderBytes = 20 * 1024

var ruleAuthCookieOversizeDef = rule{
	id:       RuleAuthCookieOversize,
	severity: SeverityWarning,
	scope:    ScopeAPI,
	doc:      "API and auth requests of warn_bytes (12,000) or more (cs-bytes), or refused by the origin for their headers' size (431, 494, 400/413 over 8 KiB), as NextAuth's session cookie grows towards CloudFront's unlogged 20 KB header limit; critical from critical_bytes (16,000) or on a refusal (/api/*; API requests)",
	settings: func(c *Config) Threshold { return c.AuthCookieOversize.Threshold },
	series:   oversizeSeries,
	fails:    oversizeFails,
	tally:    oversizeTally,
	newState: func() any { return new(sizeState) },
	evidence: [numEv]string{"over_warn_bytes", "over_critical_bytes", "header_size_refusals", "auth", "chunked_session_token"},
	explain:  oversizeExplain,
	// cs_bytes as logged; the thresholds are the defaults' (the SQL is the
	// rule's, not a setting's).
	failsSQL: "(coalesce(cs_bytes, 0) >= 12000 OR sc_status IN (431, 494) OR (sc_status IN (400, 413) AND coalesce(cs_bytes, 0) >= 8192))",
}

// largeHeaderBytes is the request size from which an origin's 400 or 413
// is read as a refusal of its headers' size: S3 and API Gateway refuse
// request headers over 8 KiB and 10 KiB.
const largeHeaderBytes = 8192

// sizeState is a host's request sizes on the auth prefix over the whole
// input, in a fixed histogram (bounded memory, no per-request storage), and
// the session token's chunks over time.
type sizeState struct {
	bins      [sizeBins]int64 // by cs-bytes / sizeBin; the last holds the rest
	n, max    int64
	firstHour int64 // hour (Unix) of the first auth request; 0: none yet
	firstMax  int   // most session-token chunks in that hour
	lastHour  int64 // the latest hour seen
	lastMax   int   // most chunks in it
	maxChunks int
}

const (
	sizeBin  = 512
	sizeBins = 2*CloudFrontMaxHeaderBytes/sizeBin + 1
)

func (st *sizeState) add(x *request) {
	b := x.rec.BytesReceived
	i := b / sizeBin
	if i < 0 {
		i = 0
	}
	st.bins[min(i, sizeBins-1)]++
	st.n++
	st.max = max(st.max, b)
	c := sessionChunks(x.rec.Cookie)
	hr := x.t / int64(time.Hour)
	if st.n == 1 {
		st.firstHour, st.lastHour = hr, hr
	}
	if hr == st.firstHour {
		st.firstMax = max(st.firstMax, c)
	}
	switch {
	case hr > st.lastHour:
		st.lastHour, st.lastMax = hr, c
	case hr == st.lastHour:
		st.lastMax = max(st.lastMax, c)
	}
	st.maxChunks = max(st.maxChunks, c)
}

// p95 returns the upper bound of the histogram bin holding the 95th
// percentile of the sizes (at most max).
func (st *sizeState) p95() int64 {
	if st.n == 0 {
		return 0
	}
	want := (st.n*95 + 99) / 100
	var seen int64
	for i, c := range st.bins {
		seen += c
		if seen >= want {
			return min(int64(i+1)*sizeBin, st.max)
		}
	}
	return st.max
}

// oversizeSeries: one series per API behavior; auth requests also go into
// the host's sizeState.
func oversizeSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	if x.pc.ep != epNone {
		if st, ok := h.own[r.idx].(*sizeState); ok {
			st.add(x)
		}
	}
	p := e.seriesSlot(h, r, x.pc.api)
	if *p == nil {
		*p = e.newSeries(r, e.apiLabel(x.pc.api), "API requests")
	}
	return *p
}

func oversizeFails(x *request) bool {
	return x.rec.BytesReceived >= x.oversizeWarn || headerSizeRefusal(x)
}

// headerSizeRefusal reports an origin refusing the request for the size
// of its headers: 431 Request Header Fields Too Large, nginx's 494, or a
// 400 / 413 (S3, API Gateway, Lambda function URLs) of a request over
// largeHeaderBytes.
func headerSizeRefusal(x *request) bool {
	switch x.rec.Status {
	case 431, 494:
		return true
	case 400, 413:
		return x.rec.BytesReceived >= largeHeaderBytes
	}
	return false
}

func oversizeTally(x *request, ev *[numEv]int64) {
	b := x.rec.BytesReceived
	if b >= x.oversizeWarn {
		ev[evOversizeWarn]++
	}
	if b >= x.oversizeCritical {
		ev[evOversizeCritical]++
	}
	if headerSizeRefusal(x) {
		ev[evHeaderRefusal]++
	}
	if x.pc.ep != epNone {
		ev[evOversizeAuth]++
	}
	if sessionChunks(x.rec.Cookie) > 1 {
		ev[evChunkedSession]++
	}
}

func oversizeExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	th := e.cfg.AuthCookieOversize
	st, _ := c.h.own[c.r.idx].(*sizeState)
	if st == nil {
		st = new(sizeState)
	}
	if f.Evidence == nil {
		f.Evidence = make(map[string]int64)
	}
	f.Evidence["auth_cs_bytes_p95"] = st.p95()
	f.Evidence["auth_cs_bytes_max"] = st.max
	if st.maxChunks > 0 {
		f.Evidence["session_token_chunks_first_hour"] = int64(st.firstMax)
		f.Evidence["session_token_chunks_last_hour"] = int64(st.lastMax)
	}
	if ev[evOversizeCritical] > 0 || ev[evHeaderRefusal] > 0 || st.max >= th.CriticalBytes {
		f.Severity = SeverityCritical
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s to %s were large (%s of %s bytes or more, %s of %s or more) or refused by the origin for their headers' size (%s: 431, 494, or 400/413 over 8 KiB); NextAuth's requests under %s are %s bytes at the 95th percentile and %s at most",
		ofText(f), f.Group, fmtCount(ev[evOversizeWarn]), fmtCount(th.WarnBytes), fmtCount(ev[evOversizeCritical]), fmtCount(th.CriticalBytes),
		fmtCount(ev[evHeaderRefusal]), e.authPrefix, fmtCount(st.p95()), fmtCount(st.max))
	if st.maxChunks > 1 {
		fmt.Fprintf(&b, "; the session token is split into up to %d cookies (….session-token.0, .1, …), %d in the first hour and %d in the last", st.maxChunks, st.firstMax, st.lastMax)
	}
	fmt.Fprintf(&b, ". CloudFront refuses a request whose headers exceed 20 KB (20,480 bytes) and does not log it, so once the session cookie crosses that size sign-in fails for those users with no line in the log")
	f.Cause = b.String()
	f.Remedy = "Make the session smaller: use NextAuth's database session strategy (session: { strategy: \"database\" }) so the cookie holds only a session ID, or put fewer claims in the JWT (return only what the app needs from the jwt and session callbacks; do not store provider access/refresh/id tokens or profile pictures in it). Ask affected users to sign out (or clear the site's cookies) once it is smaller. Origins refuse large headers before CloudFront does: S3 at 8 KiB, API Gateway at 10 KiB, Node.js (Next.js) at 16 KiB (--max-http-header-size)."
}

// SessionChunks returns how many cookies NextAuth's session token is split
// into in a cs(Cookie) value, as auth-cookie-oversize counts them: 1 + the
// highest ".N" of a "[__Secure-]next-auth.session-token.N" (or Auth.js's,
// Better Auth's) cookie, 1 for an unsplit token, 0 for none. The Athena
// engine computes it in SQL and is tested against it.
func SessionChunks(cookie string) int { return sessionChunks(cookie) }

// sessionChunks returns how many cookies NextAuth's session token is split
// into in a cs(Cookie) value: 1 + the highest ".N" of a
// "[__Secure-]next-auth.session-token.N" or "authjs.session-token.N"
// cookie, 1 for an unsplit token, 0 for none. It allocates nothing.
func sessionChunks(c string) int {
	best := 0
	for c != "" {
		var pair string
		pair, c, _ = strings.Cut(c, ";")
		name := trimCookieSpace(pair)
		if i := strings.IndexByte(name, '='); i >= 0 {
			name = name[:i]
		}
		name = strings.TrimPrefix(strings.TrimPrefix(name, "__Secure-"), "__Host-")
		for _, p := range sessionTokenNames {
			if !strings.HasPrefix(name, p) {
				continue
			}
			rest := name[len(p):]
			if rest == "" {
				best = max(best, 1)
				continue
			}
			if rest[0] != '.' || len(rest) < 2 || len(rest) > 4 {
				continue
			}
			n := 0
			ok := true
			for j := 1; j < len(rest); j++ {
				d := rest[j]
				if d < '0' || d > '9' {
					ok = false
					break
				}
				n = n*10 + int(d-'0')
			}
			if ok {
				best = max(best, n+1)
			}
		}
	}
	return best
}

// sessionTokenNames are the session token cookies' names, without the
// __Secure- prefix: NextAuth v4, Auth.js v5, Better Auth.
var sessionTokenNames = [...]string{"next-auth.session-token", "authjs.session-token", "better-auth.session_token"}

package detectors

import (
	"fmt"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// Check names: the seed's post-deploy acceptance list, evaluated over the
// whole input.
const (
	// CheckCSRFOK: GET /api/auth/csrf answers 200.
	CheckCSRFOK = "csrf-ok"
	// CheckSessionOK: GET /api/auth/session answers 200 or 204, never 403.
	CheckSessionOK = "session-ok"
	// CheckCallbackRedirects: /api/auth/callback/* answers 302 (OAuth), or
	// 200 JSON to the credentials POST. A 401 (wrong password) is neither
	// success nor failure.
	CheckCallbackRedirects = "callback-redirects"
	// CheckAuthNeverCached: every /api/auth/* request is a cache Miss.
	CheckAuthNeverCached = "auth-never-cached"
)

// Check statuses.
const (
	CheckPass   = "pass"
	CheckFail   = "fail"
	CheckNoData = "no-data"
)

// A Check is the outcome of a post-deploy check.
type Check struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // pass, fail or no-data
	Evidence string `json:"evidence"`
	// NotCounted lists the refusals the owner configures on purpose (geo
	// restriction, signed URLs, WAF-like edge refusals: Reason.Configured)
	// that the check left out; Evidence says the same in words.
	NotCounted []NotCounted `json:"not_counted,omitempty"`
}

// NotCounted is a kind of configured refusal a check left out.
type NotCounted struct {
	Reason string `json:"reason"` // Reason.String: geo-restriction, signed-url, access-blocked, edge-refusal
	Count  int64  `json:"count"`
	Text   string `json:"text"` // "1,077 refused by geo restriction, not counted"
}

// endpointCounts counts an endpoint's answers for a check.
type endpointCounts struct {
	total, ok, neutral int64
	rejected           int64 // callbacks answered 401: wrong credentials
	failures           int64
	byStatus           [6]int64          // failures: 400, 401, 403, 404, other 4xx, 5xx (and 000)
	refused            [numReasons]int64 // configured refusals, left out (checks_layers.go)
}

var failureNames = [...]string{"400", "401", "403", "404", "other 4xx", "5xx"}

func (c *endpointCounts) fail(status int) {
	c.failures++
	i := 5
	switch {
	case status == 400:
		i = 0
	case status == 401:
		i = 1
	case status == 403:
		i = 2
	case status == 404:
		i = 3
	case status > 400 && status < 500:
		i = 4
	}
	c.byStatus[i]++
}

type checkCounts struct {
	csrf, session, callback endpointCounts
	authTotal               int64
	authHits                [3]int64 // Hit, RefreshHit, OriginShieldHit
}

// observeChecks counts rec for the post-deploy checks.
func (e *Engine) observeChecks(rec *logparse.Record, pc *pathClass) {
	if pc.ep == epNone {
		return
	}
	c := &e.chk
	c.authTotal++
	if rec.IsCacheHit() {
		switch {
		case rec.EdgeDetailedResultType == "OriginShieldHit":
			c.authHits[2]++
		case rec.EdgeDetailedResultType == "RefreshHit" || rec.EdgeDetailedResultType == "" && rec.EdgeResultType == "RefreshHit":
			c.authHits[1]++
		default:
			c.authHits[0]++
		}
	}
	st := rec.Status
	if !rec.StatusKnown() {
		st = -1 // unknown: neither a success nor a failure
	}
	switch pc.ep {
	case epCsrf:
		if rec.Method != "GET" {
			return
		}
		if c.csrf.leaveOut(rec) {
			return
		}
		c.csrf.total++
		switch {
		case st == 200:
			c.csrf.ok++
		case st >= 400 || st == 0:
			c.csrf.fail(st)
		default:
			c.csrf.neutral++
		}
	case epSession:
		if rec.Method != "GET" {
			return
		}
		if c.session.leaveOut(rec) {
			return
		}
		c.session.total++
		switch {
		case st == 200 || st == 204:
			c.session.ok++
		case st >= 400 || st == 0:
			c.session.fail(st)
		default:
			c.session.neutral++
		}
	case epCallback:
		if rec.Method != "GET" && rec.Method != "POST" {
			return
		}
		if c.callback.leaveOut(rec) {
			return
		}
		c.callback.total++
		switch {
		case st == 302 || st == 303 || st == 307:
			c.callback.ok++
		case st == 200 && rec.Method == "POST" && (rec.ContentType == "" || strings.Contains(rec.ContentType, "json")):
			c.callback.ok++
		case st == 401: // rejected credentials: NextAuth working as intended
			c.callback.rejected++
		case st >= 400 || st == 0:
			c.callback.fail(st)
		default:
			c.callback.neutral++
		}
	}
}

// Checks evaluates the post-deploy checks over everything observed so far,
// in a fixed order. A status check fails when its endpoint had at least
// Checks.MinFailures failed answers (4xx other than a credentials 401, 5xx)
// making up more than Checks.MaxFailureRate of its requests, or when it
// failed and never succeeded; fewer failures pass, and the evidence says
// they were seen. auth-never-cached fails on any cache hit: a behavior with
// caching disabled never produces one.
func (e *Engine) Checks() []Check {
	p := e.authPrefix
	c := &e.chk
	return []Check{
		e.statusCheck(CheckCSRFOK, "GET "+p+"/csrf", "200", &c.csrf),
		e.statusCheck(CheckSessionOK, "GET "+p+"/session", "200/204", &c.session),
		e.statusCheck(CheckCallbackRedirects, p+"/callback/*", "302 (or 200 JSON to a credentials POST)", &c.callback),
		e.cacheCheck(),
	}
}

func (e *Engine) statusCheck(name, what, want string, c *endpointCounts) Check {
	ck := Check{Name: name}
	ck.NotCounted = c.notCounted()
	if c.total == 0 {
		ck.Status = CheckNoData
		ck.Evidence = fmt.Sprintf("no %s requests in the input", what)
		if len(ck.NotCounted) > 0 {
			ck.Evidence = fmt.Sprintf("no %s requests answered by NextAuth: %s", what, notCountedText(ck.NotCounted))
		}
		return ck
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s of %s %s requests answered %s", fmtCount(c.ok), fmtCount(c.total), what, want)
	if c.failures > 0 {
		var parts []string
		for i, n := range c.byStatus {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s ×%s", failureNames[i], fmtCount(n)))
			}
		}
		fmt.Fprintf(&b, "; %s failed (%s, %s)", fmtCount(c.failures), strings.Join(parts, ", "), pct(c.failures, c.total))
	}
	if c.rejected > 0 {
		fmt.Fprintf(&b, "; %s rejected credentials (401, not a failure)", fmtCount(c.rejected))
	}
	if c.neutral > 0 {
		fmt.Fprintf(&b, "; %s other answers", fmtCount(c.neutral))
	}
	if len(ck.NotCounted) > 0 {
		b.WriteString("; ")
		b.WriteString(notCountedText(ck.NotCounted))
	}
	th := e.cfg.Checks
	rate := float64(c.failures) / float64(c.total)
	switch {
	case c.failures >= th.MinFailures && rate > th.MaxFailureRate:
		ck.Status = CheckFail
		fmt.Fprintf(&b, " — fails: at least %d failures and more than %s", th.MinFailures, Percent(th.MaxFailureRate))
	case c.failures > 0 && c.ok == 0:
		ck.Status = CheckFail
		b.WriteString(" — fails: it never answered as expected")
	case c.ok == 0:
		ck.Status = CheckNoData
		b.WriteString(" — no conclusive answer")
	case c.failures > 0:
		ck.Status = CheckPass
		fmt.Fprintf(&b, " — passes: isolated failures, below the threshold (%d and more than %s)", th.MinFailures, Percent(th.MaxFailureRate))
	default:
		ck.Status = CheckPass
	}
	ck.Evidence = b.String()
	return ck
}

func (e *Engine) cacheCheck() Check {
	c := &e.chk
	ck := Check{Name: CheckAuthNeverCached}
	what := e.authPrefix + "/*"
	if c.authTotal == 0 {
		ck.Status, ck.Evidence = CheckNoData, fmt.Sprintf("no %s requests in the input", what)
		return ck
	}
	hits := c.authHits[0] + c.authHits[1] + c.authHits[2]
	if hits == 0 {
		ck.Status = CheckPass
		ck.Evidence = fmt.Sprintf("none of %s %s requests was answered from the CloudFront cache", fmtCount(c.authTotal), what)
		return ck
	}
	var parts []string
	for i, name := range []string{"Hit", "RefreshHit", "OriginShieldHit"} {
		if c.authHits[i] > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%s", name, fmtCount(c.authHits[i])))
		}
	}
	ck.Status = CheckFail
	ck.Evidence = fmt.Sprintf("%s of %s %s requests were answered from the CloudFront cache (%s): the behavior caches NextAuth responses",
		fmtCount(hits), fmtCount(c.authTotal), what, strings.Join(parts, ", "))
	return ck
}

// fmtCount formats n with thousands separators: 1,530.
func fmtCount(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// pct formats n/total as a percentage.
func pct(n, total int64) string {
	if total == 0 {
		return "0%"
	}
	return Percent(float64(n) / float64(total))
}

// Percent formats a rate (0.27) as a percentage for people ("27%"), with
// more digits where fewer would mislead: "99.6%" rather than "100%",
// "0.35%" rather than "0%".
func Percent(r float64) string {
	switch p := r * 100; {
	case p > 99 && p < 100:
		return fmt.Sprintf("%.1f%%", p)
	case p == 0 || p >= 10 || p == float64(int64(p)):
		return fmt.Sprintf("%.0f%%", p)
	case p >= 1:
		return fmt.Sprintf("%.1f%%", p)
	default:
		return fmt.Sprintf("%.2f%%", p)
	}
}

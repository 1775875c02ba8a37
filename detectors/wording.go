package detectors

// ruleAuthCookieOversize is the rule for requests whose headers (mostly
// NextAuth's session cookie chunks) approach or pass CloudFront's
// 20,480-byte request limit or the origin's.
const ruleAuthCookieOversize = "auth-cookie-oversize"

// RuleWording returns the severity and remedy a log rule gives, for tools
// that observe the same failure another way (cfwatch probe): one source of
// wording. The remedy is written by the rule's own explanation code with
// the evidence a live probe has: the failing request carried NextAuth's
// cookies (so an auth-403-burst is explained as cookies or query strings not
// forwarded). authPrefix is where NextAuth is mounted ("/api/auth"), group
// the endpoint group the failure was seen on (e.g. "/api/*",
// "/api/auth/callback/*"), host the site's host name. ok is false for an
// unknown rule ID or an invalid authPrefix.
func RuleWording(rule, authPrefix, group, host string) (sev Severity, remedy string, ok bool) {
	if rule == ruleAuthCookieOversize {
		return SeverityCritical, cookieOversizeRemedy, true
	}
	cfg := DefaultConfig()
	cfg.AuthPrefix = authPrefix
	e, err := New(cfg)
	if err != nil {
		return "", "", false
	}
	r := e.ruleByID(rule)
	if r == nil {
		return "", "", false
	}
	f := &Finding{Rule: rule, Severity: r.severity, Host: host, Group: group, Count: 1, Denominator: 1}
	c := &cand{r: r, h: &hostState{host: host, cookieLogging: true, authCookies: true}}
	var ev [numEv]int64
	switch rule {
	case RuleAuth403Burst:
		ev[evWithCookies] = 1
	case RuleMethodRejected:
		ev[evTTFBZero] = 1
	}
	r.explain(e, f, c, ev)
	return f.Severity, f.Remedy, true
}

// cookieOversizeRemedy is auth-cookie-oversize's remedy.
const cookieOversizeRemedy = "Make the request headers smaller than the smallest limit on the way: CloudFront's 20,480 bytes for the request line and all headers (cookies included; such requests are refused before they are logged), S3's 8 KB when the default behavior sends cookies to an S3 origin, and the origin server's own limit (Node.js 16 KB by default, API Gateway about 10 KB). Keep NextAuth's session small: the database session strategy instead of a JWT, or fewer claims and no access/refresh/ID tokens in the JWT (NextAuth splits a large session cookie into .0, .1, … chunks); do not forward cookies to static origins."

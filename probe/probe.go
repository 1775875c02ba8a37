package probe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
)

// Options configure a probe run.
type Options struct {
	// URL is the site's public origin, e.g. https://app.example.com.
	URL string
	// AuthPrefix is where NextAuth / Auth.js is mounted ("/api/auth").
	AuthPrefix string
	// Provider is the provider ID the sign-in POST and the callback use
	// ("credentials" when empty).
	Provider string
	// Origin, when set, is the other site whose cross-origin calls the
	// preflight check tests.
	Origin string
	// APIPath is a non-auth API path for api-host (default: the auth
	// prefix's parent, e.g. "/api/").
	APIPath string
	// Headers are sent with every request (values never printed).
	Headers []Header
	// Timeout bounds each request (10 s when zero).
	Timeout time.Duration
	// Version goes into the User-Agent.
	Version string
	// Transport, when set, replaces the default HTTP transport.
	Transport http.RoundTripper
}

// ErrUnreachable is returned (wrapped) when the site gave no HTTP answer.
var ErrUnreachable = errors.New("site unreachable")

// prober holds one run's state.
type prober struct {
	opts     Options
	base     *url.URL
	hc       *http.Client
	ua       string
	requests int

	csrfToken string
	cookies   []*http.Cookie // set by the csrf answer
	callbackC bool           // csrf's answer set a *callback-url cookie
	session   *Exchange      // session's answer, the large-cookie baseline
}

// validate normalises o and returns the site's origin URL.
func (o *Options) validate() (*url.URL, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", o.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("URL %q: want http(s)://host", o.URL)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("URL %q: give the site's origin only (scheme and host); set --auth-prefix and --api-path for the paths", o.URL)
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host}
	if o.AuthPrefix == "" {
		o.AuthPrefix = "/api/auth"
	}
	if !strings.HasPrefix(o.AuthPrefix, "/") || strings.ContainsAny(o.AuthPrefix, "?#") {
		return nil, fmt.Errorf("--auth-prefix %q: want an absolute path such as /api/auth", o.AuthPrefix)
	}
	o.AuthPrefix = path.Clean(o.AuthPrefix)
	if o.AuthPrefix == "/" {
		return nil, fmt.Errorf("--auth-prefix %q: NextAuth is not mounted at the root", o.AuthPrefix)
	}
	if o.Provider == "" {
		o.Provider = "credentials"
	}
	if strings.ContainsAny(o.Provider, "/?#% ") {
		return nil, fmt.Errorf("--provider %q: want a provider ID such as github", o.Provider)
	}
	if o.APIPath == "" {
		o.APIPath = path.Dir(o.AuthPrefix)
		if o.APIPath != "/" {
			o.APIPath += "/"
		}
	}
	if !strings.HasPrefix(o.APIPath, "/") || strings.ContainsAny(o.APIPath, "?#") {
		return nil, fmt.Errorf("--api-path %q: want an absolute path such as /api/health", o.APIPath)
	}
	if o.APIPath == o.AuthPrefix || strings.HasPrefix(o.APIPath, o.AuthPrefix+"/") {
		return nil, fmt.Errorf("--api-path %q: want a non-auth API path, outside %s", o.APIPath, o.AuthPrefix)
	}
	if o.Origin != "" {
		ou, err := url.Parse(o.Origin)
		if err != nil || (ou.Scheme != "http" && ou.Scheme != "https") || ou.Host == "" || (ou.Path != "" && ou.Path != "/") {
			return nil, fmt.Errorf("--origin %q: want a site origin such as https://other.example.com", o.Origin)
		}
		o.Origin = ou.Scheme + "://" + ou.Host
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	return base, nil
}

// Run runs every check against o.URL. It returns an error wrapping
// ErrUnreachable when the first request gets no HTTP answer, and an error
// for invalid options.
func Run(ctx context.Context, o Options) (*Report, error) {
	base, err := o.validate()
	if err != nil {
		return nil, err
	}
	tr := o.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true // header sizes as counted; bodies are small
		tr = t
	}
	p := &prober{
		opts: o,
		base: base,
		ua:   "cfwatch-probe/" + o.Version + " (+https://github.com/cfwatch/cfwatch)",
		hc: &http.Client{
			Transport:     tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	rep := &Report{
		Schema: SchemaID, Tool: "cfwatch-probe/" + o.Version, Target: base.String(),
		AuthPrefix: o.AuthPrefix, Provider: o.Provider, APIPath: o.APIPath, Origin: o.Origin,
		StartedAt: time.Now().UTC(),
	}
	for _, c := range []struct {
		id, title string
		run       func(context.Context, *Check)
	}{
		{CheckCSRF, "CSRF endpoint answers with a token and sets the CSRF cookie", p.checkCSRF},
		{CheckSession, "Session endpoint answers 200/204, never 403", p.checkSession},
		{CheckSigninPost, "Sign-in POST reaches NextAuth with its cookies and query string", p.checkSigninPost},
		{CheckCallback, "Provider callback without a code gets NextAuth's own answer", p.checkCallback},
		{CheckNeverCached, "Auth responses are never served from CloudFront's cache", p.checkNeverCached},
		{CheckPreflight, "CORS preflight from --origin is answered with CORS headers", p.checkPreflight},
		{CheckAPIHost, "A non-auth API path is not refused by API Gateway / Lambda URL", p.checkAPIHost},
		{CheckLargeCookie, "Large cookies (12 KB, 19 KB) are still answered", p.checkLargeCookie},
	} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ck := Check{ID: c.id, Title: c.title, Requests: []Exchange{}}
		start := time.Now()
		c.run(ctx, &ck)
		ck.DurationMS = time.Since(start).Milliseconds()
		if c.id == CheckCSRF && len(ck.Requests) > 0 && ck.Requests[0].Status == 0 {
			return nil, fmt.Errorf("%w: %s: %s", ErrUnreachable, ck.Requests[0].URL, ck.Requests[0].Error)
		}
		rep.Checks = append(rep.Checks, ck)
	}
	rep.DurationMS = time.Since(rep.StartedAt).Milliseconds()
	rep.Summary = summarize(rep.Checks)
	rep.Summary.RequestCount = p.requests
	return rep, nil
}

func summarize(checks []Check) Summary {
	var s Summary
	for _, c := range checks {
		switch c.Status {
		case StatusPass:
			s.Passed++
		case StatusSkip:
			s.Skipped++
		case StatusFail:
			s.Failed++
			switch c.Severity {
			case detectors.SeverityCritical:
				s.Critical++
			case detectors.SeverityWarning:
				s.Warning++
			}
		}
	}
	return s
}

// add records an exchange on c and returns it.
func (c *Check) add(r *response) *response {
	c.Requests = append(c.Requests, *r.ex)
	return r
}

func (c *Check) pass(format string, args ...any) {
	c.Status = StatusPass
	c.Summary = fmt.Sprintf(format, args...)
}

func (c *Check) skip(format string, args ...any) {
	c.Status = StatusSkip
	c.Summary = fmt.Sprintf(format, args...)
}

func (c *Check) note(format string, args ...any) {
	c.Notes = append(c.Notes, fmt.Sprintf(format, args...))
}

// fail marks c failed under rule (its severity and remedy from the log
// rule's own wording), for the endpoint group group.
func (p *prober) fail(c *Check, rule, group, summary, cause string) {
	c.Status = StatusFail
	c.Summary = summary
	c.Cause = cause
	c.Rule = rule
	c.Severity = detectors.SeverityCritical
	if rule == "" {
		return
	}
	if sev, remedy, ok := detectors.RuleWording(rule, p.opts.AuthPrefix, group, p.base.Hostname()); ok {
		c.Severity, c.Remedy = sev, remedy
	}
}

func (p *prober) authGroup() string { return p.opts.AuthPrefix + "/*" }

func (p *prober) apiGroup() string {
	d := path.Dir(p.opts.AuthPrefix)
	if d == "/" {
		return "/*"
	}
	return d + "/*"
}

// failBySignature fails c when r is a response whose signature names a
// cause (CloudFront's refusal of the method, API Gateway's Host 403, S3,
// an origin 5xx) and reports whether it did.
func (p *prober) failBySignature(c *Check, r *response) bool {
	ex := r.ex
	switch {
	case ex.Status == 0:
		p.fail(c, "", p.authGroup(), "no answer: "+ex.Error, "The request got no HTTP answer after "+fmt.Sprint(ex.Attempts)+" attempts (network error or timeout).")
	case apiForbidden(ex):
		p.fail(c, detectors.RuleAPIOriginForbidden, p.apiGroup(),
			fmt.Sprintf("%s %d from %s (%s)", ex.Method, ex.Status, ex.AnsweredBy, ex.Signature),
			"The origin answered with API Gateway's (or a Lambda function URL's) own 403, not the app's: it received the viewer's Host header instead of its own domain name, so it found no API for the request.")
	case edgeError(ex) && ex.Status == http.StatusForbidden && ex.Method != http.MethodGet && ex.Method != http.MethodHead:
		p.fail(c, detectors.RuleMethodRejected, p.apiGroup(),
			fmt.Sprintf("%s refused by CloudFront itself: %d (%s)", ex.Method, ex.Status, ex.Signature),
			fmt.Sprintf("CloudFront answered %s with its own 403 error page (%s) without asking the origin: the cache behavior serving %s does not allow the %s method.", ex.Method, ex.Signature, p.opts.AuthPrefix, ex.Method))
	case ex.AnsweredBy == byS3:
		p.fail(c, "", p.authGroup(),
			fmt.Sprintf("%d from S3 (%s), not the app", ex.Status, ex.Signature),
			fmt.Sprintf("S3 answered a request for %s: no cache behavior routes this path to the app, so the default (static) behavior serves it. Add a cache behavior for the app's dynamic paths (e.g. /api/*) pointing at the app's origin.", ex.URL))
	case ex.Status >= 500:
		src := "the origin"
		if edgeError(ex) {
			src = "CloudFront (" + ex.Signature + ")"
		}
		p.fail(c, detectors.RuleOriginErrors, p.authGroup(),
			fmt.Sprintf("%s %d from %s", ex.Method, ex.Status, src),
			fmt.Sprintf("%s answered %d: the app or the connection to it is failing.", src, ex.Status))
		c.Severity = detectors.SeverityCritical
	default:
		return false
	}
	return true
}

// ---- csrf

func (p *prober) checkCSRF(ctx context.Context, c *Check) {
	r := c.add(p.do(ctx, request{method: http.MethodGet, path: p.opts.AuthPrefix + "/csrf"}))
	if p.failBySignature(c, r) {
		return
	}
	ex := r.ex
	if ex.Status == http.StatusForbidden {
		p.fail(c, detectors.RuleAuth403Burst, p.authGroup(), fmt.Sprintf("GET csrf answered 403 (%s)", ex.AnsweredBy),
			"The CSRF endpoint, which needs no cookie, was refused with 403.")
		return
	}
	var v struct {
		CSRFToken string `json:"csrfToken"`
	}
	if ex.Status != http.StatusOK || json.Unmarshal(r.body, &v) != nil || v.CSRFToken == "" {
		p.fail(c, "", p.authGroup(), fmt.Sprintf("GET csrf answered %d without a JSON csrfToken", ex.Status),
			fmt.Sprintf("NextAuth answers GET %s/csrf with 200 and {\"csrfToken\":…}; this answer is something else: NextAuth is not mounted at %s (set --auth-prefix), or another origin or a custom error response answers this path.", p.opts.AuthPrefix, p.opts.AuthPrefix))
		return
	}
	p.csrfToken = v.CSRFToken
	p.cookies = r.cookies
	var csrfName string
	for _, ck := range r.cookies {
		if isCSRFCookie(ck.Name) {
			csrfName = ck.Name
		}
		if strings.HasSuffix(ck.Name, "callback-url") {
			p.callbackC = true
		}
	}
	if csrfName == "" {
		p.fail(c, detectors.RuleAuthCookieMissing, p.authGroup(), "200 with a token but no CSRF cookie set",
			"NextAuth sets its CSRF cookie (next-auth.csrf-token, __Host-next-auth.csrf-token, authjs.csrf-token, __Host-authjs.csrf-token) with the token; no such Set-Cookie came back, so every sign-in POST will fail the CSRF check.")
		return
	}
	if !knownCSRFCookie(csrfName) {
		c.note("CSRF cookie %q is not one of NextAuth's default names (custom cookie options?)", esc(csrfName))
	}
	c.pass("200 with a CSRF token; CSRF cookie %s set", esc(csrfName))
}

// csrfCookieNames are NextAuth v4's and Auth.js v5's CSRF cookie names
// (http, https with __Host-, and __Secure- as some deployments set).
var csrfCookieNames = []string{
	"next-auth.csrf-token", "__Host-next-auth.csrf-token", "__Secure-next-auth.csrf-token",
	"authjs.csrf-token", "__Host-authjs.csrf-token", "__Secure-authjs.csrf-token",
}

func knownCSRFCookie(name string) bool {
	for _, n := range csrfCookieNames {
		if n == name {
			return true
		}
	}
	return false
}

func isCSRFCookie(name string) bool {
	return knownCSRFCookie(name) || strings.HasSuffix(name, "csrf-token")
}

// ---- session

func (p *prober) sessionRequest(extra []*http.Cookie, once bool) request {
	return request{method: http.MethodGet, path: p.opts.AuthPrefix + "/session", cookies: append(append([]*http.Cookie(nil), p.cookies...), extra...), once: once}
}

func (p *prober) checkSession(ctx context.Context, c *Check) {
	r := c.add(p.do(ctx, p.sessionRequest(nil, false)))
	if p.failBySignature(c, r) {
		return
	}
	ex := r.ex
	switch {
	case ex.Status == http.StatusOK || ex.Status == http.StatusNoContent:
		p.session = ex
		if ex.Status == http.StatusOK && !isJSON(r.header) {
			c.note("answered %d with Content-Type %q, not JSON (a custom error response serving a page?)", ex.Status, esc(r.header.Get("Content-Type")))
		}
		c.pass("%d from %s", ex.Status, ex.AnsweredBy)
	case ex.Status == http.StatusForbidden:
		p.fail(c, detectors.RuleAuth403Burst, p.opts.AuthPrefix+"/session",
			fmt.Sprintf("GET session answered 403 (%s)", ex.AnsweredBy),
			"NextAuth answers GET session with 200 ({} or null when signed out), never 403; the 403 came from the way to it (CloudFront not forwarding cookies or query strings, or a WAF).")
	default:
		p.fail(c, "", p.authGroup(), fmt.Sprintf("GET session answered %d (%s)", ex.Status, ex.AnsweredBy),
			fmt.Sprintf("NextAuth answers GET session with 200 (or 204); %d means another origin or a custom error response answers %s/session.", ex.Status, p.opts.AuthPrefix))
	}
}

// ---- signin-post

// probeMarker is the callbackUrl the sign-in POST sends in its query
// string: NextAuth stores it in its callback-url cookie only if the query
// reached it.
const probeMarker = "/?cfwatch-probe=1"

func (p *prober) checkSigninPost(ctx context.Context, c *Check) {
	if p.csrfToken == "" {
		c.skip("needs the CSRF token and cookie from the csrf check")
		return
	}
	form := url.Values{"csrfToken": {p.csrfToken}}
	r := c.add(p.do(ctx, request{
		method: http.MethodPost, path: p.opts.AuthPrefix + "/signin/" + p.opts.Provider,
		rawQuery: url.Values{"callbackUrl": {probeMarker}}.Encode(),
		body:     []byte(form.Encode()), contentType: "application/x-www-form-urlencoded",
		cookies: p.cookies,
	}))
	if p.failBySignature(c, r) {
		return
	}
	ex := r.ex
	group := p.opts.AuthPrefix + "/signin/*"
	loc := r.header.Get("Location")
	if ex.Status == http.StatusOK && isJSON(r.header) {
		var v struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(r.body, &v) == nil {
			loc = v.URL
		}
	}
	switch {
	case ex.Status == http.StatusForbidden:
		p.fail(c, detectors.RuleAuth403Burst, group, fmt.Sprintf("POST signin answered 403 (%s)", ex.AnsweredBy),
			"NextAuth answers a sign-in POST with a redirect (or JSON {url}), never 403: the 403 came from the way to it.")
		return
	case ex.Status == http.StatusMethodNotAllowed:
		p.fail(c, detectors.RuleMethodRejected, p.apiGroup(), fmt.Sprintf("POST signin answered 405 (%s)", ex.AnsweredBy),
			"POST was refused with 405 Method Not Allowed before NextAuth could answer it.")
		return
	}
	if errCode := csrfError(loc); errCode != "" {
		cause := "NextAuth rejected the CSRF token (" + errCode + "): the CSRF cookie the probe sent with the token did not reach the app, so CloudFront is not forwarding cookies to the origin."
		if errCode == "csrf=true" && p.opts.Provider == "credentials" {
			cause += " (NextAuth v4 answers csrf=true also for a provider ID it does not know: set --provider to one of the site's providers if it has no credentials provider.)"
		}
		p.fail(c, detectors.RuleAuth403Burst, group, "NextAuth answered with a CSRF error: cookies do not reach the app", cause)
		return
	}
	// The query string: the callback-url cookie NextAuth set from it.
	var cb *http.Cookie
	for _, ck := range r.cookies {
		if strings.HasSuffix(ck.Name, "callback-url") {
			cb = ck
		}
	}
	switch {
	case cb != nil && !strings.Contains(unescapeCookie(cb.Value), probeMarker):
		p.fail(c, detectors.RuleAuth403Burst, group, "the query string did not reach NextAuth (callback-url cookie not taken from it)",
			"NextAuth set its callback-url cookie without the callbackUrl the probe sent in the query string: CloudFront is not forwarding query strings to the origin (OAuth callbacks then lose code and state).")
		return
	case cb == nil && p.callbackC:
		p.fail(c, detectors.RuleAuth403Burst, group, "the query string did not reach NextAuth (no callback-url cookie for the callbackUrl sent)",
			"NextAuth sets its callback-url cookie when a request's callbackUrl differs from the cookie; the probe sent one in the query string and none came back: CloudFront is not forwarding query strings to the origin (OAuth callbacks then lose code and state).")
		return
	case cb == nil:
		c.note("query-string forwarding not verified: the site set no callback-url cookie")
	}
	if ex.Status >= 300 && ex.Status < 400 || ex.Status == http.StatusOK {
		c.pass("%d from %s: NextAuth accepted the CSRF token (cookies forwarded) and saw the query string", ex.Status, ex.AnsweredBy)
		return
	}
	c.note("answered %d, not NextAuth's usual redirect", ex.Status)
	c.pass("%d from %s (not refused at the edge)", ex.Status, ex.AnsweredBy)
}

// csrfError returns NextAuth's CSRF error marker in a redirect target:
// Auth.js v5's error=MissingCSRF, NextAuth v4's csrf=true.
func csrfError(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	q := u.Query()
	if e := q.Get("error"); e == "MissingCSRF" || e == "InvalidCSRF" {
		return "error=" + e
	}
	if q.Get("csrf") == "true" {
		return "csrf=true"
	}
	return ""
}

func unescapeCookie(v string) string {
	if s, err := url.QueryUnescape(v); err == nil {
		return s
	}
	return v
}

// ---- callback

func (p *prober) checkCallback(ctx context.Context, c *Check) {
	r := c.add(p.do(ctx, request{method: http.MethodGet, path: p.opts.AuthPrefix + "/callback/" + p.opts.Provider, cookies: p.cookies}))
	ex := r.ex
	if ex.Status >= 500 && !edgeError(ex) && ex.AnsweredBy != byS3 {
		// NextAuth v4 answers a credentials callback by GET with 500.
		c.note("answered %d by the origin: NextAuth's own answer to a callback it cannot handle by GET", ex.Status)
		c.pass("%d from the origin (not refused on the way)", ex.Status)
		return
	}
	if p.failBySignature(c, r) {
		return
	}
	group := p.opts.AuthPrefix + "/callback/*"
	switch {
	case ex.Status == http.StatusForbidden:
		p.fail(c, detectors.RuleAuth403Burst, group, fmt.Sprintf("GET callback answered 403 (%s)", ex.AnsweredBy),
			"NextAuth answers a callback without a code with a redirect to its error page, never 403: the 403 came from the way to it.")
	case ex.Status >= 300 && ex.Status < 400:
		c.pass("%d redirect from %s (NextAuth's error redirect)", ex.Status, ex.AnsweredBy)
	default:
		c.note("answered %d, not NextAuth's usual redirect", ex.Status)
		c.pass("%d from %s (not refused on the way)", ex.Status, ex.AnsweredBy)
	}
}

// ---- never-cached

func (p *prober) checkNeverCached(ctx context.Context, c *Check) {
	var hits []string
	through := false
	for range 2 {
		r := c.add(p.do(ctx, p.sessionRequest(nil, false)))
		if r.ex.Status == 0 {
			p.failBySignature(c, r)
			return
		}
		through = through || r.ex.ViaCloudFront
		if xc, cached := cacheState(r.header); cached {
			what := "x-cache " + esc(xc)
			if a := r.header.Get("Age"); a != "" {
				what += ", Age " + esc(a)
			}
			hits = append(hits, what)
		}
	}
	if len(hits) > 0 {
		p.fail(c, detectors.RuleAuthCacheHit, p.authGroup(), "session served from cache: "+strings.Join(hits, "; "),
			"GET "+p.opts.AuthPrefix+"/session was answered from CloudFront's cache: one user's session or CSRF token can be served to another.")
		return
	}
	if !through {
		c.note("no CloudFront response headers (x-cache, via, x-amz-cf-id): is this URL served through CloudFront?")
	}
	c.pass("both answers were cache misses (no Hit, no Age)")
}

// ---- preflight

func (p *prober) checkPreflight(ctx context.Context, c *Check) {
	if p.opts.Origin == "" {
		c.skip("no --origin given (only cross-origin sites need CORS)")
		return
	}
	r := c.add(p.do(ctx, request{method: http.MethodOptions, path: p.opts.AuthPrefix + "/session", headers: [][2]string{
		{"Origin", p.opts.Origin}, {"Access-Control-Request-Method", "POST"}, {"Access-Control-Request-Headers", "content-type"},
	}}))
	if p.failBySignature(c, r) {
		return
	}
	ex := r.ex
	acao := r.header.Get("Access-Control-Allow-Origin")
	acam := r.header.Get("Access-Control-Allow-Methods")
	methodsOK := acam == "" || acam == "*" || strings.Contains(strings.ToUpper(acam), "POST")
	if ex.Status >= 200 && ex.Status < 300 && (acao == p.opts.Origin || acao == "*") && methodsOK {
		c.pass("%d with Access-Control-Allow-Origin %s", ex.Status, esc(acao))
		return
	}
	what := fmt.Sprintf("%d", ex.Status)
	switch {
	case acao == "":
		what += " without Access-Control-Allow-Origin"
	case acao != p.opts.Origin && acao != "*":
		what += " with Access-Control-Allow-Origin " + esc(acao) + ", not " + p.opts.Origin
	case !methodsOK:
		what += " with Access-Control-Allow-Methods " + esc(acam) + " (no POST)"
	}
	p.fail(c, detectors.RuleCORSPreflightRejected, p.apiGroup(), "preflight answered "+what,
		"The browser's CORS preflight from "+p.opts.Origin+" was not answered with matching Access-Control-* headers: browsers then block the cross-origin call (CloudFront not forwarding the Origin header, or no CORS answer configured).")
}

// ---- api-host

func (p *prober) checkAPIHost(ctx context.Context, c *Check) {
	r := c.add(p.do(ctx, request{method: http.MethodGet, path: p.opts.APIPath, cookies: p.cookies}))
	ex := r.ex
	switch {
	case ex.Status == 0:
		p.failBySignature(c, r)
	case apiForbidden(ex):
		p.failBySignature(c, r)
	case ex.AnsweredBy == byS3:
		c.note("answered by S3 (%s): %s is served by the default (static) behavior", ex.Signature, esc(p.opts.APIPath))
		c.pass("%d from S3, not API Gateway's Host 403", ex.Status)
	default:
		c.pass("%d from %s, not API Gateway's Host 403", ex.Status, ex.AnsweredBy)
	}
}

package audit

import (
	"fmt"
	"slices"
	"strings"
)

// Severities.
const (
	SeverityCritical = "critical"
	SeverityWarning  = "warning"
)

// A Rule is one of the audit's checks.
type Rule struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Title    string `json:"title"`
	Prevents string `json:"prevents"` // the log rule whose failure it prevents
	Help     string `json:"help"`
}

// Rules lists the audit's rules in the order they are checked.
func Rules() []Rule {
	return []Rule{
		{"config-api-behavior-missing", SeverityCritical, "The auth path is served by the static (S3) origin", "api-routed-to-static-origin",
			"No cache behavior matches the auth/API path, so the default behavior and its S3 origin serve it: NextAuth never runs. Add a cache behavior for the API prefix (e.g. /api/*) that targets the application's origin, before any broader pattern."},
		{"config-auth-cached", SeverityCritical, "The auth behavior can cache responses", "auth-cache-hit",
			"The cache policy (or the legacy TTLs) of the behavior serving /api/auth/* lets CloudFront cache: one user's session or CSRF token is served to others. Use the managed CachingDisabled cache policy (" + IDCachingDisabled + ")."},
		{"config-methods-restricted", SeverityCritical, "The API behavior does not allow POST", "method-rejected",
			"CloudFront refuses methods a behavior does not allow with 403 before the origin sees them: sign-in and callback POSTs fail. Allow GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE (cache only GET and HEAD)."},
		{"config-cookies-not-forwarded", SeverityCritical, "Not all of the auth library's cookies reach the origin", "auth-403-burst",
			"NextAuth needs its session, CSRF, callback-URL, PKCE, state and nonce cookies (with __Secure-/__Host- prefixes and chunked session-token.0…N; Auth.js v5 names them authjs.*). Forward all cookies with an origin request policy (AllViewerExceptHostHeader " + IDAllViewerExceptHostHeader + " for API Gateway and Lambda URLs, AllViewer " + IDAllViewer + " otherwise)."},
		{"config-query-not-forwarded", SeverityCritical, "Query strings do not reach the origin", "auth-403-burst",
			"The OAuth callback's code and state are query strings; without them the callback fails with 403. Forward all query strings with the origin request policy."},
		{"config-host-to-apigw", SeverityCritical, "The viewer's Host header is forwarded to API Gateway or a Lambda URL", "api-origin-forbidden",
			"API Gateway and Lambda function URLs route on the Host header and answer 403 to the distribution's host name. Use AllViewerExceptHostHeader (" + IDAllViewerExceptHostHeader + ") or a policy that forwards only the headers the API needs, and a cache policy whose key has no Host."},
		{"config-viewer-http-allowed", SeverityWarning, "The auth behavior accepts plain http", "auth-insecure-scheme",
			"With allow-all, sign-in can happen over http, where __Secure- cookies are not stored and NEXTAUTH_URL (https) does not match. Set ViewerProtocolPolicy to redirect-to-https or https-only."},
		{"config-origin-header-dropped", SeverityWarning, "Cross-origin API without Origin header or CORS headers", "cors-preflight-rejected",
			"The API is called from another origin, but the behavior forwards no Origin header and no response headers policy adds CORS headers. Forward Origin (origin request policy) or attach a response headers policy with CORS (credentialed requests need an explicit origin, not *)."},
		{"config-logging-off", SeverityWarning, "Standard logging or cookie logging is off", "auth-cookie-missing",
			"cfwatch reads CloudFront's standard logs; without them, or without cookie logging, auth-cookie-missing and the other log rules cannot see the failure. Turn on standard logging with IncludeCookies."},
		{"config-oac-lambda-url-post", SeverityCritical, "Origin access control on a Lambda URL with POST", "post-signature-rejected",
			"CloudFront's OAC does not sign request bodies for Lambda function URLs (\"Lambda doesn't support unsigned payloads\"): every POST/PUT without an x-amz-content-sha256 header from the browser gets 403. Put API Gateway in front, or drop OAC on this origin and protect the function URL another way."},
		{"config-error-pages-mask-api", SeverityWarning, "Custom error pages turn API errors into 200 HTML", "auth-html-response",
			"Custom error responses apply to every behavior: a 403/404 from the API becomes a 200 HTML page that NextAuth's client cannot parse. Scope the SPA fallback to the static origin (e.g. a CloudFront Function) or remove the 403/404 → 200 mapping."},
		{"config-cookies-to-static", SeverityWarning, "All cookies forwarded to the S3 origin", "auth-cookie-oversize",
			"Large or chunked session cookies make the request header exceed S3's limit (400 RequestHeaderSectionTooLarge). Forward no cookies to S3 (CachingOptimized " + IDCachingOptimized + ", no origin request policy)."},
		{"config-waf-blocks-auth", SeverityWarning, "The web ACL's core rule set can block NextAuth", "edge-refusals-on-auth",
			"AWSManagedRulesCommonRuleSet rules such as EC2MetaDataSSRF_COOKIE (callback-url cookie), SizeRestrictions_Cookie_HEADER (large session cookies) and GenericRFI_QUERYARGUMENTS (callbackUrl) block NextAuth requests. Override them to Count (RuleActionOverrides) or scope the rule group down to exclude the auth path."},
	}
}

func ruleByID(id string) Rule {
	for _, r := range Rules() {
		if r.ID == id {
			return r
		}
	}
	return Rule{ID: id}
}

// Options are the paths the audit routes.
type Options struct {
	AuthPrefix  string   // default /api/auth
	APIPrefixes []string // default /api
}

func (o Options) withDefaults() Options {
	if o.AuthPrefix == "" {
		o.AuthPrefix = "/api/auth"
	}
	if len(o.APIPrefixes) == 0 {
		o.APIPrefixes = []string{"/api"}
	}
	return o
}

// allMethods is what an API behavior must allow.
var allMethods = []string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}

// wafRiskyRules are the core rule set's rules that block NextAuth traffic
// (aws-facts.md §4.1; names from
// https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
var wafRiskyRules = []string{
	"EC2MetaDataSSRF_COOKIE", "SizeRestrictions_Cookie_HEADER", "CrossSiteScripting_COOKIE",
	"GenericRFI_QUERYARGUMENTS", "EC2MetaDataSSRF_QUERYARGUMENTS", "SizeRestrictions_QUERYSTRING",
	"SizeRestrictions_BODY", "NoUserAgent_HEADER",
}

// Audit applies the rules to every distribution of cfg.
func Audit(cfg *Config, opts Options) *Report {
	opts = opts.withDefaults()
	rep := &Report{Schema: SchemaID, AuthPrefix: opts.AuthPrefix, APIPrefixes: opts.APIPrefixes, Inputs: cfg.Inputs, Rules: Rules()}
	if rep.Inputs == nil {
		rep.Inputs = []Input{}
	}
	for _, d := range cfg.Distributions {
		a := &auditor{d: d, opts: opts, dr: DistributionReport{Name: d.Name(), ID: d.ID, Resource: d.Resource, File: d.File, Line: d.Line, Routes: []Route{}, Checks: []Check{}}}
		a.run()
		rep.Distributions = append(rep.Distributions, a.dr)
		rep.Findings = append(rep.Findings, a.findings...)
	}
	if rep.Distributions == nil {
		rep.Distributions = []DistributionReport{}
	}
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	for _, f := range rep.Findings {
		switch f.Severity {
		case SeverityCritical:
			rep.Summary.Critical++
		case SeverityWarning:
			rep.Summary.Warning++
		}
	}
	return rep
}

type auditor struct {
	d        *Distribution
	opts     Options
	dr       DistributionReport
	findings []Finding
	seen     map[string]bool

	auth []*Behavior // behaviors serving the auth path
	api  []*Behavior // behaviors serving auth or API paths
}

func (a *auditor) check(rule string, b *Behavior, setting, value, result, note string) {
	c := Check{Rule: rule, Setting: setting, Value: value, Result: result, Note: note}
	if b != nil {
		c.PathPattern = b.Pattern()
	}
	a.dr.Checks = append(a.dr.Checks, c)
}

func (a *auditor) find(rule string, b *Behavior, setting, value string, line int, cause, fix string) {
	key := rule + "\x00" + setting
	if b != nil {
		key += "\x00" + b.Pattern()
	}
	if a.seen[key] {
		return
	}
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	a.seen[key] = true
	r := ruleByID(rule)
	f := Finding{Rule: rule, Severity: r.Severity, Distribution: a.d.ID, Resource: a.d.Resource, File: a.d.File, Line: line,
		Setting: setting, Value: value, Cause: cause, Fix: fix, Prevents: r.Prevents}
	if f.Line == 0 {
		f.Line = a.d.Line
	}
	if b != nil {
		f.PathPattern = b.Pattern()
	}
	a.findings = append(a.findings, f)
	a.check(rule, b, setting, value, ResultFinding, "")
}

// Check results.
const (
	ResultOK            = "ok"
	ResultFinding       = "finding"
	ResultUnknown       = "unknown"
	ResultNotApplicable = "not-applicable"
)

func (a *auditor) originOf(b *Behavior) *Origin {
	if o := a.d.origin(b.TargetOriginID); o != nil {
		return o
	}
	why := "TargetOriginId " + b.TargetOriginID + " names no origin"
	if w, ok := b.unknown("TargetOriginId"); ok {
		why = w
	}
	return &Origin{ID: b.TargetOriginID, Kind: OriginUnknown, Why: why}
}

func (a *auditor) run() {
	// Route the auth and API paths.
	type probe struct {
		path string
		auth bool
	}
	var probes []probe
	for _, p := range probePaths(a.opts.AuthPrefix, true) {
		probes = append(probes, probe{p, true})
	}
	for _, pre := range a.opts.APIPrefixes {
		for _, p := range probePaths(pre, false) {
			probes = append(probes, probe{p, false})
		}
	}
	for _, pr := range probes {
		b, unk := a.d.behaviorFor(pr.path)
		if b == nil {
			a.check("config-api-behavior-missing", nil, "DefaultCacheBehavior", "missing", ResultUnknown, "no behavior serves "+pr.path)
			continue
		}
		o := a.originOf(b)
		a.dr.Routes = append(a.dr.Routes, Route{Path: pr.path, PathPattern: b.Pattern(), Origin: o.ID, OriginKind: o.Kind, Note: unk})
		if pr.auth && !slices.Contains(a.auth, b) {
			a.auth = append(a.auth, b)
		}
		if !slices.Contains(a.api, b) {
			a.api = append(a.api, b)
		}
		a.ruleRouted(pr.path, b, o)
	}
	for _, b := range a.auth {
		if a.static(b) {
			continue
		}
		a.ruleCached(b)
		a.ruleViewerHTTP(b)
	}
	for _, b := range a.api {
		if a.static(b) {
			continue
		}
		a.ruleMethods(b)
		a.ruleCookies(b)
		a.ruleQuery(b)
		a.ruleOriginHeader(b)
	}
	for _, b := range a.d.Behaviors {
		a.ruleHost(b)
		a.ruleOACLambda(b)
		a.ruleCookiesToStatic(b)
	}
	a.ruleLogging()
	a.ruleErrorPages()
	a.ruleWAF()
}

func (a *auditor) static(b *Behavior) bool { return a.originOf(b).Kind == OriginS3 }

func (a *auditor) ruleRouted(path string, b *Behavior, o *Origin) {
	const id = "config-api-behavior-missing"
	switch o.Kind {
	case OriginS3:
		if b.Default {
			a.find(id, b, "CacheBehaviors", "no path pattern matches "+path, a.d.Line,
				fmt.Sprintf("no cache behavior matches %s, so the default behavior serves it from the S3 origin %s (%s): NextAuth never runs and S3 answers 403/404", path, o.ID, o.Why),
				"add a cache behavior with PathPattern /"+strings.Trim(a.opts.APIPrefixes[0], "/")+"/* that targets the application's origin, with CachingDisabled ("+IDCachingDisabled+"), all methods and an origin request policy forwarding all cookies and query strings")
		} else {
			a.find(id, b, "TargetOriginId", b.TargetOriginID, b.line("TargetOriginId"),
				fmt.Sprintf("the behavior %s that serves %s targets the S3 origin %s (%s): NextAuth never runs", b.PathPattern, path, o.ID, o.Why),
				"point TargetOriginId at the application's origin (API Gateway, Lambda URL, App Runner, ALB)")
		}
	case OriginUnknown:
		a.check(id, b, "TargetOriginId", b.TargetOriginID, ResultUnknown, "origin kind unknown: "+o.Why)
	default:
		a.check(id, b, "TargetOriginId", fmt.Sprintf("%s → %s (%s)", path, o.ID, o.Kind), ResultOK, "")
	}
}

func (a *auditor) ruleCached(b *Behavior) {
	const id = "config-auth-cached"
	fix := "set CachePolicyId to CachingDisabled (" + IDCachingDisabled + ")"
	if cp := b.CachePolicy; cp != nil {
		if cp.Policy == nil {
			if cp.Value == seedWrongCachingDisabled {
				a.find(id, b, "CachePolicyId", cp.Value, b.line("CachePolicyId"),
					"the cache policy ID "+cp.Value+" is "+cp.Unknown+": the deploy fails or the behavior does not get CachingDisabled", fix)
				return
			}
			a.check(id, b, "CachePolicyId", cp.Value, ResultUnknown, cp.Unknown)
			return
		}
		p := cp.Policy
		val := fmt.Sprintf("%s: MinTTL %d, DefaultTTL %d, MaxTTL %d", p.Label(), p.MinTTL, p.DefaultTTL, p.MaxTTL)
		if p.MinTTL > 0 || p.DefaultTTL > 0 || p.MaxTTL > 0 {
			cause := fmt.Sprintf("the cache policy %s lets CloudFront cache /api/auth/* responses", p.Label())
			if p.MinTTL > 0 {
				cause += fmt.Sprintf(" for at least %d s even when NextAuth sends Cache-Control: no-store", p.MinTTL)
			}
			a.find(id, b, "CachePolicyId", val, b.line("CachePolicyId"), cause+": one user's session comes back to another", fix)
			return
		}
		a.check(id, b, "CachePolicyId", val, ResultOK, "")
		return
	}
	if b.Legacy == nil {
		a.check(id, b, "CachePolicyId", "none", ResultUnknown, "neither a cache policy nor ForwardedValues")
		return
	}
	ttl := func(key string, v *int64, def int64) (int64, bool) {
		if _, unk := b.unknown(key); unk {
			return 0, false
		}
		if v == nil {
			return def, true
		}
		return *v, true
	}
	mn, ok1 := ttl("MinTTL", b.MinTTL, 0)
	df, ok2 := ttl("DefaultTTL", b.DefaultTTL, 86400)
	mx, ok3 := ttl("MaxTTL", b.MaxTTL, 31536000)
	val := fmt.Sprintf("legacy TTLs MinTTL %d, DefaultTTL %d, MaxTTL %d", mn, df, mx)
	if !ok1 || !ok2 || !ok3 {
		a.check(id, b, "DefaultTTL", val, ResultUnknown, "a TTL is not a literal")
		return
	}
	if mn > 0 || df > 0 || mx > 0 {
		setting, l := "DefaultTTL", b.line("DefaultTTL")
		if b.DefaultTTL == nil {
			l = b.Line
		}
		a.find(id, b, setting, val, l, "the legacy cache settings let CloudFront cache /api/auth/* responses (DefaultTTL defaults to 86400 s): one user's session comes back to another", fix+" (or set MinTTL, DefaultTTL and MaxTTL to 0)")
		return
	}
	a.check(id, b, "DefaultTTL", val, ResultOK, "")
}

func (a *auditor) ruleViewerHTTP(b *Behavior) {
	const id = "config-viewer-http-allowed"
	if why, ok := b.unknown("ViewerProtocolPolicy"); ok {
		a.check(id, b, "ViewerProtocolPolicy", "", ResultUnknown, why)
		return
	}
	if b.ViewerProtocolPolicy == "allow-all" {
		a.find(id, b, "ViewerProtocolPolicy", "allow-all", b.line("ViewerProtocolPolicy"),
			"the auth behavior serves plain http: __Secure- cookies are not stored over http and NEXTAUTH_URL (https) does not match the request",
			"set ViewerProtocolPolicy to redirect-to-https (or https-only)")
		return
	}
	a.check(id, b, "ViewerProtocolPolicy", b.ViewerProtocolPolicy, ResultOK, "")
}

func (a *auditor) ruleMethods(b *Behavior) {
	const id = "config-methods-restricted"
	val := "[" + strings.Join(b.AllowedMethods, ", ") + "]"
	if why, ok := b.unknown("AllowedMethods"); ok {
		a.check(id, b, "AllowedMethods", val, ResultUnknown, why)
		return
	}
	var missing []string
	for _, m := range allMethods {
		if !slices.Contains(b.AllowedMethods, m) {
			missing = append(missing, m)
		}
	}
	if len(missing) > 0 {
		if _, set := b.Lines["AllowedMethods"]; !set {
			val += " (the default)"
		}
		a.find(id, b, "AllowedMethods", val, b.line("AllowedMethods"),
			"CloudFront refuses "+strings.Join(missing, ", ")+" on this behavior with 403 before the origin sees them: sign-in and OAuth callback POSTs fail",
			"set AllowedMethods to GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE (CachedMethods GET, HEAD)")
		return
	}
	a.check(id, b, "AllowedMethods", val, ResultOK, "")
}

// forwarding is what reaches the origin for one of cookies, query strings or
// headers: the union of the cache key and the origin request policy (or the
// legacy ForwardedValues).
type forwarding struct {
	sets    []NameSet
	srcs    []string
	setting string
	line    int
	unknown string
}

func (f forwarding) has(name string, fold bool) bool {
	for _, s := range f.sets {
		if s.has(name, fold) {
			return true
		}
	}
	return false
}

func (f forwarding) value() string {
	if len(f.srcs) == 0 {
		return "none"
	}
	return strings.Join(f.srcs, "; ")
}

// what is "cookies", "query strings" or "headers".
func (a *auditor) forwarded(b *Behavior, what string) forwarding {
	var f forwarding
	pick := func(p *Policy) NameSet {
		switch what {
		case "cookies":
			return p.Cookies
		case "query strings":
			return p.QueryStrings
		}
		return p.Headers
	}
	add := func(ref *PolicyRef, k PolicyKind, role string) {
		if ref == nil {
			return
		}
		if f.setting == "" || k == OriginRequestPolicyKind {
			f.setting, f.line = k.Setting(), b.line(k.Setting())
		}
		if ref.Policy == nil {
			f.unknown = k.Setting() + " " + ref.Value + ": " + ref.Unknown
			return
		}
		s := pick(ref.Policy)
		if s.Behavior == "unknown" {
			f.unknown = k.String() + " " + ref.Policy.Label() + ": the " + what + " behavior is not a literal"
			return
		}
		f.sets = append(f.sets, s)
		f.srcs = append(f.srcs, fmt.Sprintf("%s %s: %s", role, ref.Policy.Label(), s))
	}
	if b.CachePolicy != nil {
		add(b.CachePolicy, CachePolicyKind, "cache policy")
		add(b.OriginRequestPolicy, OriginRequestPolicyKind, "origin request policy")
		if b.OriginRequestPolicy == nil {
			f.setting, f.line = "OriginRequestPolicyId", b.Line
		}
		return f
	}
	if b.Legacy == nil {
		f.setting, f.line = "OriginRequestPolicyId", b.Line
		add(b.OriginRequestPolicy, OriginRequestPolicyKind, "origin request policy")
		return f
	}
	add(b.OriginRequestPolicy, OriginRequestPolicyKind, "origin request policy")
	lg := b.Legacy
	switch what {
	case "cookies":
		f.setting, f.line = "ForwardedValues.Cookies", b.line("ForwardedValues.Cookies")
		if why, ok := b.unknown("ForwardedValues.Cookies"); ok {
			f.unknown = why
		}
		f.sets = append(f.sets, lg.Cookies)
		f.srcs = append(f.srcs, "ForwardedValues.Cookies: "+lg.Cookies.String())
	case "query strings":
		f.setting, f.line = "ForwardedValues.QueryString", b.line("ForwardedValues.QueryString")
		if why, ok := b.unknown("ForwardedValues.QueryString"); ok {
			f.unknown = why
		}
		q := lg.QueryString != nil && *lg.QueryString
		if q {
			f.sets = append(f.sets, all)
		}
		f.srcs = append(f.srcs, fmt.Sprintf("ForwardedValues.QueryString: %t", q))
	default:
		f.setting, f.line = "ForwardedValues.Headers", b.line("ForwardedValues.Headers")
		f.sets = append(f.sets, NameSet{Behavior: "whitelist", Names: lg.Headers})
		f.srcs = append(f.srcs, "ForwardedValues.Headers: ["+strings.Join(lg.Headers, ", ")+"]")
	}
	if b.OriginRequestPolicy != nil {
		f.setting, f.line = "OriginRequestPolicyId", b.line("OriginRequestPolicyId")
	}
	return f
}

func (a *auditor) orpFix(b *Behavior) string {
	switch a.originOf(b).Kind {
	case OriginAPIGateway, OriginLambdaURL:
		return "set OriginRequestPolicyId to AllViewerExceptHostHeader (" + IDAllViewerExceptHostHeader + "), which forwards all cookies and query strings but not Host, or a custom origin request policy with CookieBehavior all and QueryStringBehavior all"
	}
	return "set OriginRequestPolicyId to AllViewer (" + IDAllViewer + "), or AllViewerExceptHostHeader (" + IDAllViewerExceptHostHeader + ") if the origin routes on its own host name, or a custom origin request policy with CookieBehavior all and QueryStringBehavior all"
}

// authCookies returns the cookies NextAuth (prefix next-auth) or Auth.js v5
// (prefix authjs) sets over https, including the first session chunks.
func authCookies(family string, http bool) []string {
	out := []string{
		"__Secure-" + family + ".session-token",
		"__Secure-" + family + ".session-token.0",
		"__Secure-" + family + ".session-token.1",
		"__Host-" + family + ".csrf-token",
		"__Secure-" + family + ".callback-url",
		"__Secure-" + family + ".pkce.code_verifier",
		"__Secure-" + family + ".state",
		"__Secure-" + family + ".nonce",
	}
	if http {
		out = append(out, family+".session-token", family+".csrf-token", family+".callback-url")
	}
	return out
}

func (a *auditor) ruleCookies(b *Behavior) {
	const id = "config-cookies-not-forwarded"
	f := a.forwarded(b, "cookies")
	// Families the allowlists name; NextAuth v4 when none.
	var families []string
	for _, s := range f.sets {
		for _, n := range s.Names {
			if strings.Contains(n, "next-auth.") && !slices.Contains(families, "next-auth") {
				families = append(families, "next-auth")
			}
			if strings.Contains(n, "authjs.") && !slices.Contains(families, "authjs") {
				families = append(families, "authjs")
			}
		}
	}
	if len(families) == 0 {
		families = []string{"next-auth"}
	}
	var missing []string
	for _, fam := range families {
		for _, c := range authCookies(fam, b.ViewerProtocolPolicy == "allow-all") {
			if !f.has(c, false) {
				missing = append(missing, c)
			}
		}
	}
	if a.settled(id, b, f, missing) {
		return
	}
	cause := "no cookies reach the origin: NextAuth sees no session, CSRF or state cookie and answers 403 (CSRF token mismatch, OAuthCallbackError)"
	for _, s := range f.sets {
		if s.Behavior == "whitelist" || s.Behavior == "allExcept" {
			cause = "the cookie " + s.Behavior + " does not let through " + strings.Join(missing, ", ")
			if slices.ContainsFunc(missing, func(c string) bool { return strings.Contains(c, "session-token.") }) {
				cause += " (large sessions are split into session-token.0…N chunks, which an allowlist cannot name without bound)"
			}
			cause += ": NextAuth answers 403 when these are missing"
			break
		}
	}
	a.find(id, b, f.setting, f.value(), f.line, cause, a.orpFix(b))
}

// settled records rule id's check of what b forwards (f) when there is no
// finding to make: passed when nothing is missing, unknown when the
// forwarding could not be resolved. It reports whether it did.
func (a *auditor) settled(id string, b *Behavior, f forwarding, missing []string) bool {
	switch {
	case len(missing) == 0:
		a.check(id, b, f.setting, f.value(), ResultOK, "")
	case f.unknown != "":
		a.check(id, b, f.setting, f.value(), ResultUnknown, f.unknown)
	default:
		return false
	}
	return true
}

func (a *auditor) ruleQuery(b *Behavior) {
	const id = "config-query-not-forwarded"
	f := a.forwarded(b, "query strings")
	var missing []string
	for _, q := range []string{"code", "state", "error", "callbackUrl"} {
		if !f.has(q, false) {
			missing = append(missing, q)
		}
	}
	if a.settled(id, b, f, missing) {
		return
	}
	a.find(id, b, f.setting, f.value(), f.line,
		"the query strings "+strings.Join(missing, ", ")+" do not reach the origin: the OAuth callback loses code and state and fails with 403",
		a.orpFix(b))
}

func (a *auditor) ruleHost(b *Behavior) {
	const id = "config-host-to-apigw"
	o := a.originOf(b)
	if o.Kind != OriginAPIGateway && o.Kind != OriginLambdaURL {
		return
	}
	f := a.forwarded(b, "headers")
	if !f.has("Host", true) {
		if f.unknown != "" {
			a.check(id, b, f.setting, f.value(), ResultUnknown, f.unknown)
			return
		}
		a.check(id, b, f.setting, f.value(), ResultOK, "")
		return
	}
	setting, l := f.setting, f.line
	// Name the setting that forwards Host.
	for _, ref := range []*PolicyRef{b.OriginRequestPolicy, b.CachePolicy} {
		if ref != nil && ref.Policy != nil && ref.Policy.Headers.has("Host", true) {
			setting = ref.Policy.Kind.Setting()
			l = b.line(setting)
			break
		}
	}
	what := "API Gateway"
	if o.Kind == OriginLambdaURL {
		what = "the Lambda function URL"
	}
	a.find(id, b, setting, f.value(), l,
		fmt.Sprintf("the viewer's Host header reaches %s (origin %s), which routes on Host and answers 403 {\"message\":\"Forbidden\"} to the distribution's host name", what, o.ID),
		"set OriginRequestPolicyId to AllViewerExceptHostHeader ("+IDAllViewerExceptHostHeader+") or a policy forwarding only the headers the API needs, and use a cache policy without Host in its key (CachingDisabled "+IDCachingDisabled+")")
}

func (a *auditor) ruleOriginHeader(b *Behavior) {
	const id = "config-origin-header-dropped"
	f := a.forwarded(b, "headers")
	if f.has("Origin", true) {
		a.check(id, b, f.setting, f.value(), ResultOK, "")
		return
	}
	if rh := b.ResponseHeadersPolicy; rh != nil {
		if rh.Policy == nil {
			a.check(id, b, "ResponseHeadersPolicyId", rh.Value, ResultUnknown, rh.Unknown)
			return
		}
		if rh.Policy.CORS {
			a.check(id, b, "ResponseHeadersPolicyId", rh.Policy.Label(), ResultOK, "")
			return
		}
	}
	if f.unknown != "" {
		a.check(id, b, f.setting, f.value(), ResultUnknown, f.unknown)
		return
	}
	// CORS matters only cross-origin (seed 000 ⑥): when this distribution
	// does not serve the site itself, or its names say it is an API host.
	def := a.d.Behaviors[len(a.d.Behaviors)-1]
	cross := ""
	if a.originOf(def).Kind != OriginS3 && def.TargetOriginID == b.TargetOriginID {
		cross = "the distribution serves only the API (its default behavior targets the same origin)"
	}
	for _, al := range a.d.Aliases {
		if strings.HasPrefix(strings.ToLower(al), "api.") {
			cross = "the distribution's alias " + al + " is an API host"
		}
	}
	if cross == "" {
		a.check(id, b, f.setting, f.value(), ResultNotApplicable, "same-origin: the site and the API share this distribution")
		return
	}
	a.find(id, b, f.setting, f.value(), f.line,
		cross+", so browsers call it cross-origin, but the Origin header does not reach the origin and no response headers policy adds CORS headers: preflights and credentialed calls fail",
		"forward the Origin header (origin request policy with Origin, or AllViewerExceptHostHeader "+IDAllViewerExceptHostHeader+") or attach a response headers policy with a CorsConfig naming the site's origin")
}

func (a *auditor) ruleOACLambda(b *Behavior) {
	const id = "config-oac-lambda-url-post"
	o := a.originOf(b)
	if o.Kind != OriginLambdaURL || o.OAC == "" {
		return
	}
	if !slices.Contains(b.AllowedMethods, "POST") && !slices.Contains(b.AllowedMethods, "PUT") {
		a.check(id, b, "OriginAccessControlId", o.OAC, ResultOK, "no POST/PUT")
		return
	}
	a.find(id, b, "Origins["+o.ID+"].OriginAccessControlId", o.OAC, o.Line,
		"origin access control signs requests to the Lambda function URL "+o.ID+" but not their bodies, and Lambda doesn't support unsigned payloads: every sign-in POST without x-amz-content-sha256 gets 403",
		"put API Gateway in front of the function, or remove the origin access control from this origin (AuthType NONE, checking a secret origin custom header in the function)")
}

func (a *auditor) ruleCookiesToStatic(b *Behavior) {
	const id = "config-cookies-to-static"
	if a.originOf(b).Kind != OriginS3 {
		return
	}
	f := a.forwarded(b, "cookies")
	for _, s := range f.sets {
		if s.Behavior == "all" || s.Behavior == "allExcept" {
			a.find(id, b, f.setting, f.value(), f.line,
				"all cookies are forwarded to the S3 origin "+b.TargetOriginID+": large or chunked session cookies push the request header past S3's limit (400 RequestHeaderSectionTooLarge) and split the cache",
				"forward no cookies to S3: CachingOptimized ("+IDCachingOptimized+") and no origin request policy (or CORS-S3Origin 88a5eaf4-2fd4-4709-b370-b4c650ea3fcf)")
			return
		}
	}
	a.check(id, b, f.setting, f.value(), ResultOK, "")
}

func (a *auditor) ruleLogging() {
	const id = "config-logging-off"
	lg := a.d.Logging
	l := lg.Line
	if l == 0 {
		l = a.d.Line
	}
	switch {
	case lg.Enabled == nil:
		a.check(id, nil, lg.Setting, "", ResultUnknown, lg.Unknown)
	case !*lg.Enabled:
		a.find(id, nil, lg.Setting, "off", l,
			"the distribution writes no standard logs: cfwatch's log rules see nothing",
			"turn on standard logging (Logging with a Bucket, or standard logging v2) with IncludeCookies true")
	case lg.Unknown != "":
		a.check(id, nil, lg.Setting+".IncludeCookies", "", ResultUnknown, lg.Unknown)
	case lg.IncludeCookies == nil || !*lg.IncludeCookies:
		a.find(id, nil, lg.Setting+".IncludeCookies", "false", l,
			"standard logging is on but cookie logging is off: auth-cookie-missing cannot tell a request that sent no cookie",
			"set IncludeCookies to true (cfwatch redacts cookie values)")
	default:
		a.check(id, nil, lg.Setting, "on, IncludeCookies true", ResultOK, "")
	}
}

func (a *auditor) ruleErrorPages() {
	const id = "config-error-pages-mask-api"
	var apiBehavior *Behavior
	for _, b := range a.api {
		if !a.static(b) {
			apiBehavior = b
			break
		}
	}
	for _, e := range a.d.ErrorResponses {
		if (e.ErrorCode != 403 && e.ErrorCode != 404) || e.ResponseCode != "200" {
			continue
		}
		val := fmt.Sprintf("%d → 200 %s", e.ErrorCode, e.PagePath)
		if apiBehavior == nil {
			a.check(id, nil, "CustomErrorResponses", val, ResultNotApplicable, "no API behavior")
			continue
		}
		a.find(id, apiBehavior, "CustomErrorResponses", val, e.Line,
			fmt.Sprintf("custom error responses apply to every behavior: a %d from the API on %s becomes a 200 HTML page (%s) that NextAuth's client cannot parse", e.ErrorCode, apiBehavior.Pattern(), e.PagePath),
			"remove the 403/404 → 200 error responses and do the SPA fallback for the static origin only (a CloudFront Function on the default behavior)")
	}
	if len(a.d.ErrorResponses) == 0 {
		a.check(id, nil, "CustomErrorResponses", "none", ResultOK, "")
	}
}

func (a *auditor) ruleWAF() {
	const id = "config-waf-blocks-auth"
	w := a.d.WebACL
	if w.Value == "" {
		a.check(id, nil, "WebACLId", "none", ResultNotApplicable, "no web ACL")
		return
	}
	if w.ACL == nil {
		a.check(id, nil, "WebACLId", w.Value, ResultUnknown, w.Unknown)
		return
	}
	auth := "/" + strings.Trim(a.opts.AuthPrefix, "/")
	mentionsAuth := func(ss []string) bool {
		return slices.ContainsFunc(ss, func(s string) bool {
			s = strings.TrimSuffix(strings.TrimSpace(s), "*")
			return len(s) > 1 && strings.HasPrefix(s, "/") && strings.HasPrefix(auth+"/", strings.TrimSuffix(s, "/")+"/")
		})
	}
	found := false
	for _, r := range w.ACL.Rules {
		if r.Vendor != "AWS" || r.Group != "AWSManagedRulesCommonRuleSet" || r.OverrideCount {
			continue
		}
		if r.HasScopeDown && mentionsAuth(r.ScopeDown) {
			a.check(id, nil, "WebACL rule "+r.Name, "scope-down excludes "+auth, ResultOK, "")
			continue
		}
		allowed := false
		for _, e := range w.ACL.Rules {
			if e.IsAllow && e.Priority < r.Priority && mentionsAuth(e.StatementStrings) {
				allowed = true
			}
		}
		if allowed {
			a.check(id, nil, "WebACL rule "+r.Name, "an earlier Allow rule exempts "+auth, ResultOK, "")
			continue
		}
		var blocking []string
		for _, rr := range wafRiskyRules {
			if !slices.Contains(r.Excluded, rr) {
				blocking = append(blocking, rr)
			}
		}
		if len(blocking) == 0 {
			a.check(id, nil, "WebACL rule "+r.Name, "risky rules overridden to Count", ResultOK, "")
			continue
		}
		found = true
		a.find(id, nil, "WebACL "+w.ACL.Name+" rule "+r.Name, "AWS/AWSManagedRulesCommonRuleSet blocking "+strings.Join(blocking, ", "), r.Line,
			"the core rule set blocks NextAuth requests: EC2MetaDataSSRF_COOKIE and CrossSiteScripting_COOKIE match the URL-encoded callback-url cookie, SizeRestrictions_Cookie_HEADER large or chunked session cookies, GenericRFI_QUERYARGUMENTS/EC2MetaDataSSRF_QUERYARGUMENTS callbackUrl, with no exception for "+auth,
			"add RuleActionOverrides with ActionToUse Count for "+strings.Join(blocking, ", ")+" (or a ScopeDownStatement that excludes "+auth+"/*)")
	}
	if !found {
		a.check(id, nil, "WebACLId", w.ACL.Name, ResultOK, "")
	}
}

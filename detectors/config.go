package detectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Threshold decides when failures are a burst rather than noise. Failures in
// a run of buckets (one Window each, at most Lookback long) are a burst when
// there are at least MinCount of them AND they are at least MinRate of the
// requests they are judged against (the rule's denominator in the same
// buckets).
//
// In JSON a rule's object also takes "enabled" (default true); false
// switches the rule off. The zero Threshold is on.
type Threshold struct {
	MinCount int64   `json:"min_count"`
	MinRate  float64 `json:"min_rate"`
	// Disabled switches the rule off: it then reports nothing. JSON
	// "enabled": false.
	Disabled bool `json:"-"`
}

// Auth403Threshold is the auth-403-burst threshold: a Threshold plus the
// comparison with the endpoint's normal failure rate.
type Auth403Threshold struct {
	Threshold
	// BaselineFactor: a burst must also fail at least this many times the
	// endpoint's baseline 403 rate (its rate outside bursts over the whole
	// input), so an endpoint that always answers some 403s is not reported.
	BaselineFactor float64 `json:"baseline_factor"`
	// BaselineMinRequests: the baseline is only used when the endpoint had
	// at least this many requests outside bursts; with fewer, it is too
	// noisy to judge against and only the Threshold applies.
	BaselineMinRequests int64 `json:"baseline_min_requests"`
}

// MethodRejectedThreshold is the method-rejected threshold. The Threshold
// applies to the paths the app serves (the API prefixes and the auth
// prefix), the others to the default (static) behavior, where a refusal
// counts only on a page of the site: a path whose last segment has no
// extension (or .html, .htm) that at least PageMinClients distinct clients
// loaded with a successful GET or HEAD. A page is reported when its
// refusals reach StaticMinCount, from StaticMinClients distinct clients,
// and are at least StaticMinRate of its requests, counted over the whole
// input.
type MethodRejectedThreshold struct {
	Threshold
	StaticMinCount   int64   `json:"static_min_count"`
	StaticMinClients int     `json:"static_min_clients"`
	StaticMinRate    float64 `json:"static_min_rate"`
	PageMinClients   int     `json:"page_min_clients"`
}

// OriginErrorsThreshold is the origin-errors threshold: a burst at
// Threshold is a warning, and critical when its error rate reaches
// CriticalRate.
type OriginErrorsThreshold struct {
	Threshold
	CriticalRate float64 `json:"critical_rate"`
}

// RefusalThreshold is the edge-refusals-on-auth threshold: a Threshold,
// the comparison with the host's refusal rate around the burst, and the
// distinct clients refused.
type RefusalThreshold struct {
	Threshold
	// BaselineFactor: a burst must refuse at least this many times the
	// rate of the host's other buckets (quiet or not, more than one bucket
	// away from it).
	BaselineFactor float64 `json:"baseline_factor"`
	// BaselineMinRequests: those buckets must hold at least this many
	// requests; with fewer (refusals since the input began) nothing is
	// seen to rise, and the rule stays silent.
	BaselineMinRequests int64 `json:"baseline_min_requests"`
	// MinClients: distinct clients among the refused requests.
	MinClients int `json:"min_clients"`
}

// CookieOversizeThreshold is the auth-cookie-oversize threshold: a burst
// of at least MinCount auth requests of WarnBytes or more (cs-bytes) or
// refused by the origin as too large; critical from CriticalBytes, near
// CloudFront's 20 KB limit on a request's headers.
type CookieOversizeThreshold struct {
	Threshold
	WarnBytes     int64 `json:"warn_bytes"`
	CriticalBytes int64 `json:"critical_bytes"`
}

// CheckConfig decides when a post-deploy check fails on failed responses:
// at least MinFailures failures AND more than MaxFailureRate of the
// endpoint's requests. Fewer are reported as evidence of a passing check.
// A check whose endpoint never succeeded fails on any failure.
type CheckConfig struct {
	MinFailures    int64   `json:"min_failures"`
	MaxFailureRate float64 `json:"max_failure_rate"`
}

// Config holds the detectors' settings. Start from DefaultConfig (the zero
// value is not valid); LoadConfig and Set change it from a JSON file or
// key=value strings. The JSON key of each setting is given in brackets.
type Config struct {
	// AuthPrefix [auth_prefix] is the path NextAuth / Auth.js is mounted at.
	// Default "/api/auth", NextAuth's default basePath; Auth.js v5 apps and a
	// custom basePath use another ("/auth"). Paths under it always count as
	// API paths.
	AuthPrefix string `json:"auth_prefix"`
	// APIPrefixes [api_prefixes] are the path prefixes served by the dynamic
	// origin (the "/api/*" cache behavior). Default ["/api"]. A trailing
	// "/" or "/*" is ignored: "/api/*" means "/api" and everything under it.
	APIPrefixes []string `json:"api_prefixes"`
	// AuthLibrary [auth_library] names the auth library whose cookies the
	// rules read (auth-403-burst, auth-cookie-missing): "next-auth"
	// (NextAuth v4, next-auth.* and __Secure-/__Host-next-auth.*),
	// "authjs" (Auth.js v5, authjs.*), "better-auth" (better-auth.*), or
	// "auto" (the default): the cookies of any of the three count, so a
	// host's library is recognised from its logged cookies whichever it is.
	// A set library keeps another one's stale cookies (after a migration)
	// from counting, and the findings name its cookies.
	AuthLibrary string `json:"auth_library"`

	// Window [window, e.g. "5m"] is the bucket size: requests are counted
	// per Window of record time. Default 5m: short enough to date an
	// incident to the minutes it started, long enough to hold a few
	// requests of a modest site's endpoint.
	Window time.Duration `json:"-"`
	// Lookback [lookback] is the longest run of buckets judged together.
	// Default 1h: a modest site (2,000 requests/hour) makes about ten OAuth
	// callbacks an hour, so it takes up to an hour of failures to reach
	// the minimum counts; busy sites are judged on single buckets anyway.
	Lookback time.Duration `json:"-"`
	// Reorder [reorder] is how far behind the newest record a record may be
	// and still be counted in its bucket. Default 90m: CloudFront writes
	// several files per hour whose records each span the hour, and may
	// deliver records of an hour in the next hour's files. Later records
	// only count towards the checks (see Engine.Stats).
	Reorder time.Duration `json:"-"`

	// MaxHosts [max_hosts] caps the (distribution, host) pairs tracked.
	// Default 64; records of further hosts are pooled under the host "*".
	MaxHosts int `json:"max_hosts"`
	// MaxPathGroups [max_path_groups] caps the origin-errors path groups per
	// host ("/api/items", "/api/profile", ...). Default 32; further API
	// paths are pooled in "<prefix>/*" (scanners invent many).
	MaxPathGroups int `json:"max_path_groups"`
	// MaxClients [max_clients] caps the distinct clients counted per
	// finding. Default 10,000; beyond, Finding.ClientsCapped is set and the
	// count is a lower bound.
	MaxClients int `json:"max_clients"`

	// AuthCacheHit [auth_cache_hit]: cached /api/auth/* answers. Default 3
	// and 1%: a correctly configured behavior never serves NextAuth from the
	// cache, so any repeated hit is real; 3 rules out a single odd record.
	AuthCacheHit Threshold `json:"auth_cache_hit"`
	// Auth403Burst [auth_403_burst]: 403s on one NextAuth endpoint. Default
	// 5, 20%, 5x baseline (over at least 200 requests): one or two stray
	// 403s never alert, 5 in an hour on an endpoint where a fifth of the
	// requests fail is a broken sign-in even on a small site.
	Auth403Burst Auth403Threshold `json:"auth_403_burst"`
	// MethodRejected [method_rejected]: edge InvalidRequestMethod 403s of
	// POST, PUT, PATCH, DELETE and OPTIONS (the methods a behavior can
	// allow). On the paths the app serves (API and auth prefixes), default
	// 1 and 0%: they need those methods (sign-in POSTs, OAuth callbacks), so
	// one refusal is a behavior that does not allow them. On the default
	// (static) behavior a refusal is normally scanner noise (POST
	// /xmlrpc.php): it counts only on pages of the site, a page firing at
	// static_min_count 10 refusals from static_min_clients 5 distinct
	// clients, static_min_rate 0.1% of its requests, a page being a path
	// loaded by page_min_clients 10 distinct clients: a form or a Server
	// Action posting to a page many visitors load, not a few bots.
	MethodRejected MethodRejectedThreshold `json:"method_rejected"`
	// CORSPreflightRejected [cors_preflight_rejected]: failed OPTIONS on API
	// paths. Default 5 and 20%: browsers preflight every cross-origin call,
	// so a real CORS gap fails most of them; a few odd OPTIONS from bots
	// do not.
	CORSPreflightRejected Threshold `json:"cors_preflight_rejected"`
	// AuthCookieMissing [auth_cookie_missing]: failing callback/session
	// requests without NextAuth cookies. Default 5 and 20%, like
	// auth-403-burst.
	AuthCookieMissing Threshold `json:"auth_cookie_missing"`
	// AuthInsecureScheme [auth_insecure_scheme]: auth requests answered over
	// plain http, or reached through the *.cloudfront.net name. Default 5
	// and 1%: any of it breaks Secure/__Host- cookies for those users, but a
	// lone probe over http is not worth a warning.
	AuthInsecureScheme Threshold `json:"auth_insecure_scheme"`
	// APIOriginForbidden [api_origin_forbidden]: origin 403s on most API
	// requests. Default 10 and 50% (of all API requests and of non-auth API
	// requests alike): "most requests" and not a handful of authorization
	// failures of one user.
	APIOriginForbidden Threshold `json:"api_origin_forbidden"`
	// OriginErrors [origin_errors]: 5xx and origin failures per path group.
	// Default 10 and 5% for a warning, critical from 25%: a few timeouts
	// (cold starts) are normal, one request in twenty failing is not, and one
	// in four is an outage.
	OriginErrors OriginErrorsThreshold `json:"origin_errors"`
	// APIRoutedToStaticOrigin [api_routed_to_static_origin]: API requests
	// answered with S3's XML error documents. Default 10 and 10%: a
	// behavior that sends /api/* to the app never gets an S3 error there,
	// so a tenth of the API answered by S3 is a routing fault, not a stray
	// probe.
	APIRoutedToStaticOrigin Threshold `json:"api_routed_to_static_origin"`
	// PostSignatureRejected [post_signature_rejected]: origin 403s on POST,
	// PUT and PATCH while GETs of the same behavior succeed. Default 10 and
	// 80% of those writes: Origin Access Control in front of a Lambda
	// function URL refuses every write whose body hash is missing, while an
	// authorization failure of some users fails a few.
	PostSignatureRejected Threshold `json:"post_signature_rejected"`
	// AuthHTMLResponse [auth_html_response]: NextAuth's JSON endpoints
	// (session, csrf, providers) answered with HTML. Default 5 and 20%:
	// NextAuth always answers them with JSON, so repeated HTML is a
	// distribution-wide error page, not a client's mistake.
	AuthHTMLResponse Threshold `json:"auth_html_response"`
	// EdgeFunctionError [edge_function_error]: Lambda@Edge or CloudFront
	// Functions failing or throttled, per behavior. Default 5 and 1%: a
	// function that works never fails, so a few failures in a hundred
	// requests are a broken or throttled function, while a single timeout
	// is not worth an alert.
	EdgeFunctionError Threshold `json:"edge_function_error"`
	// EdgeRefusalsOnAuth [edge_refusals_on_auth]: geo, WAF or signed-URL
	// refusals on NextAuth's endpoints, per host. Default 20 and 15% of
	// the endpoints' requests, from min_clients 20 distinct clients, at
	// baseline_factor 4 times the rate of the host's buckets around the
	// burst (at least baseline_min_requests 200 requests of them): a refusal
	// rate that stays level is the configuration at work (a country
	// blocked on purpose, WAF turning away scanners; its blocked viewers
	// retrying make short bursts from a few clients), one that rises well
	// above it for many users is a new rule or setting blocking sign-in.
	EdgeRefusalsOnAuth RefusalThreshold `json:"edge_refusals_on_auth"`
	// AuthCookieOversize [auth_cookie_oversize]: auth requests approaching
	// CloudFront's 20 KB request-header limit. Default 5 requests and 0%:
	// a request over warn_bytes (12,000 bytes, cs-bytes) or refused by the
	// origin as too large (431, 494, S3's 400) warns; critical_bytes
	// (16,000) is near the limit, where the next claim added to the
	// session makes sign-in fail with no log line at all.
	AuthCookieOversize CookieOversizeThreshold `json:"auth_cookie_oversize"`

	// Checks [checks] decides when a post-deploy check fails. Default 5
	// failures and more than 2%: a stray 403 in a busy day is evidence in
	// the check's text, not a failed deployment.
	Checks CheckConfig `json:"checks"`

	// IgnorePaths [ignore_paths] are glob patterns of request paths the
	// detectors do not see at all (no rule and no check counts them), e.g.
	// ["/xmlrpc.php", "/wp-*", "*.php"]. "*" matches any run of
	// characters, "/" included; "?" one character; anything else itself.
	// A pattern is matched against the whole path as the rules see it:
	// percent-decoded and normalised, without the query string. Default
	// none; at most 64 patterns.
	IgnorePaths []string `json:"ignore_paths"`
}

// DefaultConfig returns the default settings (documented on Config's
// fields).
func DefaultConfig() Config {
	return Config{
		AuthPrefix:    "/api/auth",
		APIPrefixes:   []string{"/api"},
		AuthLibrary:   AuthLibraryAuto,
		Window:        5 * time.Minute,
		Lookback:      time.Hour,
		Reorder:       90 * time.Minute,
		MaxHosts:      64,
		MaxPathGroups: 32,
		MaxClients:    10_000,

		AuthCacheHit: Threshold{MinCount: 3, MinRate: 0.01},
		Auth403Burst: Auth403Threshold{
			Threshold:           Threshold{MinCount: 5, MinRate: 0.2},
			BaselineFactor:      5,
			BaselineMinRequests: 200,
		},
		MethodRejected: MethodRejectedThreshold{
			Threshold:        Threshold{MinCount: 1, MinRate: 0},
			StaticMinCount:   10,
			StaticMinClients: 5,
			StaticMinRate:    0.001,
			PageMinClients:   10,
		},
		CORSPreflightRejected: Threshold{MinCount: 5, MinRate: 0.2},
		AuthCookieMissing:     Threshold{MinCount: 5, MinRate: 0.2},
		AuthInsecureScheme:    Threshold{MinCount: 5, MinRate: 0.01},
		APIOriginForbidden:    Threshold{MinCount: 10, MinRate: 0.5},
		OriginErrors: OriginErrorsThreshold{
			Threshold:    Threshold{MinCount: 10, MinRate: 0.05},
			CriticalRate: 0.25,
		},
		APIRoutedToStaticOrigin: Threshold{MinCount: 10, MinRate: 0.1},
		PostSignatureRejected:   Threshold{MinCount: 10, MinRate: 0.8},
		AuthHTMLResponse:        Threshold{MinCount: 5, MinRate: 0.2},
		EdgeFunctionError:       Threshold{MinCount: 5, MinRate: 0.01},
		EdgeRefusalsOnAuth: RefusalThreshold{
			Threshold:           Threshold{MinCount: 20, MinRate: 0.15},
			BaselineFactor:      4,
			BaselineMinRequests: 200,
			MinClients:          20,
		},
		AuthCookieOversize: CookieOversizeThreshold{
			Threshold:     Threshold{MinCount: 5, MinRate: 0},
			WarnBytes:     12_000,
			CriticalBytes: 16_000,
		},
		Checks: CheckConfig{MinFailures: 5, MaxFailureRate: 0.02},
	}
}

// maxRingBuckets bounds (Lookback+Reorder)/Window: a series' buckets are
// tracked in a 64-bit mask.
const maxRingBuckets = 64

// Validate reports the first problem with c, or nil.
func (c Config) Validate() error {
	if err := validPrefix("auth_prefix", c.AuthPrefix); err != nil {
		return err
	}
	if len(c.APIPrefixes) == 0 {
		return errors.New("detectors: api_prefixes is empty")
	}
	if _, err := parseAuthLibrary(c.AuthLibrary); err != nil {
		return err
	}
	if len(c.APIPrefixes) > 16 {
		return fmt.Errorf("detectors: api_prefixes has %d entries, at most 16", len(c.APIPrefixes))
	}
	for _, p := range c.APIPrefixes {
		if err := validPrefix("api_prefixes", p); err != nil {
			return err
		}
		if CleanPrefix(p) == "" {
			return fmt.Errorf("detectors: api_prefixes: %q would cover every path", p)
		}
	}
	if CleanPrefix(c.AuthPrefix) == "" {
		return fmt.Errorf("detectors: auth_prefix %q would cover every path", c.AuthPrefix)
	}
	const day = 24 * time.Hour
	switch {
	case c.Window < time.Second || c.Window > day:
		return fmt.Errorf("detectors: window %v out of range [1s, 24h]", c.Window)
	case c.Lookback > day || c.Reorder > day:
		return fmt.Errorf("detectors: lookback %v and reorder %v must be at most 24h", c.Lookback, c.Reorder)
	case c.Lookback < c.Window:
		return fmt.Errorf("detectors: lookback %v is shorter than window %v", c.Lookback, c.Window)
	case c.Reorder < 0:
		return fmt.Errorf("detectors: negative reorder %v", c.Reorder)
	case c.ringBuckets() > maxRingBuckets:
		return fmt.Errorf("detectors: (lookback %v + reorder %v) / window %v is %d buckets, at most %d",
			c.Lookback, c.Reorder, c.Window, c.ringBuckets(), maxRingBuckets)
	case c.MaxHosts < 1 || c.MaxHosts > 100_000:
		return fmt.Errorf("detectors: max_hosts %d out of range [1, 100000]", c.MaxHosts)
	case c.MaxPathGroups < 1 || c.MaxPathGroups > 10_000:
		return fmt.Errorf("detectors: max_path_groups %d out of range [1, 10000]", c.MaxPathGroups)
	case c.MaxClients < 1 || c.MaxClients > 10_000_000:
		return fmt.Errorf("detectors: max_clients %d out of range [1, 10000000]", c.MaxClients)
	}
	for _, t := range []struct {
		name string
		th   Threshold
	}{
		{"auth_cache_hit", c.AuthCacheHit},
		{"auth_403_burst", c.Auth403Burst.Threshold},
		{"method_rejected", c.MethodRejected.Threshold},
		{"cors_preflight_rejected", c.CORSPreflightRejected},
		{"auth_cookie_missing", c.AuthCookieMissing},
		{"auth_insecure_scheme", c.AuthInsecureScheme},
		{"api_origin_forbidden", c.APIOriginForbidden},
		{"origin_errors", c.OriginErrors.Threshold},
		{"api_routed_to_static_origin", c.APIRoutedToStaticOrigin},
		{"post_signature_rejected", c.PostSignatureRejected},
		{"auth_html_response", c.AuthHTMLResponse},
		{"edge_function_error", c.EdgeFunctionError},
		{"edge_refusals_on_auth", c.EdgeRefusalsOnAuth.Threshold},
		{"auth_cookie_oversize", c.AuthCookieOversize.Threshold},
	} {
		if t.th.MinCount < 1 {
			return fmt.Errorf("detectors: %s.min_count %d must be at least 1", t.name, t.th.MinCount)
		}
		if !validRate(t.th.MinRate) {
			return fmt.Errorf("detectors: %s.min_rate %v must be in [0, 1]", t.name, t.th.MinRate)
		}
	}
	switch {
	case !(c.Auth403Burst.BaselineFactor >= 0) || math.IsInf(c.Auth403Burst.BaselineFactor, 0):
		return fmt.Errorf("detectors: auth_403_burst.baseline_factor %v must be a number ≥ 0", c.Auth403Burst.BaselineFactor)
	case c.Auth403Burst.BaselineMinRequests < 0:
		return fmt.Errorf("detectors: auth_403_burst.baseline_min_requests %d is negative", c.Auth403Burst.BaselineMinRequests)
	case !(c.EdgeRefusalsOnAuth.BaselineFactor >= 0) || math.IsInf(c.EdgeRefusalsOnAuth.BaselineFactor, 0):
		return fmt.Errorf("detectors: edge_refusals_on_auth.baseline_factor %v must be a number ≥ 0", c.EdgeRefusalsOnAuth.BaselineFactor)
	case c.EdgeRefusalsOnAuth.BaselineMinRequests < 0 || c.EdgeRefusalsOnAuth.MinClients < 0:
		return fmt.Errorf("detectors: edge_refusals_on_auth.baseline_min_requests %d and min_clients %d must not be negative",
			c.EdgeRefusalsOnAuth.BaselineMinRequests, c.EdgeRefusalsOnAuth.MinClients)
	case c.AuthCookieOversize.WarnBytes < 1 || c.AuthCookieOversize.CriticalBytes < c.AuthCookieOversize.WarnBytes:
		return fmt.Errorf("detectors: auth_cookie_oversize: warn_bytes %d must be at least 1 and critical_bytes %d at least warn_bytes",
			c.AuthCookieOversize.WarnBytes, c.AuthCookieOversize.CriticalBytes)
	case !validRate(c.OriginErrors.CriticalRate):
		return fmt.Errorf("detectors: origin_errors.critical_rate %v must be in [0, 1]", c.OriginErrors.CriticalRate)
	case c.Checks.MinFailures < 1:
		return fmt.Errorf("detectors: checks.min_failures %d must be at least 1", c.Checks.MinFailures)
	case !validRate(c.Checks.MaxFailureRate):
		return fmt.Errorf("detectors: checks.max_failure_rate %v must be in [0, 1]", c.Checks.MaxFailureRate)
	case c.MethodRejected.StaticMinCount < 1:
		return fmt.Errorf("detectors: method_rejected.static_min_count %d must be at least 1", c.MethodRejected.StaticMinCount)
	case c.MethodRejected.StaticMinClients < 1 || c.MethodRejected.StaticMinClients > 10_000_000:
		return fmt.Errorf("detectors: method_rejected.static_min_clients %d out of range [1, 10000000]", c.MethodRejected.StaticMinClients)
	case !validRate(c.MethodRejected.StaticMinRate):
		return fmt.Errorf("detectors: method_rejected.static_min_rate %v must be in [0, 1]", c.MethodRejected.StaticMinRate)
	case c.MethodRejected.PageMinClients < 1 || c.MethodRejected.PageMinClients > maxPageClients:
		return fmt.Errorf("detectors: method_rejected.page_min_clients %d out of range [1, %d]", c.MethodRejected.PageMinClients, maxPageClients)
	}
	return validIgnorePaths(c.IgnorePaths)
}

// maxIgnorePaths bounds ignore_paths: every record is matched against
// each pattern.
const maxIgnorePaths = 64

func validIgnorePaths(patterns []string) error {
	if len(patterns) > maxIgnorePaths {
		return fmt.Errorf("detectors: ignore_paths has %d patterns, at most %d", len(patterns), maxIgnorePaths)
	}
	for _, p := range patterns {
		switch {
		case p == "":
			return errors.New("detectors: ignore_paths: empty pattern")
		case len(p) > 512:
			return fmt.Errorf("detectors: ignore_paths: pattern %.40q… longer than 512 bytes", p)
		case p[0] != '/' && p[0] != '*':
			return fmt.Errorf("detectors: ignore_paths: pattern %q must start with / or * (it is matched against the whole path)", p)
		case !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl):
			return fmt.Errorf("detectors: ignore_paths: pattern %q has invalid UTF-8 or control characters", p)
		}
	}
	return nil
}

func validRate(r float64) bool { return r >= 0 && r <= 1 } // false for NaN

func validPrefix(name, p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("detectors: %s %q must start with /", name, p)
	}
	if strings.ContainsAny(p, "%?#\t ") || strings.Contains(p, "//") || strings.Contains(p, "/./") ||
		strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
		return fmt.Errorf("detectors: %s %q must be a plain path", name, p)
	}
	return nil
}

// CleanPrefix is how a prefix setting (Config.AuthPrefix, APIPrefixes) is
// read: "/api", "/api/" and "/api/*" are "/api" ("/" and "/*" are "").
func CleanPrefix(p string) string {
	p = strings.TrimSuffix(p, "*")
	return strings.TrimRight(p, "/")
}

// ringBuckets is the number of buckets a series keeps: Lookback plus Reorder.
func (c Config) ringBuckets() int {
	if c.Window <= 0 {
		return math.MaxInt
	}
	return int(ceilDiv(int64(c.Lookback), int64(c.Window)) + ceilDiv(int64(c.Reorder), int64(c.Window)))
}

// lookbackBuckets is the number of buckets a burst may span.
func (c Config) lookbackBuckets() int { return int(ceilDiv(int64(c.Lookback), int64(c.Window))) }

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// jsonDuration is a duration in JSON: a string such as "5m"
// (time.ParseDuration syntax).
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"5m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = jsonDuration(v)
	return nil
}

func (d jsonDuration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// plainConfig is Config without its methods (no MarshalJSON recursion).
type plainConfig Config

// configJSON is a Config's JSON form, the one LoadConfig reads: its fields,
// with the durations as strings. The settings' names (SettingNames) come
// from it.
type configJSON struct {
	*plainConfig
	Window   *jsonDuration `json:"window,omitempty"`
	Lookback *jsonDuration `json:"lookback,omitempty"`
	Reorder  *jsonDuration `json:"reorder,omitempty"`
}

// MarshalJSON writes c in the form LoadConfig reads (durations as strings).
func (c Config) MarshalJSON() ([]byte, error) {
	p := plainConfig(c)
	w, l, r := jsonDuration(c.Window), jsonDuration(c.Lookback), jsonDuration(c.Reorder)
	return json.Marshal(configJSON{&p, &w, &l, &r})
}

// overlay decodes the JSON object data over c: keys present replace c's
// values, absent keys keep them; an unknown key or a value of the wrong
// kind is an error that names the setting (checkJSON). The rules' objects
// may also be given inside "rules" ({"rules": {"method_rejected":
// {"enabled": false}}}), as in the keys Set takes.
func (c *Config) overlay(data []byte) error {
	if err := checkJSON(data); err != nil {
		return err
	}
	work := *c
	work.APIPrefixes = slices.Clone(c.APIPrefixes)
	work.IgnorePaths = slices.Clone(c.IgnorePaths)
	fc := struct {
		configJSON
		Rules rulesOverlay `json:"rules"`
	}{configJSON: configJSON{plainConfig: (*plainConfig)(&work)}, Rules: rulesOverlay{&work}}
	if err := decodeStrict(data, &fc); err != nil {
		return err
	}
	if fc.Window != nil {
		work.Window = time.Duration(*fc.Window)
	}
	if fc.Lookback != nil {
		work.Lookback = time.Duration(*fc.Lookback)
	}
	if fc.Reorder != nil {
		work.Reorder = time.Duration(*fc.Reorder)
	}
	*c = work
	return nil
}

// decodeStrict decodes the JSON value data into v, refusing unknown keys
// and anything after the value.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

// ruleKeys are the JSON keys of the rules' settings, one per rule (Rules()
// order).
var ruleKeys = [...]string{
	"auth_cache_hit", "auth_403_burst", "method_rejected", "cors_preflight_rejected",
	"auth_cookie_missing", "auth_insecure_scheme", "api_origin_forbidden", "origin_errors",
	"api_routed_to_static_origin", "post_signature_rejected", "auth_html_response",
	"edge_function_error", "edge_refusals_on_auth", "auth_cookie_oversize",
}

// rulesOverlay decodes the "rules" object over the rules' settings of c.
type rulesOverlay struct{ c *Config }

func (r *rulesOverlay) UnmarshalJSON(data []byte) error {
	c := r.c
	fields := struct {
		AuthCacheHit          *Threshold               `json:"auth_cache_hit"`
		Auth403Burst          *Auth403Threshold        `json:"auth_403_burst"`
		MethodRejected        *MethodRejectedThreshold `json:"method_rejected"`
		CORSPreflightRejected *Threshold               `json:"cors_preflight_rejected"`
		AuthCookieMissing     *Threshold               `json:"auth_cookie_missing"`
		AuthInsecureScheme    *Threshold               `json:"auth_insecure_scheme"`
		APIOriginForbidden    *Threshold               `json:"api_origin_forbidden"`
		OriginErrors          *OriginErrorsThreshold   `json:"origin_errors"`
		APIRoutedToStatic     *Threshold               `json:"api_routed_to_static_origin"`
		PostSignatureRejected *Threshold               `json:"post_signature_rejected"`
		AuthHTMLResponse      *Threshold               `json:"auth_html_response"`
		EdgeFunctionError     *Threshold               `json:"edge_function_error"`
		EdgeRefusalsOnAuth    *RefusalThreshold        `json:"edge_refusals_on_auth"`
		AuthCookieOversize    *CookieOversizeThreshold `json:"auth_cookie_oversize"`
	}{&c.AuthCacheHit, &c.Auth403Burst, &c.MethodRejected, &c.CORSPreflightRejected,
		&c.AuthCookieMissing, &c.AuthInsecureScheme, &c.APIOriginForbidden, &c.OriginErrors,
		&c.APIRoutedToStaticOrigin, &c.PostSignatureRejected, &c.AuthHTMLResponse,
		&c.EdgeFunctionError, &c.EdgeRefusalsOnAuth, &c.AuthCookieOversize}
	if err := decodeStrict(data, &fields); err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	return nil
}

// thresholdJSON is a Threshold in JSON; nil members are absent.
type thresholdJSON struct {
	Enabled  *bool    `json:"enabled,omitempty"`
	MinCount *int64   `json:"min_count,omitempty"`
	MinRate  *float64 `json:"min_rate,omitempty"`
}

func thresholdToJSON(t Threshold) thresholdJSON {
	on := !t.Disabled
	return thresholdJSON{Enabled: &on, MinCount: &t.MinCount, MinRate: &t.MinRate}
}

// apply sets the members present in j on t.
func (j thresholdJSON) apply(t *Threshold) {
	if j.Enabled != nil {
		t.Disabled = !*j.Enabled
	}
	if j.MinCount != nil {
		t.MinCount = *j.MinCount
	}
	if j.MinRate != nil {
		t.MinRate = *j.MinRate
	}
}

// MarshalJSON writes t with "enabled".
func (t Threshold) MarshalJSON() ([]byte, error) { return json.Marshal(thresholdToJSON(t)) }

// UnmarshalJSON overlays the members present on t; an unknown one is an
// error.
func (t *Threshold) UnmarshalJSON(data []byte) error {
	var j thresholdJSON
	if err := decodeStrict(data, &j); err != nil {
		return err
	}
	j.apply(t)
	return nil
}

type auth403JSON struct {
	thresholdJSON
	BaselineFactor      *float64 `json:"baseline_factor,omitempty"`
	BaselineMinRequests *int64   `json:"baseline_min_requests,omitempty"`
}

// MarshalJSON writes t with "enabled".
func (t Auth403Threshold) MarshalJSON() ([]byte, error) {
	return json.Marshal(auth403JSON{thresholdToJSON(t.Threshold), &t.BaselineFactor, &t.BaselineMinRequests})
}

// UnmarshalJSON overlays the members present on t; an unknown one is an
// error.
func (t *Auth403Threshold) UnmarshalJSON(data []byte) error {
	var j auth403JSON
	if err := decodeStrict(data, &j); err != nil {
		return err
	}
	j.apply(&t.Threshold)
	setIf(&t.BaselineFactor, j.BaselineFactor)
	setIf(&t.BaselineMinRequests, j.BaselineMinRequests)
	return nil
}

type methodRejectedJSON struct {
	thresholdJSON
	StaticMinCount   *int64   `json:"static_min_count,omitempty"`
	StaticMinClients *int     `json:"static_min_clients,omitempty"`
	StaticMinRate    *float64 `json:"static_min_rate,omitempty"`
	PageMinClients   *int     `json:"page_min_clients,omitempty"`
}

// MarshalJSON writes t with "enabled".
func (t MethodRejectedThreshold) MarshalJSON() ([]byte, error) {
	return json.Marshal(methodRejectedJSON{thresholdToJSON(t.Threshold), &t.StaticMinCount, &t.StaticMinClients, &t.StaticMinRate, &t.PageMinClients})
}

// UnmarshalJSON overlays the members present on t; an unknown one is an
// error.
func (t *MethodRejectedThreshold) UnmarshalJSON(data []byte) error {
	var j methodRejectedJSON
	if err := decodeStrict(data, &j); err != nil {
		return err
	}
	j.apply(&t.Threshold)
	setIf(&t.StaticMinCount, j.StaticMinCount)
	setIf(&t.StaticMinClients, j.StaticMinClients)
	setIf(&t.StaticMinRate, j.StaticMinRate)
	setIf(&t.PageMinClients, j.PageMinClients)
	return nil
}

type originErrorsJSON struct {
	thresholdJSON
	CriticalRate *float64 `json:"critical_rate,omitempty"`
}

// MarshalJSON writes t with "enabled".
func (t OriginErrorsThreshold) MarshalJSON() ([]byte, error) {
	return json.Marshal(originErrorsJSON{thresholdToJSON(t.Threshold), &t.CriticalRate})
}

// UnmarshalJSON overlays the members present on t; an unknown one is an
// error.
func (t *OriginErrorsThreshold) UnmarshalJSON(data []byte) error {
	var j originErrorsJSON
	if err := decodeStrict(data, &j); err != nil {
		return err
	}
	j.apply(&t.Threshold)
	setIf(&t.CriticalRate, j.CriticalRate)
	return nil
}

type refusalJSON struct {
	thresholdJSON
	BaselineFactor      *float64 `json:"baseline_factor,omitempty"`
	BaselineMinRequests *int64   `json:"baseline_min_requests,omitempty"`
	MinClients          *int     `json:"min_clients,omitempty"`
}

// MarshalJSON writes t with "enabled".
func (t RefusalThreshold) MarshalJSON() ([]byte, error) {
	return json.Marshal(refusalJSON{thresholdToJSON(t.Threshold), &t.BaselineFactor, &t.BaselineMinRequests, &t.MinClients})
}

// UnmarshalJSON overlays the members present on t; an unknown one is an
// error.
func (t *RefusalThreshold) UnmarshalJSON(data []byte) error {
	var j refusalJSON
	if err := decodeStrict(data, &j); err != nil {
		return err
	}
	j.apply(&t.Threshold)
	setIf(&t.BaselineFactor, j.BaselineFactor)
	setIf(&t.BaselineMinRequests, j.BaselineMinRequests)
	setIf(&t.MinClients, j.MinClients)
	return nil
}

type cookieOversizeJSON struct {
	thresholdJSON
	WarnBytes     *int64 `json:"warn_bytes,omitempty"`
	CriticalBytes *int64 `json:"critical_bytes,omitempty"`
}

// MarshalJSON writes t with "enabled".
func (t CookieOversizeThreshold) MarshalJSON() ([]byte, error) {
	return json.Marshal(cookieOversizeJSON{thresholdToJSON(t.Threshold), &t.WarnBytes, &t.CriticalBytes})
}

// UnmarshalJSON overlays the members present on t; an unknown one is an
// error.
func (t *CookieOversizeThreshold) UnmarshalJSON(data []byte) error {
	var j cookieOversizeJSON
	if err := decodeStrict(data, &j); err != nil {
		return err
	}
	j.apply(&t.Threshold)
	setIf(&t.WarnBytes, j.WarnBytes)
	setIf(&t.CriticalBytes, j.CriticalBytes)
	return nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// LoadConfig reads a JSON configuration file. Its keys (see Config; nested
// objects for the thresholds, also accepted inside "rules") overlay
// DefaultConfig; an unknown key is an error, and the result is validated.
// Example:
//
//	{
//	  "auth_prefix": "/auth",
//	  "api_prefixes": ["/api", "/trpc"],
//	  "window": "10m",
//	  "auth_403_burst": {"min_count": 10, "min_rate": 0.3},
//	  "method_rejected": {"enabled": false},
//	  "ignore_paths": ["/xmlrpc.php", "/wp-*"]
//	}
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("detectors: %w", err)
	}
	return ParseConfig(data, path)
}

// ParseConfig reads configuration JSON as LoadConfig does, from data
// (an environment variable's value, say); name says where it came from in
// errors.
func ParseConfig(data []byte, name string) (Config, error) {
	c := DefaultConfig()
	if err := c.overlay(data); err != nil {
		return Config{}, fmt.Errorf("detectors: %s: %w", name, err)
	}
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("%w (in %s)", err, name)
	}
	return c, nil
}

// Set changes one setting from text, for flags and environment variables:
// key is the JSON key, with a dot for nested ones ("window",
// "auth_403_burst.min_count", "origin_errors.critical_rate"); a rule's
// settings may also be named under "rules." ("rules.method_rejected.enabled").
// value is the JSON value, or plain text for strings and durations ("10m",
// "/auth"). A list of text (api_prefixes, ignore_paths) takes
// comma-separated text ("/api,/trpc"), or a JSON array. It does not
// validate: call Validate after the last Set. Its errors name the setting
// and, for an unknown key, the nearest valid one.
func (c *Config) Set(key, value string) error {
	name := key
	if rest, ok := strings.CutPrefix(key, "rules."); ok {
		rule, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(ruleKeys[:], rule) {
			return fmt.Errorf("unknown setting %q: %q is not a rule (one of %s)", key, rule, strings.Join(ruleKeys[:], ", "))
		}
		name = rest
	}
	t, err := settingType(name)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		v = value // plain text
	}
	if t := deref(t); t.Kind() == reflect.Slice && deref(t.Elem()).Kind() == reflect.String {
		if s, ok := v.(string); ok {
			list := []string{}
			if strings.TrimSpace(s) != "" {
				list = strings.Split(s, ",")
			}
			for i := range list {
				list[i] = strings.TrimSpace(list[i])
			}
			v = list
		}
	}
	parts := strings.Split(name, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		v = map[string]any{parts[i]: v}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return c.overlay(data)
}

// SetAll applies Set to each "key=value" of kvs, in order (the form of
// the commands' repeatable --set flag). It does not validate.
func (c *Config) SetAll(kvs []string) error {
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("detectors: setting %q: want KEY=VALUE", kv)
		}
		if err := c.Set(k, v); err != nil {
			return err
		}
	}
	return nil
}

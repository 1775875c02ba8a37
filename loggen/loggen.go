// Package loggen generates deterministic, realistic Amazon CloudFront
// standard access logs (legacy W3C format, 33 tab-separated fields) for a
// Next.js Pages Router + NextAuth site behind CloudFront, with optional
// failure injection ("incidents") that reproduce the ways sign-in breaks
// behind CloudFront.
//
// The simulated site serves a static export from S3 through the default
// cache behavior (pages, /_next/static/*, /images/*, mostly cache Hits) and
// a Next.js server in Lambda behind API Gateway through the /api/* behavior
// (NextAuth under /api/auth/* plus a small application API, never cached).
// Traffic is made of browser sessions (page loads, asset fetches, session
// polling, credentials and Cognito OAuth sign-in, sign-out), search-engine
// bots, an uptime monitor, cross-origin calls from a partner subdomain and
// a small background of vulnerability scanners: GET probes answered 403/404
// by S3, and POSTs to static paths (/xmlrpc.php, /wp-login.php, /plugin/add,
// random .php) that CloudFront refuses itself, as the default behavior
// allows only GET and HEAD (403 InvalidRequestMethod).
//
// Output for a given Config is byte-for-byte reproducible: the package uses
// its own seeded PCG generator, never the global one nor the wall clock.
package loggen

import (
	"fmt"
	"regexp"
	"time"
)

// Header is the two-line header CloudFront writes at the top of every
// standard log file.
const Header = "#Version: 1.0\n" +
	"#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

// NumFields is the number of tab-separated values in every record.
const NumFields = 33

// Defaults applied by Config.WithDefaults.
const (
	DefaultRequestsPerHour  = 20000
	DefaultDistributionID   = "E2QWRUHEXAMPLE"
	DefaultDomain           = "app.example.com"
	DefaultCloudFrontDomain = "d111111abcdef8.cloudfront.net"
	DefaultFilesPerHour     = 4
	DefaultDuration         = time.Hour
)

// DefaultStart is the first record time used when Config.Start is zero.
var DefaultStart = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

// maxRequestsPerHour bounds the volume so that one generation chunk (one
// minute of traffic) always fits comfortably in memory.
const maxRequestsPerHour = 20_000_000

// Config describes the traffic to generate. The zero value is usable:
// WithDefaults fills every unset field.
type Config struct {
	// Seed selects the random stream. Equal Configs produce identical output.
	Seed uint64
	// Start is the time of the first possible record (converted to UTC;
	// millisecond precision). Zero means DefaultStart.
	Start time.Time
	// Duration is the length of the traffic window [Start, Start+Duration).
	// Zero means DefaultDuration (1h).
	Duration time.Duration
	// RequestsPerHour is the average healthy volume (default 20000). The
	// actual volume varies with the UTC hour of day (peak around 15:00 UTC,
	// trough around 03:00 UTC, ±30%) and a little from minute to minute.
	RequestsPerHour int
	// DistributionID is the CloudFront distribution ID used in file names
	// (upper-case letters and digits; default "E2QWRUHEXAMPLE").
	DistributionID string
	// Domain is the site's custom domain, logged in x-host-header
	// (default "app.example.com").
	Domain string
	// CloudFrontDomain is the distribution's domain name, logged in cs(Host)
	// (default "d111111abcdef8.cloudfront.net").
	CloudFrontDomain string
	// FilesPerHour is the number of log files WriteDir writes per hour
	// (default 4); the records of each hour are spread across them.
	FilesPerHour int
	// CookieLogging mirrors the distribution's "cookie logging" setting.
	// When false cs(Cookie) is "-" on every record; when true browser
	// requests carry their NextAuth v4 and analytics cookies.
	CookieLogging bool
	// Incidents are the failures (and noise) injected into the traffic.
	Incidents []Incident
}

// WithDefaults returns a copy of c with every unset field given its default
// and Start converted to UTC.
func (c Config) WithDefaults() Config {
	if c.Start.IsZero() {
		c.Start = DefaultStart
	}
	c.Start = c.Start.UTC()
	if c.Duration == 0 {
		c.Duration = DefaultDuration
	}
	if c.RequestsPerHour == 0 {
		c.RequestsPerHour = DefaultRequestsPerHour
	}
	if c.DistributionID == "" {
		c.DistributionID = DefaultDistributionID
	}
	if c.Domain == "" {
		c.Domain = DefaultDomain
	}
	if c.CloudFrontDomain == "" {
		c.CloudFrontDomain = DefaultCloudFrontDomain
	}
	if c.FilesPerHour == 0 {
		c.FilesPerHour = DefaultFilesPerHour
	}
	return c
}

var (
	distIDRe = regexp.MustCompile(`^[A-Z0-9]{1,64}$`)
	domainRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

// Validate reports the first problem with c (after defaults), or nil.
func (c Config) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Duration < 0:
		return fmt.Errorf("loggen: negative duration %v", c.Duration)
	case c.RequestsPerHour < 0 || c.RequestsPerHour > maxRequestsPerHour:
		return fmt.Errorf("loggen: requests per hour %d out of range [1, %d]", c.RequestsPerHour, maxRequestsPerHour)
	case c.FilesPerHour < 0 || c.FilesPerHour > 256:
		return fmt.Errorf("loggen: files per hour %d out of range [1, 256]", c.FilesPerHour)
	case !distIDRe.MatchString(c.DistributionID):
		return fmt.Errorf("loggen: distribution ID %q must be upper-case letters and digits", c.DistributionID)
	case !domainRe.MatchString(c.Domain):
		return fmt.Errorf("loggen: invalid domain %q", c.Domain)
	case !domainRe.MatchString(c.CloudFrontDomain):
		return fmt.Errorf("loggen: invalid CloudFront domain %q", c.CloudFrontDomain)
	case c.Start.Year() < 1971 || c.Start.Year() > 9000:
		return fmt.Errorf("loggen: start %v out of range", c.Start)
	}
	for i, inc := range c.Incidents {
		if err := inc.validate(); err != nil {
			return fmt.Errorf("loggen: incident %d: %w", i, err)
		}
	}
	return nil
}

// Kind names a failure (or noise) pattern that can be injected.
type Kind string

// The incident kinds. The string values are the names accepted by ParseKind
// and the loggen command.
const (
	// AuthCacheHit (seed ⑤): GET /api/auth/session and /api/auth/csrf are
	// answered from the CloudFront cache (Hit, some RefreshHit), status 200,
	// time-to-first-byte about 1 ms.
	AuthCacheHit Kind = "auth-cache-hit"
	// MethodRejected (seed ②): every request whose method is not GET or HEAD
	// (POST, PUT, DELETE, OPTIONS on /api/*) is refused by CloudFront itself:
	// 403, Error/Error/InvalidRequestMethod, text/html, 1053-byte body,
	// time-to-first-byte 0.000.
	MethodRejected Kind = "method-rejected"
	// Auth403Callback (seed ①): GET/POST /api/auth/callback/* answered 403 by
	// the origin (cookies or query strings not forwarded). Requests still
	// carry their cookies.
	Auth403Callback Kind = "auth-403-callback"
	// Auth403Session: GET /api/auth/session and /api/auth/csrf answered 403
	// by the origin.
	Auth403Session Kind = "auth-403-session"
	// AuthCookieMissing (seeds ③④): callback and session requests carry no
	// next-auth cookies (other cookies remain) and get 403 from the origin.
	// Only visible in cs(Cookie) when CookieLogging is on.
	AuthCookieMissing Kind = "auth-cookie-missing"
	// CORSPreflightRejected (seed ⑥): extra cross-origin OPTIONS /api/*
	// preflights (about Rate × the /api traffic) answered 403 with no body;
	// the partner's normal preflights are rejected with probability Rate.
	CORSPreflightRejected Kind = "cors-preflight-rejected"
	// APIOrigin403 (seed 001, viewer Host header forwarded to API Gateway):
	// every /api/* request gets 403 application/json {"message":"Forbidden"}.
	APIOrigin403 Kind = "api-origin-403"
	// Origin5xx: /api/* requests fail with 502/503/504 (OriginConnectError,
	// OriginCommError, OriginReadError, OriginDnsError, Error).
	Origin5xx Kind = "origin-5xx"
	// InsecureScheme (seed ④): /api/auth/* requests arrive over plain http
	// (answered normally, not redirected) and/or with x-host-header set to
	// the *.cloudfront.net name instead of the custom domain.
	InsecureScheme Kind = "insecure-scheme"
	// ScannerFlood (noise): a burst of vulnerability-scanner probes answered
	// 403/404 by S3, volume Rate × the normal traffic (Rate may exceed 1),
	// and 2% as many scanner POSTs to static paths, refused by CloudFront
	// (403 InvalidRequestMethod).
	ScannerFlood Kind = "scanner-flood"
	// Stray403 (noise): round(Rate) isolated origin 403s on
	// /api/auth/session inside the window (Rate is a count).
	Stray403 Kind = "stray-403"
	// Origin403Post (noise): round(Rate) origin 403s on POST /api/items
	// inside the window (Rate is a count; not InvalidRequestMethod).
	Origin403Post Kind = "origin-403-post"

	// APIRoutedToStatic: the /api/* behavior is missing (or its path
	// pattern does not match), so the default behavior sends /api/* to the
	// S3 origin. GET/HEAD are answered by S3 with its XML errors (403
	// AccessDenied, 243 bytes, or 404 NoSuchKey; application/xml;
	// Error/Error/Error; about a quarter served from the error cache with
	// time-to-first-byte under 4 ms); every other method is refused by
	// CloudFront, as the default behavior allows only GET and HEAD (403
	// InvalidRequestMethod, time-to-first-byte 0).
	APIRoutedToStatic Kind = "api-routed-to-static-origin"
	// EdgeFunctionError: a Lambda@Edge function on the /api/* behavior
	// fails on auth and API requests: 503 LambdaExecutionError (the value
	// AWS documents in x-edge-result-type, some after the 5 s viewer or
	// 30 s origin timeout), 502 LambdaValidationError and 503
	// LambdaLimitExceeded (throttled), with CloudFront's text/html error
	// page.
	EdgeFunctionError Kind = "edge-function-error"
	// CloudFrontFunctionError: the CloudFront Functions variant: 503
	// FunctionExecutionError and FunctionThrottledError on auth and API
	// requests, time-to-first-byte 0 or 1 ms.
	CloudFrontFunctionError Kind = "cloudfront-function-error"
	// AuthCookieOversize: the NextAuth session cookie of a share (Rate) of
	// the signed-in users grows across the window, split into more chunks
	// (__Secure-next-auth.session-token.0, .1, … of 3933 bytes); their
	// requests' cs-bytes rise toward 20 KB. /api/* requests whose headers
	// pass 16 KiB are refused by the Next.js (Node.js) origin with 431 and
	// no body; requests whose headers pass 20 KB are not logged at all, as
	// CloudFront does not log them. Needs cookie logging to show the chunks.
	AuthCookieOversize Kind = "auth-cookie-oversize"
	// AuthHTMLResponse: GET /api/auth/session, /csrf and /providers are
	// answered 200 text/html with the SPA's index.html (page-sized), by a
	// custom error response mapping the origin's 403/404 to /index.html;
	// x-edge-result-type stays Error, as AWS documents.
	AuthHTMLResponse Kind = "auth-html-response"
	// PostSignatureRejected: an Origin Access Control in front of a Lambda
	// function URL: POST and PUT to /api/* are answered 403 by the origin
	// (application/json {"Message":"Forbidden"} or a signature-mismatch
	// message; Error/Error/Error; time-to-first-byte > 0) while GET, HEAD,
	// DELETE and OPTIONS succeed.
	PostSignatureRejected Kind = "post-signature-rejected"
	// EdgeRefusalsOnAuth: a share (Rate) of the /api/auth/* requests is
	// refused at the edge, the origin not asked: AWS WAF blocks (403,
	// Error/Error/Error, text/html 919 bytes, time-to-first-byte 0), geo
	// restriction (403 ClientGeoBlocked) and signed URL/cookie refusals
	// (403, Error, text/xml MissingKey/AccessDenied).
	EdgeRefusalsOnAuth Kind = "edge-refusals-on-auth"
	// GeoRestricted (noise): the distribution's geo restriction refuses
	// every request of a share (Rate, about 0.12) of the viewers, on every
	// path: 403, Error/Error/ClientGeoBlocked, text/html 941 bytes,
	// time-to-first-byte 0.
	GeoRestricted Kind = "geo-restricted"
	// WAFNoise (noise): AWS WAF blocks a share (Rate) of the scanners'
	// probes: 403, Error/Error/Error, text/html 919 bytes,
	// time-to-first-byte 0.
	WAFNoise Kind = "waf-noise"
)

var allKinds = []Kind{
	AuthCacheHit, MethodRejected, Auth403Callback, Auth403Session,
	AuthCookieMissing, CORSPreflightRejected, APIOrigin403, Origin5xx,
	InsecureScheme, ScannerFlood, Stray403, Origin403Post,
	APIRoutedToStatic, EdgeFunctionError, CloudFrontFunctionError,
	AuthCookieOversize, AuthHTMLResponse, PostSignatureRejected,
	EdgeRefusalsOnAuth, GeoRestricted, WAFNoise,
}

// Kinds returns every incident kind, in a fixed order.
func Kinds() []Kind { return append([]Kind(nil), allKinds...) }

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	for _, k := range allKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("loggen: unknown incident kind %q (known: %v)", s, allKinds)
}

// Noise reports whether the kind is benign noise that a detector must not
// report as an authentication failure.
func (k Kind) Noise() bool {
	return k == ScannerFlood || k == Stray403 || k == Origin403Post || k == GeoRestricted || k == WAFNoise
}

// NeedsCookieLogging reports whether the kind's signature shows only in
// cs(Cookie), so that its scenario turns cookie logging on.
func (k Kind) NeedsCookieLogging() bool { return k == AuthCookieMissing || k == AuthCookieOversize }

// RateIsCount reports whether Incident.Rate is an absolute number of events
// for this kind rather than a fraction of the matching requests.
func (k Kind) RateIsCount() bool { return k == Stray403 || k == Origin403Post }

// DefaultRate is a sensible Rate for the kind, as used by the loggen
// command's scenarios.
func (k Kind) DefaultRate() float64 {
	switch k {
	case MethodRejected, APIOrigin403:
		return 1.0
	case Auth403Callback, AuthCookieMissing, Auth403Session:
		return 0.6
	case AuthCacheHit, InsecureScheme:
		return 0.5
	case CORSPreflightRejected, Origin5xx:
		return 0.3
	case ScannerFlood:
		return 2.0
	case Stray403:
		return 3
	case Origin403Post:
		return 5
	case APIRoutedToStatic, AuthHTMLResponse, PostSignatureRejected:
		return 1.0
	case EdgeFunctionError, CloudFrontFunctionError, EdgeRefusalsOnAuth:
		return 0.3
	case AuthCookieOversize, WAFNoise:
		return 0.5
	case GeoRestricted:
		return 0.12
	}
	return 0.5
}

// Incident injects a failure pattern during [From, Until).
//
// For most kinds Rate is the fraction (0, 1] of matching requests altered.
// For GeoRestricted and AuthCookieOversize it is the fraction of viewers
// (chosen by address, so a viewer is in or out for all its requests).
// For ScannerFlood it is a volume multiplier of the normal traffic (> 0).
// For Stray403 and Origin403Post it is the number of events in the window
// (rounded, at least 1).
type Incident struct {
	Kind        Kind
	From, Until time.Time
	Rate        float64
}

func (i Incident) validate() error {
	if _, err := ParseKind(string(i.Kind)); err != nil {
		return err
	}
	if !i.Until.After(i.From) {
		return fmt.Errorf("%s: window end %v not after start %v", i.Kind, i.Until, i.From)
	}
	if !(i.Rate > 0) { // also rejects NaN
		return fmt.Errorf("%s: rate %v must be > 0", i.Kind, i.Rate)
	}
	if !i.Kind.RateIsCount() && i.Kind != ScannerFlood && i.Rate > 1 {
		return fmt.Errorf("%s: rate %v is a fraction and must be in (0, 1]", i.Kind, i.Rate)
	}
	if i.Rate > 1e6 {
		return fmt.Errorf("%s: rate %v too large", i.Kind, i.Rate)
	}
	return nil
}

package probe

import (
	"time"

	"github.com/cfwatch/cfwatch/detectors"
)

// SchemaID is the $id of the JSON form's schema (schema/probe.v1.json).
const SchemaID = "https://github.com/cfwatch/cfwatch/probe/schema/probe.v1.json"

// Status is a check's outcome.
type Status string

// Check outcomes.
const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	StatusSkip Status = "skipped"
)

// Check IDs, in the order the checks run.
const (
	CheckCSRF        = "csrf"
	CheckSession     = "session"
	CheckSigninPost  = "signin-post"
	CheckCallback    = "callback"
	CheckNeverCached = "never-cached"
	CheckPreflight   = "preflight"
	CheckAPIHost     = "api-host"
	CheckLargeCookie = "large-cookie"
)

// RuleAuthCookieOversize is the log rule for request headers over a size
// limit (CloudFront's 20,480 bytes, the origin's).
const RuleAuthCookieOversize = "auth-cookie-oversize"

// Report is the result of one probe run (the JSON form, schema
// probe.v1.json).
type Report struct {
	Schema     string    `json:"$schema"`
	Tool       string    `json:"tool"` // the User-Agent product: cfwatch-probe/<version>
	Target     string    `json:"target"`
	AuthPrefix string    `json:"auth_prefix"`
	Provider   string    `json:"provider"`
	APIPath    string    `json:"api_path"`
	Origin     string    `json:"origin,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Summary    Summary   `json:"summary"`
	Checks     []Check   `json:"checks"`
}

// Summary counts the checks.
type Summary struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	Critical int `json:"critical"` // failed checks of severity critical
	Warning  int `json:"warning"`  // failed checks of severity warning
	// RequestCount is the number of HTTP requests made (attempts after
	// network errors included).
	RequestCount int `json:"request_count"`
}

// Check is one check's result.
type Check struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	// Summary is one line: what was observed (pass), what failed (fail),
	// why it did not run (skipped).
	Summary string `json:"summary"`
	// Severity, Rule, Cause and Remedy are set on failure. Rule is the
	// log rule that reports the same failure from CloudFront's access logs
	// (empty when none does); Remedy is that rule's remedy.
	Severity detectors.Severity `json:"severity,omitempty"`
	Rule     string             `json:"rule,omitempty"`
	Cause    string             `json:"cause,omitempty"`
	Remedy   string             `json:"remedy,omitempty"`
	Notes    []string           `json:"notes,omitempty"`
	// Requests are the exchanges the check made, in order.
	Requests   []Exchange `json:"requests"`
	SizeLimit  *SizeLimit `json:"size_limit,omitempty"` // large-cookie only
	DurationMS int64      `json:"duration_ms"`
}

// Exchange is one request and what came back. Values the server sent are
// escaped (control characters as \xNN); cookie and token values are never
// recorded: headers and cookies sent are listed by name and size.
type Exchange struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// HeaderBytes is the size of the request line and all request headers
	// (HTTP/1.1 form), what CloudFront's 20,480-byte limit counts.
	HeaderBytes int         `json:"header_bytes"`
	Sent        []NamedSize `json:"headers_sent"`
	CookiesSent []NamedSize `json:"cookies_sent,omitempty"`
	Attempts    int         `json:"attempts"`
	// Error is the network error of the last attempt (no response).
	Error string `json:"error,omitempty"`
	// Status is 0 when no response came.
	Status int `json:"status,omitempty"`
	// AnsweredBy: "origin", "cloudfront" (an error page CloudFront
	// generated), "api-gateway", "lambda-url", "s3" or "unknown" (no
	// CloudFront headers, no known signature).
	AnsweredBy string `json:"answered_by,omitempty"`
	// ViaCloudFront: the response carried CloudFront's headers.
	ViaCloudFront bool `json:"via_cloudfront"`
	// Headers are the response headers that decide the checks (x-cache,
	// age, via, server, location with query values redacted, CORS, API
	// Gateway error type, …); Set-Cookie is listed by cookie name and size
	// in CookiesSet.
	Headers    []Header    `json:"headers,omitempty"`
	CookiesSet []NamedSize `json:"cookies_set,omitempty"`
	// Signature names a recognised error body, e.g. CloudFront's "403
	// ERROR The request could not be satisfied" page or API Gateway's
	// {"message":"Forbidden"}.
	Signature  string `json:"signature,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

// NamedSize is a header or cookie sent or set: its name and the size of
// its value in bytes (never the value).
type NamedSize struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// Header is a response header (value escaped).
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SizeLimit is what large-cookie found: the largest request (header bytes)
// still answered and the smallest refused, with who refused it.
type SizeLimit struct {
	LargestAnswered int    `json:"largest_answered"`
	SmallestRefused int    `json:"smallest_refused,omitempty"` // 0: none refused
	RefusedStatus   int    `json:"refused_status,omitempty"`
	RefusedBy       string `json:"refused_by,omitempty"`
	Limit           string `json:"limit,omitempty"` // the limit this matches, in words
}

package detectors

import (
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// Attribution: which layer decided a failed request, and why.
//
// The values of x-edge-result-type, x-edge-response-result-type and
// x-edge-detailed-result-type are those of AWS's "Standard logging
// reference" (fields 14, 23 and 29), which applies to standard logging
// legacy and v2 and to real-time logs:
//
//	https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
//
// Documented detailed values: OriginShieldHit, MissGeneratedResponse,
// AbortedOrigin, ClientCommError, ClientGeoBlocked, ClientHungUpRequest,
// Error, InvalidRequest, InvalidRequestBlocked, InvalidRequestCertificate,
// InvalidRequestHeader, InvalidRequestMethod, OriginCommError,
// OriginConnectError, OriginContentRangeLengthError, OriginDnsError,
// OriginError, OriginHeaderTooBigError, OriginInvalidResponseError,
// OriginReadError, OriginWriteError, OriginZeroSizeObjectError,
// SlowReaderOriginError; and for the two other fields Hit, RefreshHit, Miss,
// LimitExceeded, CapacityExceeded, Error, Redirect, LambdaExecutionError.
//
// Values seen in real logs but absent from that page are accepted too:
// LambdaValidationError and LambdaLimitExceeded (the names of the 502 and
// 503 Lambda@Edge errors), FunctionExecutionError, FunctionThrottledError,
// FunctionGeneratedResponse and LambdaGeneratedResponse. Values AWS adds
// later fall back on their prefix (Lambda…Error, Function…Error, Origin…,
// Client…, InvalidRequest…), then on the generic reading below.
//
// AWS names no result type for an AWS WAF block or a signed URL/cookie
// refusal: the log shows a 403 (or the WAF rule's custom status) with the
// generic Error. A generic Error whose time-to-first-byte is at most
// [EdgeOnlyTTFB] is read as an edge refusal, origin not asked
// ([LayerEdgeRefusal]); with a signed-URL credential in the request
// (Key-Pair-Id in the query, CloudFront-Key-Pair-Id in the cookies) or
// CloudFront's text/xml error document (MissingKey, AccessDenied) it is a
// signed URL refusal. See docs/layers.md.

// A Layer is the part of the request's path that decided a failed request.
type Layer uint8

// Layers, in the order reports list them.
const (
	// LayerNone: the request did not fail (1xx–3xx) or its status is unknown.
	LayerNone Layer = iota
	// LayerEdgeConfig: CloudFront refused the request as its configuration
	// says (method not allowed, geo restriction, signed URL, invalid
	// request, certificate, field-level encryption).
	LayerEdgeConfig
	// LayerEdgeRefusal: a generic Error the origin was not asked about,
	// most often an AWS WAF block (the log has no value of its own for it).
	LayerEdgeRefusal
	// LayerEdgeCompute: Lambda@Edge or CloudFront Functions failed, were
	// throttled, or generated the error response.
	LayerEdgeCompute
	// LayerEdgeCapacity: CloudFront itself (LimitExceeded, CapacityExceeded).
	LayerEdgeCapacity
	// LayerOriginConnection: CloudFront could not get a usable answer from
	// the origin (DNS, connect/TLS, timeout, invalid response).
	LayerOriginConnection
	// LayerOrigin: the origin answered the error (the application, API
	// Gateway or a Lambda function URL, S3), possibly from the cache.
	LayerOrigin
	// LayerViewer: the viewer hung up or its connection failed (000).
	LayerViewer
	numLayers
)

var layerNames = [numLayers]string{"", "edge-config", "edge-refusal", "edge-compute", "edge-capacity", "origin-connection", "origin", "viewer"}

var layerTitles = [numLayers]string{"",
	"edge, by configuration",
	"edge refusal, origin not asked",
	"edge compute (Lambda@Edge, CloudFront Functions)",
	"CloudFront capacity or quota",
	"origin connection",
	"origin answered",
	"viewer",
}

// String returns the layer's ID, as JSON and SQL give it ("origin-connection").
func (l Layer) String() string {
	if l >= numLayers {
		return ""
	}
	return layerNames[l]
}

// Title returns the layer for people: "edge refusal, origin not asked".
func (l Layer) Title() string {
	if l >= numLayers {
		return ""
	}
	return layerTitles[l]
}

// Layers lists the failure layers, in report order (LayerNone excluded).
func Layers() []Layer {
	out := make([]Layer, 0, numLayers-1)
	for l := LayerEdgeConfig; l < numLayers; l++ {
		out = append(out, l)
	}
	return out
}

// A Reason is why a failed request failed, finer than its [Layer]; each
// reason belongs to one layer.
type Reason uint8

// Reasons.
const (
	ReasonNone Reason = iota

	// LayerEdgeConfig
	ReasonInvalidMethod       // InvalidRequestMethod: the behavior does not allow the method
	ReasonGeoRestriction      // ClientGeoBlocked
	ReasonSignedURL           // refused with a signed URL/cookie credential in the request
	ReasonAccessBlocked       // InvalidRequestBlocked without a signed-URL credential
	ReasonInvalidRequest      // InvalidRequest, InvalidRequestHeader, InvalidRequest…
	ReasonCertificateMismatch // InvalidRequestCertificate
	ReasonFieldEncryption     // fle-status Malformed…, Rejected…, …LimitClientError

	// LayerEdgeRefusal
	ReasonEdgeRefusal // generic Error, origin not asked: WAF or an unknown edge refusal

	// LayerEdgeCompute
	ReasonLambdaEdgeError     // LambdaExecutionError, LambdaValidationError, Lambda…Error
	ReasonLambdaEdgeThrottled // LambdaLimitExceeded
	ReasonLambdaEdgeResponse  // MissGeneratedResponse, LambdaGeneratedResponse: the function answered the error
	ReasonFunctionError       // FunctionExecutionError, FunctionValidationError, Function…Error
	ReasonFunctionThrottled   // FunctionThrottledError
	ReasonFunctionResponse    // FunctionGeneratedResponse

	// LayerEdgeCapacity
	ReasonLimitExceeded    // LimitExceeded
	ReasonCapacityExceeded // CapacityExceeded

	// LayerOriginConnection
	ReasonOriginDNS             // OriginDnsError
	ReasonOriginConnect         // OriginConnectError: connect, TLS, SNI
	ReasonOriginTimeout         // OriginCommError: timed out connecting or reading
	ReasonOriginRead            // OriginReadError
	ReasonOriginWrite           // OriginWriteError
	ReasonOriginInvalidResponse // OriginError, OriginInvalidResponseError, OriginContentRangeLengthError, OriginZeroSizeObjectError
	ReasonOriginHeaderTooBig    // OriginHeaderTooBigError
	ReasonOriginAborted         // AbortedOrigin
	ReasonSlowReader            // SlowReaderOriginError
	ReasonOriginOther           // another Origin… value

	// LayerOrigin
	ReasonApp               // the application answered the error
	ReasonAPIGatewayJSON403 // 403 application/json of 16, 23 or 42 bytes: API Gateway / Lambda URL {"message":"Forbidden"}
	ReasonS3XMLError        // 400/403/404 application/xml: an S3 error document (AccessDenied, NoSuchKey…)
	ReasonCachedError       // an error served from the CloudFront cache (Hit, RefreshHit, OriginShieldHit)

	// LayerViewer
	ReasonViewerHungUp    // 000, ClientHungUpRequest
	ReasonViewerCommError // ClientCommError, Client…
	numReasons
)

var reasonInfo = [numReasons]struct {
	id    string
	layer Layer
	title string
}{
	ReasonNone:                  {"", LayerNone, ""},
	ReasonInvalidMethod:         {"invalid-method", LayerEdgeConfig, "method not allowed by the behavior (InvalidRequestMethod)"},
	ReasonGeoRestriction:        {"geo-restriction", LayerEdgeConfig, "geo restriction (ClientGeoBlocked)"},
	ReasonSignedURL:             {"signed-url", LayerEdgeConfig, "signed URL or cookie refused"},
	ReasonAccessBlocked:         {"access-blocked", LayerEdgeConfig, "access blocked (InvalidRequestBlocked)"},
	ReasonInvalidRequest:        {"invalid-request", LayerEdgeConfig, "invalid request (InvalidRequest*)"},
	ReasonCertificateMismatch:   {"certificate-mismatch", LayerEdgeConfig, "certificate does not match (InvalidRequestCertificate)"},
	ReasonFieldEncryption:       {"field-level-encryption", LayerEdgeConfig, "refused by field-level encryption"},
	ReasonEdgeRefusal:           {"edge-refusal", LayerEdgeRefusal, "WAF or other edge refusal (generic Error, origin not asked)"},
	ReasonLambdaEdgeError:       {"lambda-edge-error", LayerEdgeCompute, "Lambda@Edge error"},
	ReasonLambdaEdgeThrottled:   {"lambda-edge-throttled", LayerEdgeCompute, "Lambda@Edge throttled (LambdaLimitExceeded)"},
	ReasonLambdaEdgeResponse:    {"lambda-edge-response", LayerEdgeCompute, "error generated by Lambda@Edge"},
	ReasonFunctionError:         {"function-error", LayerEdgeCompute, "CloudFront Function error"},
	ReasonFunctionThrottled:     {"function-throttled", LayerEdgeCompute, "CloudFront Function throttled"},
	ReasonFunctionResponse:      {"function-response", LayerEdgeCompute, "error generated by a CloudFront Function"},
	ReasonLimitExceeded:         {"limit-exceeded", LayerEdgeCapacity, "CloudFront quota exceeded (LimitExceeded)"},
	ReasonCapacityExceeded:      {"capacity-exceeded", LayerEdgeCapacity, "CloudFront capacity exceeded (CapacityExceeded)"},
	ReasonOriginDNS:             {"origin-dns", LayerOriginConnection, "origin DNS failure (OriginDnsError)"},
	ReasonOriginConnect:         {"origin-connect", LayerOriginConnection, "origin connection or TLS failure (OriginConnectError)"},
	ReasonOriginTimeout:         {"origin-timeout", LayerOriginConnection, "origin timed out (OriginCommError)"},
	ReasonOriginRead:            {"origin-read", LayerOriginConnection, "could not read from the origin (OriginReadError)"},
	ReasonOriginWrite:           {"origin-write", LayerOriginConnection, "could not write to the origin (OriginWriteError)"},
	ReasonOriginInvalidResponse: {"origin-invalid-response", LayerOriginConnection, "invalid origin response"},
	ReasonOriginHeaderTooBig:    {"origin-header-too-big", LayerOriginConnection, "origin response header too big (OriginHeaderTooBigError)"},
	ReasonOriginAborted:         {"origin-aborted", LayerOriginConnection, "origin aborted (AbortedOrigin)"},
	ReasonSlowReader:            {"slow-reader", LayerOriginConnection, "viewer too slow to read the origin's error (SlowReaderOriginError)"},
	ReasonOriginOther:           {"origin-other", LayerOriginConnection, "other origin error"},
	ReasonApp:                   {"app", LayerOrigin, "the application answered"},
	ReasonAPIGatewayJSON403:     {"api-gateway-forbidden", LayerOrigin, `API Gateway / Lambda URL JSON 403 ({"message":"Forbidden"})`},
	ReasonS3XMLError:            {"s3-xml-error", LayerOrigin, "S3 XML error document"},
	ReasonCachedError:           {"cached-error", LayerOrigin, "error served from the CloudFront cache"},
	ReasonViewerHungUp:          {"viewer-hung-up", LayerViewer, "viewer hung up (000, ClientHungUpRequest)"},
	ReasonViewerCommError:       {"viewer-comm-error", LayerViewer, "viewer connection failed (ClientCommError)"},
}

// String returns the reason's ID, as JSON and SQL give it ("geo-restriction").
func (r Reason) String() string {
	if r >= numReasons {
		return ""
	}
	return reasonInfo[r].id
}

// Title returns the reason for people.
func (r Reason) Title() string {
	if r >= numReasons {
		return ""
	}
	return reasonInfo[r].title
}

// Layer returns the layer the reason belongs to.
func (r Reason) Layer() Layer {
	if r >= numReasons {
		return LayerNone
	}
	return reasonInfo[r].layer
}

// Configured reports whether the reason is a refusal the owner configures
// on purpose: geo restriction, signed URLs/cookies, InvalidRequestBlocked,
// and the generic edge refusals AWS WAF blocks show as.
func (r Reason) Configured() bool {
	switch r {
	case ReasonGeoRestriction, ReasonSignedURL, ReasonAccessBlocked, ReasonEdgeRefusal:
		return true
	}
	return false
}

// EdgeOnlyTTFB is the largest time-to-first-byte, in seconds, of a generic
// Error that the origin was not asked about: CloudFront logs its own
// refusals (InvalidRequestMethod, ClientGeoBlocked) with 0.000 or 0.001,
// and no origin answers within a millisecond. Compared as float32, the
// dataset's type for the column.
const EdgeOnlyTTFB = 0.001

// valueRule maps a result-type value, or a pattern prefix…suffix, to a reason.
type valueRule struct {
	prefix, suffix string
	pattern        bool // prefix…suffix (SQL LIKE 'prefix%suffix'), else exact
	reason         Reason
}

func (v *valueRule) match(s string) bool {
	if !v.pattern {
		return s == v.prefix
	}
	return len(s) >= len(v.prefix)+len(v.suffix) && strings.HasPrefix(s, v.prefix) && strings.HasSuffix(s, v.suffix)
}

// anyFieldRules apply to each of x-edge-detailed-result-type,
// x-edge-result-type and x-edge-response-result-type, in that order: edge
// compute and capacity values appear in any of them.
var anyFieldRules = [...]valueRule{
	{prefix: "LambdaLimitExceeded", reason: ReasonLambdaEdgeThrottled},
	{prefix: "FunctionThrottledError", reason: ReasonFunctionThrottled},
	{prefix: "MissGeneratedResponse", reason: ReasonLambdaEdgeResponse},
	{prefix: "LambdaGeneratedResponse", reason: ReasonLambdaEdgeResponse},
	{prefix: "FunctionGeneratedResponse", reason: ReasonFunctionResponse},
	{prefix: "Lambda", suffix: "Exceeded", pattern: true, reason: ReasonLambdaEdgeThrottled},
	{prefix: "Lambda", suffix: "Error", pattern: true, reason: ReasonLambdaEdgeError},
	{prefix: "Function", suffix: "Throttled", pattern: true, reason: ReasonFunctionThrottled},
	{prefix: "Function", suffix: "Error", pattern: true, reason: ReasonFunctionError},
	{prefix: "LimitExceeded", reason: ReasonLimitExceeded},
	{prefix: "CapacityExceeded", reason: ReasonCapacityExceeded},
}

// detailedRules apply to x-edge-detailed-result-type.
var detailedRules = [...]valueRule{
	{prefix: "ClientGeoBlocked", reason: ReasonGeoRestriction},
	{prefix: "InvalidRequestMethod", reason: ReasonInvalidMethod},
	{prefix: "InvalidRequestBlocked", reason: ReasonAccessBlocked}, // ReasonSignedURL with a credential: see Classify
	{prefix: "InvalidRequestCertificate", reason: ReasonCertificateMismatch},
	{prefix: "InvalidRequest", suffix: "", pattern: true, reason: ReasonInvalidRequest},
	{prefix: "ClientHungUpRequest", reason: ReasonViewerHungUp},
	{prefix: "Client", pattern: true, reason: ReasonViewerCommError}, // ClientCommError and later Client… values
	{prefix: "OriginDnsError", reason: ReasonOriginDNS},
	{prefix: "OriginConnectError", reason: ReasonOriginConnect},
	{prefix: "OriginCommError", reason: ReasonOriginTimeout},
	{prefix: "OriginReadError", reason: ReasonOriginRead},
	{prefix: "OriginWriteError", reason: ReasonOriginWrite},
	{prefix: "OriginHeaderTooBigError", reason: ReasonOriginHeaderTooBig},
	{prefix: "OriginError", reason: ReasonOriginInvalidResponse},
	{prefix: "OriginInvalidResponseError", reason: ReasonOriginInvalidResponse},
	{prefix: "OriginContentRangeLengthError", reason: ReasonOriginInvalidResponse},
	{prefix: "OriginZeroSizeObjectError", reason: ReasonOriginInvalidResponse},
	{prefix: "OriginShieldHit", reason: ReasonCachedError}, // before Origin…
	{prefix: "Origin", pattern: true, reason: ReasonOriginOther},
	{prefix: "AbortedOrigin", reason: ReasonOriginAborted},
	{prefix: "SlowReaderOriginError", reason: ReasonSlowReader},
	{prefix: "Hit", reason: ReasonCachedError},
	{prefix: "RefreshHit", reason: ReasonCachedError},
}

// fleRules apply to fle-status: the values AWS answers with HTTP 400.
var fleRules = [...]valueRule{
	{prefix: "Malformed", pattern: true, reason: ReasonFieldEncryption},
	{prefix: "Rejected", pattern: true, reason: ReasonFieldEncryption},
	{suffix: "LimitClientError", pattern: true, reason: ReasonFieldEncryption},
}

func matchRules(rules []valueRule, s string) Reason {
	if s == "" {
		return ReasonNone
	}
	for i := range rules {
		if rules[i].match(s) {
			return rules[i].reason
		}
	}
	return ReasonNone
}

// IsFailure reports whether rec is a failed request attribution covers: a
// known status of 400–599, or 000 (the viewer left before any answer).
func IsFailure(rec *logparse.Record) bool {
	if !rec.StatusKnown() {
		return false
	}
	return rec.Status == 0 || rec.Status >= 400 && rec.Status <= 599
}

// Classify returns why rec failed (its layer is Reason.Layer), or
// ReasonNone when rec is not a failure (see [IsFailure]). It allocates
// nothing. [ReasonSQL] is the same classification in SQL.
//
// The order: 000 is the viewer's; then edge compute and capacity values in
// any of the three result types; then the detailed result type's own
// values; then field-level encryption refusals; then the generic reading:
// a 4xx Error the origin was not asked about (time-to-first-byte logged and
// at most EdgeOnlyTTFB) is an edge refusal (a signed URL refusal with a
// credential in the request; an S3 XML error document from the error cache
// stays S3's), a 5xx one a cached origin error; anything
// else the origin answered, read from the status, content type and length.
func Classify(rec *logparse.Record) Reason {
	if !IsFailure(rec) {
		return ReasonNone
	}
	if rec.Status == 0 {
		return ReasonViewerHungUp
	}
	d, rt := rec.EdgeDetailedResultType, rec.EdgeResultType
	for _, s := range [3]string{d, rt, rec.EdgeResponseResultType} {
		if r := matchRules(anyFieldRules[:], s); r != ReasonNone {
			return r
		}
	}
	if r := matchRules(detailedRules[:], d); r != ReasonNone {
		if r == ReasonAccessBlocked && signedCredential(rec) {
			return ReasonSignedURL
		}
		return r
	}
	if d == "" && (rt == "Hit" || rt == "RefreshHit") {
		return ReasonCachedError
	}
	if matchRules(fleRules[:], rec.FLEStatus) != ReasonNone {
		return ReasonFieldEncryption
	}
	if (d == "Error" || d == "" && rt == "Error") && OriginNotAsked(rec) {
		if rec.Status >= 500 {
			// No refusal of CloudFront's is a generic 5xx: an origin error
			// it cached (10 s by default) and serves again.
			return ReasonCachedError
		}
		if s3ErrorDocument(rec) {
			// S3's error document served again from CloudFront's error
			// cache (AccessDenied, NoSuchKey): the origin answered it.
			// CloudFront's own refusals are text/xml or text/html.
			return ReasonS3XMLError
		}
		if signedCredential(rec) || hasPrefixFold(rec.ContentType, "text/xml") {
			// CloudFront answers a refused signed URL or cookie with an XML
			// error document (MissingKey, AccessDenied, …) as text/xml;
			// WAF's block page and S3's errors (application/xml) are not.
			return ReasonSignedURL
		}
		return ReasonEdgeRefusal
	}
	switch {
	case rec.Status == 403 && hasPrefixFold(rec.ContentType, "application/json") &&
		(rec.ContentLength == 16 || rec.ContentLength == 23 || rec.ContentLength == 42):
		return ReasonAPIGatewayJSON403
	case s3ErrorDocument(rec):
		return ReasonS3XMLError
	}
	return ReasonApp
}

// s3ErrorDocument reports a 400, 403 or 404 with S3's error content type,
// application/xml (CloudFront's own XML errors, such as a signed URL's
// MissingKey, are text/xml).
func s3ErrorDocument(rec *logparse.Record) bool {
	return (rec.Status == 400 || rec.Status == 403 || rec.Status == 404) && hasPrefixFold(rec.ContentType, "application/xml")
}

// OriginNotAsked reports whether rec's time-to-first-byte is logged and at
// most EdgeOnlyTTFB: CloudFront answered without waiting for an origin.
func OriginNotAsked(rec *logparse.Record) bool {
	return rec.Has(logparse.FieldTimeToFirstByte) && float32(rec.TimeToFirstByte) <= float32(EdgeOnlyTTFB)
}

// signedCredential reports whether the request carries a CloudFront signed
// URL or signed cookie credential (Key-Pair-Id is in both forms).
func signedCredential(rec *logparse.Record) bool {
	return strings.Contains(rec.Query, "Key-Pair-Id=") || strings.Contains(rec.Cookie, "CloudFront-Key-Pair-Id=")
}

// hasPrefixFold is strings.HasPrefix with s's ASCII letters lowered, for
// content types; prefix is lower case ASCII (SQL: lower(s) LIKE 'prefix%').
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// ClassifyLayer returns the layer that decided rec (LayerNone when rec is
// not a failure).
func ClassifyLayer(rec *logparse.Record) Layer { return Classify(rec).Layer() }

// Signature predicates for rules to come, each with its SQL twin below.

// S3ErrorOnAPI reports an S3 XML error document (400/403/404,
// application/xml, answered by the origin) on a path under one of the API
// prefixes: the default (S3) behavior serving the API.
func S3ErrorOnAPI(rec *logparse.Record, apiPrefixes []string) bool {
	if Classify(rec) != ReasonS3XMLError {
		return false
	}
	for _, p := range apiPrefixes {
		if hasPathPrefix(rec.URIStem, p) {
			return true
		}
	}
	return false
}

// EdgeFunctionFailure reports a Lambda@Edge or CloudFront Functions failure
// or throttle (not a response the function generated on purpose).
func EdgeFunctionFailure(rec *logparse.Record) bool {
	switch Classify(rec) {
	case ReasonLambdaEdgeError, ReasonLambdaEdgeThrottled, ReasonFunctionError, ReasonFunctionThrottled:
		return true
	}
	return false
}

// jsonEndpoints are NextAuth's JSON endpoints below the auth prefix.
var jsonEndpoints = [...]string{"/session", "/csrf", "/providers"}

// JSONEndpointHTML reports one of NextAuth's JSON endpoints (session, csrf,
// providers below authPrefix) answered with HTML by the origin or the cache,
// whatever the status: typically a 200 index.html from a custom error
// response. CloudFront's own error pages (a failure of another layer) are
// not. The path is matched as logged (no normalisation).
func JSONEndpointHTML(rec *logparse.Record, authPrefix string) bool {
	if !strings.HasPrefix(rec.URIStem, authPrefix) || !htmlFromOrigin(rec) {
		return false
	}
	rest := rec.URIStem[len(authPrefix):]
	for _, ep := range jsonEndpoints {
		if rest == ep {
			return true
		}
	}
	return false
}

// htmlFromOrigin reports an HTML answer (text/html) of the origin or the
// cache, whatever the status: not CloudFront's own error page of a failure
// of another layer.
func htmlFromOrigin(rec *logparse.Record) bool {
	if !hasPrefixFold(rec.ContentType, "text/html") {
		return false
	}
	r := Classify(rec)
	return r == ReasonNone || r.Layer() == LayerOrigin
}

// ConfiguredRefusal reports a refusal the owner configures on purpose (see
// [Reason.Configured]): geo restriction, WAF-like edge refusal, signed URL.
func ConfiguredRefusal(rec *logparse.Record) bool { return Classify(rec).Configured() }

package loggen

import (
	"math"
	"strconv"
)

// The failures of issue 16 ("every failed request explained"), each with
// the log signature AWS documents for the layer that answers. Sources:
//   - result types: CloudFront standard logging reference,
//     https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
//   - 502 Lambda validation error, 503 function execution error, 503 Lambda
//     limit exceeded: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/troubleshooting-response-errors.html
//   - custom error responses keep x-edge-result-type Error under a
//     replaced sc-status: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/custom-error-pages-response-code.html
//   - S3 error bodies (application/xml): https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
//   - OAC and Lambda function URLs (unsigned POST/PUT payloads refused):
//     https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-lambda.html
//   - requests whose headers exceed 20 KB are not logged: the standard
//     logging reference above.

// Body sizes (sc-content-len) of the answers. CloudFront's own error pages
// ("ERROR The request could not be satisfied") are text/html of about 1 KB.
const (
	cfWAFPage          = 919  // 403 "Request blocked." (AWS WAF block)
	cfGeoPage          = 941  // 403 geo restriction
	cfLambdaExecPage   = 1040 // 503 Lambda@Edge execution error
	cfLambdaValidPage  = 1013 // 502 Lambda@Edge validation error
	cfLambdaLimitPage  = 1017 // 503 Lambda@Edge limit exceeded
	cfFunctionExecPage = 1002 // 503 CloudFront Functions execution error
	cfFunctionThrPage  = 1021 // 503 CloudFront Functions throttled

	// CloudFront's XML refusals of signed URLs/cookies (text/xml).
	signedMissingKey   = len(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>`)
	signedAccessDenied = len(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>`)

	// S3's XML errors (application/xml) with a RequestId and a HostId.
	s3AccessDenied = 243
	// NoSuchKey adds <Key>…</Key>: s3NoSuchKeyBase + len(key).
	s3NoSuchKeyBase = 271

	// Lambda function URL refusals behind OAC (application/json).
	lambdaURLForbidden = len(`{"Message":"Forbidden"}`)
	lambdaURLSignature = len(`{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`)

	// NextAuth splits cookies larger than this into .0, .1, … chunks.
	nextAuthChunk = 3933
	// Header limits: the Next.js (Node.js) server's default
	// --max-http-header-size, and CloudFront's maximum request length
	// (headers and query string), beyond which the request is not logged.
	nodeMaxHeader   = 16 << 10
	cloudFrontMaxRq = 20480
	// Request headers other than Cookie, for the limits above.
	otherHeaders = 520
)

// Salts of the per-viewer decisions taken from the viewer's address (no
// random draw, so a viewer is consistently in or out).
const (
	saltGeo      = 0x9e0b10c4
	saltOversize = 0x0c00c1e5
)

// clientShare maps a viewer to [0, 1) from its IP address, for decisions
// that must hold for all of its requests.
func clientShare(cl *client, salt uint64) float64 {
	h := uint64(14695981039346656037) ^ salt
	for i := 0; i < len(cl.ip); i++ {
		h ^= uint64(cl.ip[i])
		h *= 1099511628211
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return float64(h>>11) / (1 << 53)
}

// edgeRefusal: CloudFront answers 403 itself, without asking the origin.
func (g *gen) edgeRefusal(r *req, detailed, ctype string, clen int) {
	r.final, r.edgeDone = true, true
	setResult(r, resError)
	r.status, r.detailed, r.ctype, r.clen = 403, detailed, ctype, clen
	r.rangeStart, r.rangeEnd = -1, -1
	r.ttfb = 0
	r.taken = g.intn(3)
	r.scBytes = clen + g.between(300, 360)
	if r.method == "HEAD" {
		r.scBytes -= clen
	}
}

// geoBlock: the distribution's geo restriction refuses the viewer.
func (g *gen) geoBlock(r *req) { g.edgeRefusal(r, "ClientGeoBlocked", "text/html", cfGeoPage) }

// wafBlock: AWS WAF blocks the request with its default action (403 and
// CloudFront's error page). The log has no WAF-specific value: the result
// types are all Error, the origin is not asked.
func (g *gen) wafBlock(r *req) { g.edgeRefusal(r, "Error", "text/html", cfWAFPage) }

// signedURLRefusal: the behavior requires signed URLs or cookies (trusted
// key groups) and the request has none, or an invalid one.
func (g *gen) signedURLRefusal(r *req) {
	if g.intn(100) < 70 {
		g.edgeRefusal(r, "Error", "text/xml", signedMissingKey)
	} else {
		g.edgeRefusal(r, "Error", "text/xml", signedAccessDenied)
	}
}

// s3Error: the S3 origin answers a GET/HEAD for an /api/* path it has no
// object for: 403 AccessDenied (OAC without s3:ListBucket) or 404
// NoSuchKey. A quarter come from CloudFront's error cache (default error
// caching minimum TTL 10 s): still Error, time-to-first-byte under 4 ms.
func (g *gen) s3Error(r *req) {
	r.final = true
	setResult(r, resError)
	r.detailed = "Error"
	if g.intn(100) < 80 {
		r.status, r.clen = 403, s3AccessDenied
	} else {
		r.status, r.clen = 404, s3NoSuchKeyBase+len(r.stem)-1
	}
	r.ctype = "application/xml"
	if g.intn(100) < 25 {
		r.ttfb = g.intn(4)
		r.taken = r.ttfb + g.intn(2)
	} else {
		g.s3Timing(r)
	}
	r.scBytes = r.clen + g.between(300, 420)
	if r.method == "HEAD" {
		r.scBytes -= r.clen
	}
}

// lambdaEdgeError: a Lambda@Edge function fails. 503 LambdaExecutionError
// (exception, or the 5 s viewer / 30 s origin timeout), 502
// LambdaValidationError (malformed response), 503 LambdaLimitExceeded
// (throttled: the function does not run).
func (g *gen) lambdaEdgeError(r *req) {
	r.final = true
	r.ctype = "text/html"
	switch v := g.intn(100); {
	case v < 50:
		setResult(r, resLambdaExecutionError)
		r.detailed = "LambdaExecutionError"
		r.status, r.clen = 503, cfLambdaExecPage
		switch w := g.intn(10); {
		case w < 1:
			r.ttfb = 5000 + g.intn(40)
		case w < 2:
			r.ttfb = 30000 + g.intn(150)
		default:
			r.ttfb = g.skew(15, 900)
		}
	case v < 75:
		r.result, r.respResult = resError, resLambdaValidationError
		r.detailed = "LambdaValidationError"
		r.status, r.clen = 502, cfLambdaValidPage
		r.ttfb = g.skew(20, 600)
	default:
		r.result, r.respResult = resError, resLambdaLimitExceeded
		r.detailed = "LambdaLimitExceeded"
		r.status, r.clen = 503, cfLambdaLimitPage
		r.ttfb = g.intn(6)
	}
	r.taken = r.ttfb + g.intn(3)
	r.scBytes = r.clen + g.between(300, 380)
}

// cloudFrontFunctionError: a CloudFront Function (viewer request) throws
// or exceeds its compute utilization.
func (g *gen) cloudFrontFunctionError(r *req) {
	r.final, r.edgeDone = true, true
	r.ctype = "text/html"
	if g.intn(100) < 70 {
		r.result, r.respResult = resError, resFunctionExecutionError
		r.detailed = "FunctionExecutionError"
		r.status, r.clen = 503, cfFunctionExecPage
	} else {
		r.result, r.respResult = resError, resFunctionThrottledError
		r.detailed = "FunctionThrottledError"
		r.status, r.clen = 503, cfFunctionThrPage
	}
	r.ttfb = g.intn(2)
	r.taken = r.ttfb + g.intn(2)
	r.scBytes = r.clen + g.between(300, 380)
}

// spaIndex: a custom error response maps the origin's 403/404 to the
// SPA's /index.html with status 200; x-edge-result-type stays Error.
func (g *gen) spaIndex(r *req) {
	r.final = true
	setResult(r, resError)
	r.detailed = "Error"
	r.status, r.ctype, r.clen = 200, "text/html", g.site.pages[pgHome].html
	r.ttfb = g.skew(20, 250)
	r.taken = r.ttfb + g.intn(4)
	r.scBytes = r.clen + g.between(340, 560)
}

// unsignedPayload403: the Lambda function URL behind an OAC refuses a
// POST/PUT whose body hash the viewer did not send (x-amz-content-sha256):
// it answers before invoking the function.
func (g *gen) unsignedPayload403(r *req) {
	r.final = true
	setResult(r, resError)
	r.detailed = "Error"
	r.status, r.ctype = 403, ctJSON
	if g.intn(100) < 70 {
		r.clen = lambdaURLForbidden
	} else {
		r.clen = lambdaURLSignature
	}
	r.ttfb = g.between(8, 60)
	r.taken = r.ttfb + g.intn(3)
	r.scBytes = r.clen + g.between(300, 380)
}

// growSession replaces the session cookie of an affected signed-in viewer
// with one that grows across the incident window, and applies the limits
// it runs into: the origin's 431 past 16 KiB of headers, no log line at
// all past CloudFront's 20 KB.
func (g *gen) growSession(r *req, in *incState) {
	cl := r.cl
	if r.cookie != cookieAll || cl.session == "" || cl.csrf == "" {
		return
	}
	share := clientShare(cl, saltOversize)
	if share >= in.rate {
		return
	}
	// Each affected viewer's token starts at 3.6–5.6 KB and grows by
	// 11–17 KB over the window (more groups, claims, provider tokens).
	u := share / in.rate
	base := 3600 + int(2000*u)
	grow := 11000 + int(6000*math.Mod(u*7919, 1))
	p := float64(r.t-in.from) / float64(in.to-in.from)
	n := base + int(p*float64(grow))
	before := r.cookieBytes()
	r.session = g.chunkedSession(n)
	r.csBytes += r.cookieBytes() - before
	if r.route == rtAuthSession && r.status == 200 {
		// The rolling session re-issues the token in Set-Cookie.
		r.scBytes += len(r.session) - len(cl.session)
	}
	// The request's header bytes: all of cs-bytes for a request without a
	// body, an estimate otherwise.
	hdr := r.csBytes
	if r.method == "POST" || r.method == "PUT" {
		hdr = r.cookieBytes() + otherHeaders
	}
	switch {
	case hdr > cloudFrontMaxRq:
		r.final, r.drop = true, true
	case hdr > nodeMaxHeader && r.route.isAPI():
		// Node.js answers 431 with no body and no content type.
		r.final = true
		setResult(r, resError)
		r.detailed = "Error"
		r.status, r.ctype, r.clen = 431, "", -1
		r.ttfb = g.between(5, 40)
		r.taken = r.ttfb + g.intn(2)
		r.scBytes = g.between(180, 260)
	}
}

// chunkedSession returns a NextAuth session-token JWE of n bytes as the
// Cookie header carries it: one cookie, or .0, .1, … chunks of 3933 bytes.
func (g *gen) chunkedSession(n int) string {
	const jweHeader = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."
	body := max(n-len(jweHeader)-46, 16)
	tok := jweHeader + g.randB64(22) + "." + g.randB64(body) + "." + g.randB64(22)
	if len(tok) <= nextAuthChunk {
		return "__Secure-next-auth.session-token=" + tok
	}
	b := make([]byte, 0, len(tok)+(len(tok)/nextAuthChunk+1)*40)
	for i := 0; len(tok) > 0; i++ {
		if i > 0 {
			b = append(b, ";%20"...)
		}
		c := min(nextAuthChunk, len(tok))
		b = append(b, "__Secure-next-auth.session-token."...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, '=')
		b = append(b, tok[:c]...)
		tok = tok[c:]
	}
	return string(b)
}

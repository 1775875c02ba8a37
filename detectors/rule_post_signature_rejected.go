package detectors

import "fmt"

// RulePostSignatureRejected: writes to the API refused by the origin while
// reads pass: Origin Access Control in front of a Lambda function URL.
const RulePostSignatureRejected = "post-signature-rejected"

// post-signature-rejected counters.
const (
	evSigPost     = 0 // failing POSTs
	evSigPut      = 1 // failing PUTs and PATCHes
	evSigOther    = 2 // writes not to NextAuth's callback (all, not only failures)
	evSigOtherErr = 3 // their failures
	evSigReads    = 4 // GET/HEAD requests of the written paths in the same buckets (all)
	evSigRead43   = 5 // their 403s from the origin
)

var rulePostSignatureRejectedDef = rule{
	id:        RulePostSignatureRejected,
	severity:  SeverityCritical,
	scope:     ScopeAPI,
	doc:       "POST, PUT and PATCH under an API behavior answered 403 by the origin (not InvalidRequestMethod, not a configured refusal) while GETs of the same paths pass: Origin Access Control signing requests to a Lambda function URL without the body's hash (/api/*; POST, PUT and PATCH requests)",
	settings:  func(c *Config) Threshold { return c.PostSignatureRejected },
	series:    signatureSeries,
	count:     signatureCount,
	fails:     signatureFails,
	tally:     signatureTally,
	qualifies: signatureQualifies,
	// The NextAuth POSTs (callback, signin, signout) refused in this
	// outage are these 403s, not cookies.
	absorbs:   []string{RuleAuth403Burst, RuleAuthCookieMissing},
	evidence:  [numEv]string{"post_403", "put_patch_403", "non_callback_writes", "non_callback_403", "get_head_requests", "get_head_origin_403"},
	explain:   signatureExplain,
	failsSQL:  "cs_method IN ('POST', 'PUT', 'PATCH') AND sc_status = 403 AND " + reasonIn(ReasonApp, ReasonAPIGatewayJSON403),
	countsSQL: "cs_method IN ('POST', 'PUT', 'PATCH')",
}

// isWrite reports a method whose request carries a body Origin Access
// Control does not sign.
func isWrite(m string) bool { return m == "POST" || m == "PUT" || m == "PATCH" }

// signatureSeries: the writes of each API behavior. A GET or HEAD of a
// path that is also written to (the app's API, NextAuth's callback, signin
// and signout: not the read-only session, csrf and providers) is not
// counted, but adds to the reads counters of the behavior's current
// bucket: the burst compares its writes with the reads of the same paths
// at the same time. Callbacks refused to GET and POST alike are NextAuth's
// (auth-403-burst), not a signature's.
func signatureSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	m := x.rec.Method
	read := m == "GET" || m == "HEAD"
	if read {
		switch x.pc.ep {
		case epNone, epCallback, epSignin, epSignout:
		default:
			return nil
		}
	} else if !isWrite(m) {
		return nil
	}
	p := e.seriesSlot(h, r, x.pc.api)
	if *p == nil {
		*p = e.newSeries(r, e.apiLabel(x.pc.api), "POST, PUT and PATCH requests")
	}
	if !read {
		return *p
	}
	if bk := e.bucket(*p); bk != nil {
		bk.ev[evSigReads]++
		if originRefused(x) {
			bk.ev[evSigRead43]++
		}
	}
	return nil
}

// signatureFails: a 403 the origin answered (the application, API Gateway
// or a Lambda function URL): not CloudFront refusing the method, not a
// geo, WAF or signed URL refusal, not S3's error document (the default
// behavior's, api-routed-to-static-origin), not an error from the cache.
func signatureFails(x *request) bool { return originRefused(x) }

// originRefused reports a 403 of the application, API Gateway or a Lambda
// function URL.
func originRefused(x *request) bool {
	if x.rec.Status != 403 || x.refused {
		return false
	}
	r := Classify(x.rec)
	return r == ReasonApp || r == ReasonAPIGatewayJSON403
}

func signatureCount(x *request, ev *[numEv]int64) {
	if x.pc.ep != epCallback {
		ev[evSigOther]++
	}
}

func signatureTally(x *request, ev *[numEv]int64) {
	if x.rec.Method == "POST" {
		ev[evSigPost]++
	} else {
		ev[evSigPut]++
	}
	if x.pc.ep != epCallback {
		ev[evSigOtherErr]++
	}
}

// signatureMinReads is how many reads of the written paths a burst needs
// to tell that reads pass.
const signatureMinReads = 5

// signatureQualifies: the writes other than NextAuth's callbacks (sign-in,
// sign-out, the app's API) fail too, at least half of them: a signature
// refuses every body, while NextAuth refusing a callback's state or
// cookies (auth-403-burst) fails callbacks alone. And the reads of the
// same paths and time pass: at least signatureMinReads, fewer than a tenth
// of them refused with 403 by the origin (S3's answers and configured
// refusals aside): every API request failing is api-origin-forbidden's.
func signatureQualifies(_ Threshold, ev *[numEv]int64) bool {
	other, reads := ev[evSigOther], ev[evSigReads]
	return ev[evSigOtherErr] > 0 && 2*ev[evSigOtherErr] >= other &&
		reads >= signatureMinReads && 10*ev[evSigRead43] < reads
}

func signatureExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	f.Cause = fmt.Sprintf("%s under %s got 403 from the origin (%s; also %s of the %s other writes: sign-in, sign-out, the app's API, not only NextAuth's callbacks), while %s GET and HEAD requests of the same paths (the API, callback, signin, signout) at the same time passed (%s refused): CloudFront reached the origin and the origin refused only the requests with a body. The signature of Origin Access Control in front of a Lambda function URL: CloudFront signs each request, but Lambda does not accept an unsigned payload, so a POST or PUT without the body's SHA-256 in x-amz-content-sha256 is refused. Not CloudFront refusing the method (that would be InvalidRequestMethod) nor NextAuth refusing cookies (the same viewers' GETs pass)",
		ofText(f), f.Group, counts(ev, []string{"POST", "PUT or PATCH"}, evSigPost), fmtCount(ev[evSigOtherErr]), fmtCount(ev[evSigOther]), fmtCount(ev[evSigReads]), fmtCount(ev[evSigRead43]))
	if len(c.extra) > 0 {
		f.Cause += "; the overlapping NextAuth 403 bursts are folded in here (same cause)"
	}
	f.Remedy = fmt.Sprintf("With Origin Access Control on a Lambda function URL, AWS requires PUT and POST requests to carry the SHA-256 of their body in the x-amz-content-sha256 header (Lambda does not support unsigned payloads). Either have the client send x-amz-content-sha256 (the hex SHA-256 of the body) on every POST and PUT (NextAuth's own form POSTs cannot: prefer the next options), add it at the edge with a Lambda@Edge origin-request function with body access (Include body) that hashes the body (a CloudFront Function cannot read the body), or stop using Origin Access Control for the %s behavior (set the function URL's auth type to NONE and protect it with a secret origin custom header the function checks).", f.Group)
}

package detectors

import (
	"fmt"
	"strings"
)

// RuleAPIRoutedToStaticOrigin: API requests answered by the S3 origin of the
// default behavior.
const RuleAPIRoutedToStaticOrigin = "api-routed-to-static-origin"

// api-routed-to-static-origin counters.
const (
	evS3AccessDenied = 0 // S3 403 (AccessDenied)
	evS3NoSuchKey    = 1 // S3 404 (NoSuchKey)
	evS3Other        = 2 // S3 400
	evS3Auth         = 3 // S3 errors on NextAuth's paths
	evS3Refused      = 4 // requests of the series CloudFront refused: InvalidRequestMethod (all, not only failures)
)

var ruleAPIRoutedToStaticOriginDef = rule{
	id:       RuleAPIRoutedToStaticOrigin,
	severity: SeverityCritical,
	scope:    ScopeAPI,
	doc:      "API requests, NextAuth's included, answered with S3's XML error documents (403 AccessDenied, 404 NoSuchKey, application/xml): the default (S3) behavior serves /api/* because its behavior is missing or its path pattern does not match (/api/*; API requests)",
	settings: func(c *Config) Threshold { return c.APIRoutedToStaticOrigin },
	series:   staticOriginSeries,
	count:    staticOriginCount,
	fails:    staticOriginFails,
	tally:    staticOriginTally,
	judge:    staticOriginJudge,
	// S3's 403s on NextAuth's endpoints and the refused POSTs of the
	// default behavior are this one cause: one critical is enough.
	absorbs:   []string{RuleAuth403Burst, RuleAuthCookieMissing, RuleMethodRejected},
	evidence:  [numEv]string{"s3_access_denied_403", "s3_no_such_key_404", "s3_400", "auth_s3_errors", "invalid_request_method"},
	explain:   staticOriginExplain,
	failsSQL:  sqlNotFileLike + " AND " + reasonIn(ReasonS3XMLError),
	countsSQL: "",
}

// staticOriginSeries: every API request, per API behavior.
func staticOriginSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	p := e.seriesSlot(h, r, x.pc.api)
	if *p == nil {
		*p = e.newSeries(r, e.apiLabel(x.pc.api), "API requests")
	}
	return *p
}

func staticOriginCount(x *request, ev *[numEv]int64) {
	if x.refused {
		ev[evS3Refused]++
	}
}

// staticOriginFails: an S3 error document (400/403/404 application/xml),
// from the origin or CloudFront's error cache: on a path of the API, the
// request reached the S3 bucket. A signed URL refusal (CloudFront's own
// text/xml) or a WAF block is not one (see Classify).
//
// A path whose last segment has a dot (/api/.env, /api/config.php) is a
// scanner's probe for a file, not a call of the API: it is counted, never
// a failure.
func staticOriginFails(x *request) bool {
	return !fileLike(x.pc.path) && Classify(x.rec) == ReasonS3XMLError
}

// fileLike reports a path whose last segment has a dot: a file name or a
// dotfile, which API routes are not.
func fileLike(p string) bool {
	return strings.IndexByte(p[strings.LastIndexByte(p, '/')+1:], '.') >= 0
}

// sqlNotFileLike is !fileLike in SQL, on the path as logged: a superset of
// the paths the detectors find not file-like once normalised (a path with
// a %-escape, or ending in a dot segment, may normalise to anything).
const sqlNotFileLike = `NOT (regexp_like(coalesce(cs_uri_stem, ''), '\.[^/]*$') AND NOT regexp_like(coalesce(cs_uri_stem, ''), '/\.\.?$') AND strpos(coalesce(cs_uri_stem, ''), '%') = 0)`

func staticOriginTally(x *request, ev *[numEv]int64) {
	switch x.rec.Status {
	case 403:
		ev[evS3AccessDenied]++
	case 404:
		ev[evS3NoSuchKey]++
	default:
		ev[evS3Other]++
	}
	if x.pc.ep != epNone {
		ev[evS3Auth]++
	}
}

// staticOriginMinClients is how many distinct clients must get S3's
// answers on the API, unless NextAuth's endpoints get them: scanners
// probing /api/.env of a site whose S3 bucket answers them come from a
// handful of addresses; an API routed to S3 fails for every visitor.
const staticOriginMinClients = 10

// staticOriginJudge drops a candidate of a few clients that never reached
// NextAuth's endpoints (scanner probes).
func staticOriginJudge(_ *Engine, c *cand) {
	var auth int64
	for _, ep := range c.acc.eps {
		auth += ep.ev[evS3Auth]
	}
	c.drop = len(c.acc.clients) < staticOriginMinClients && auth < c.r.th.MinCount
}

func staticOriginExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	f.Cause = fmt.Sprintf("%s under %s were answered by S3, not by the app: XML error documents (application/xml; %s), %s of them on NextAuth's endpoints. The default behavior, whose origin is the S3 bucket of the static site, serves these paths: the cache behavior for %s is missing, or its path pattern does not match them (patterns are case-sensitive and matched in order)",
		ofText(f), f.Group, counts(ev, []string{"403 AccessDenied", "404 NoSuchKey", "400"}, evS3AccessDenied), fmtCount(ev[evS3Auth]), f.Group)
	if n := ev[evS3Refused]; n > 0 {
		f.Cause += fmt.Sprintf("; the %s POST, PUT, DELETE or OPTIONS requests CloudFront refused meanwhile (InvalidRequestMethod) are the same fault: they met the default behavior, which allows only GET and HEAD. Allowing more methods there would not help: S3 cannot answer them", fmtCount(n))
	}
	if len(c.extra) > 0 {
		f.Cause += "; the overlapping NextAuth 403 bursts and refused methods are folded in here (S3's answers, not NextAuth's)"
	}
	f.Remedy = fmt.Sprintf("Add a cache behavior with the path pattern %s (or fix its pattern) whose origin is the app (the Next.js server, API Gateway or the Lambda function URL), ordered before the default behavior: allowed methods GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE, cache policy %s, origin request policy %s for API Gateway / Lambda URL origins (%s for other origins). Do not open the default (S3) behavior to POST. Then create an invalidation for %s to clear S3's cached error answers.",
		f.Group, cachingDisabled, allViewerExceptHostHeader, allViewer, f.Group)
}

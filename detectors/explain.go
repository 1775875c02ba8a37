package detectors

import (
	"fmt"
	"strings"
)

// explain writes f's Cause and Remedy from the evidence.
func (e *Engine) explain(f *Finding, c *cand, ev [numEv]int64, httpCount int64) {
	of := fmt.Sprintf("%s of %s %s", fmtCount(f.Count), fmtCount(f.Denominator), f.DenominatorLabel)
	p := e.authPrefix
	switch c.kind {
	case rkCacheHit:
		f.Severity = SeverityCritical
		f.Cause = fmt.Sprintf("%s under %s/* were answered from CloudFront's cache (%s): NextAuth responses are cached, so one user's session or CSRF token can be served to another; %s distinct clients received cached auth responses",
			of, p, counts(ev, evNames[rkCacheHit][:3], 0), f.ClientsText())
		f.Remedy = fmt.Sprintf("Attach the managed cache policy %s to the cache behavior that serves %s/* (and the rest of %s), then create an invalidation for %s/*. NextAuth sends Cache-Control: private, no-store; a cache policy with a minimum TTL above 0 overrides it.",
			cachingDisabled, p, e.apiLabel(e.authAPI), p)

	case rkAuth403:
		f.Severity = SeverityCritical
		e.explainAuth403(f, c, ev, of)

	case rkMethod:
		f.Severity = SeverityCritical
		ttfb := "time-to-first-byte 0"
		if z := ev[evTTFBZero]; z != f.Count {
			ttfb = fmt.Sprintf("%s of them with time-to-first-byte 0", fmtCount(z))
		}
		allows := "allows only GET and HEAD"
		if ev[evMethod+methodIndex("OPTIONS")] == 0 {
			allows = "allows only GET and HEAD (or GET, HEAD and OPTIONS)"
		}
		f.Cause = fmt.Sprintf("CloudFront itself refused %s with 403 InvalidRequestMethod (%s; the origin was never asked, %s): the cache behavior for %s %s, while the app needs POST there (sign-in, OAuth callbacks, API calls)",
			of, counts(ev, evNames[rkMethod][1:], evMethod), ttfb, f.Group, allows)
		f.Remedy = fmt.Sprintf("Set Allowed HTTP methods to GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE on the %s cache behavior, keep Cached HTTP methods to GET, HEAD only, and use the managed cache policy %s for dynamic routes so that POST and the NextAuth callbacks reach the origin uncached.",
			f.Group, cachingDisabled)

	case rkCORS:
		f.Severity = SeverityWarning
		f.Cause = fmt.Sprintf("%s under %s failed (%s): browsers then block the cross-origin call the preflight was for",
			of, f.Group, counts(ev, []string{"403", "other 4xx"}, ev403))
		f.Remedy = fmt.Sprintf("Allow OPTIONS on the %s cache behavior (allowed methods GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE); forward the Origin, Access-Control-Request-Method and Access-Control-Request-Headers headers to the origin (origin request policy %s for API Gateway or Lambda URL origins, or %s, or a custom policy); answer with Access-Control-Allow-Origin for the calling site, from a CloudFront response headers policy (e.g. the managed CORS-With-Preflight) or Next.js headers() in next.config.js.",
			f.Group, allViewerExceptHostHeader, allViewer)

	case rkCookie:
		f.Severity = SeverityWarning
		f.Cause = fmt.Sprintf("%s failed (4xx) carrying none of NextAuth's cookies (next-auth.*, __Secure-next-auth.*, __Host-next-auth.*, authjs.*) while other requests to %s carry them (%s): the browser did not store or did not send the session, CSRF or state cookie",
			of, f.Host, counts(ev, []string{"with other cookies", "no Cookie header"}, evOtherCookies))
		f.Remedy = "Make the browser keep NextAuth's cookies: " + cookieAdvice(f.Host) + fmt.Sprintf(" If the browser does hold them, make CloudFront forward all cookies to the origin with the origin request policy %s, or %s for API Gateway or Lambda URL origins.",
			allViewer, allViewerExceptHostHeader)

	case rkInsecureHTTP:
		f.Severity = SeverityWarning
		var parts []string
		var viaCount, viaHTTP int64
		var viaHosts []string
		for _, cf := range c.split {
			viaCount += cf.via.count
			viaHTTP += cf.via.http
			viaHosts = append(viaHosts, cf.host)
		}
		plain := httpCount + viaHTTP
		f.Evidence = addEvidence(f.Evidence, "plain_http", plain)
		f.Evidence = addEvidence(f.Evidence, "via_cloudfront_domain", viaCount)
		if plain > 0 {
			parts = append(parts, fmt.Sprintf("%s were answered over plain http (not redirected to https), where browsers never send __Secure-/__Host- cookies", fmtCount(plain)))
		}
		if viaCount > 0 {
			part := fmt.Sprintf("%s reached the distribution through %s while the site signs in on %s: cookies set for one host name are never sent to the other (host-only and __Host- cookies)",
				fmtCount(viaCount), strings.Join(viaHosts, " and "), f.Host)
			if viaHTTP > 0 {
				part += fmt.Sprintf(" (%s of them over http as well)", fmtCount(viaHTTP))
			}
			parts = append(parts, part)
		}
		f.Cause = fmt.Sprintf("%s were insecure for NextAuth's cookies: %s", of, strings.Join(parts, "; "))
		f.Remedy = fmt.Sprintf("Set Viewer protocol policy to Redirect HTTP to HTTPS (or HTTPS only) on every cache behavior, at least %s and the default one; set NEXTAUTH_URL (AUTH_URL for Auth.js v5) to https://%s; keep users on that one host name: do not link to or sign in through the *.cloudfront.net name (redirect it to https://%s, e.g. with a CloudFront Function).",
			e.apiLabel(e.authAPI), f.Host, f.Host)

	case rkAPIForbidden:
		f.Severity = SeverityCritical
		f.Cause = fmt.Sprintf("%s under %s got 403 from the origin after a real round trip (%s of %s non-auth API requests; %s with a small JSON body such as {\"message\":\"Forbidden\"}), not from CloudFront: the signature of API Gateway or a Lambda function URL receiving the viewer's Host header (%s) instead of its own domain name",
			of, f.Group, fmtCount(ev[evNonAuthFail]), fmtCount(ev[evNonAuthTotal]), fmtCount(ev[evSmallJSON]), f.Host)
		if n := len(c.extra); n > 0 {
			f.Cause += "; the overlapping NextAuth and CORS failures are folded in here (same cause)"
		}
		f.Remedy = fmt.Sprintf("Attach the managed origin request policy %s to the %s cache behavior, or a custom policy forwarding only what the app needs (all cookies, all query strings, headers such as Accept and Accept-Language), never Host; %s forwards Host and causes exactly this.",
			allViewerExceptHostHeader, f.Group, allViewer)

	case rkOriginErrors:
		f.Severity = SeverityWarning
		if f.Rate() >= e.cfg.OriginErrors.CriticalRate {
			f.Severity = SeverityCritical
		}
		f.Cause = fmt.Sprintf("%s to %s failed with 5xx or an origin-side error (%s)",
			of, f.Group, counts(ev, []string{"OriginConnectError", "OriginCommError", "OriginReadError", "OriginDnsError", "other Origin*Error", "5xx from the origin"}, evConnect))
		f.Remedy = originRemedy(ev)
	}
}

// explainStaticMethod writes the Cause and Remedy of method-rejected on the
// default (static) behavior: refusals on pages of the site.
func (e *Engine) explainStaticMethod(f *Finding, ev [numEv]int64, pages int) {
	of := fmt.Sprintf("%s of %s %s", fmtCount(f.Count), fmtCount(f.Denominator), f.DenominatorLabel)
	ttfb := "time-to-first-byte 0"
	if z := ev[evTTFBZero]; z != f.Count {
		ttfb = fmt.Sprintf("%s of them with time-to-first-byte 0", fmtCount(z))
	}
	what := "a page"
	if pages > 1 {
		what = fmtCount(int64(pages)) + " pages"
	}
	f.Cause = fmt.Sprintf("CloudFront itself refused %s with 403 InvalidRequestMethod (%s; the origin was never asked, %s) from %s distinct clients, on %s of the site that at least %d visitors load with GET (%s): the behavior serving these paths allows only GET and HEAD, as one for static files should, yet they are sent other methods, as a form post or a Next.js Server Action does",
		of, counts(ev, evNames[rkMethod][1:], evMethod), ttfb, f.ClientsText(), what, e.cfg.MethodRejected.PageMinClients, strings.Join(f.Paths, ", "))
	example := f.Paths[0]
	f.Remedy = fmt.Sprintf("Leave the static behavior as it is. If the app serves these requests (a form post, a Server Action, a route handler), they need a behavior like /api/*: add a cache behavior for them (path pattern %s) pointing at the app's origin, with Allowed HTTP methods GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE, Cached HTTP methods GET, HEAD, and the managed cache policy %s. If the app does not serve them, they are bots or scanners: ignore the paths with the ignore_paths setting (e.g. --set ignore_paths=%s).",
		example, cachingDisabled, example)
}

func (e *Engine) explainAuth403(f *Finding, c *cand, ev [numEv]int64, of string) {
	with, without, codeState := ev[evWithCookies], ev[evWithoutCookies], ev[evCodeState]
	h := c.h
	forward := fmt.Sprintf("attach an origin request policy that forwards all cookies and all query strings to the %s cache behavior: %s, or %s when the origin is API Gateway or a Lambda function URL (they reject the viewer's Host header); keep the cache policy %s on it.",
		e.apiLabel(e.authAPI), allViewer, allViewerExceptHostHeader, cachingDisabled)
	qs := ""
	if codeState > 0 {
		qs = fmt.Sprintf("; %s failing callbacks carried code/state in the query, which NextAuth cannot check when the query string is not forwarded", fmtCount(codeState))
	}
	switch {
	case h.cookieLogging && with*2 >= f.Count:
		f.Cause = fmt.Sprintf("%s got 403 from the origin although the viewer sent NextAuth cookies (%s of %s failing requests carried them)%s: CloudFront is not forwarding cookies (or query strings) to the origin, so NextAuth's CSRF/state checks fail",
			of, fmtCount(with), fmtCount(f.Count), qs)
		f.Remedy = "Forward cookies and query strings: " + forward
	case h.cookieLogging:
		f.Cause = fmt.Sprintf("%s got 403 from the origin and %s of %s failing requests carried no NextAuth cookie (session, CSRF or state)%s: the browser did not store or send NextAuth's cookies",
			of, fmtCount(without), fmtCount(f.Count), qs)
		f.Remedy = "Make the browser keep NextAuth's cookies: " + cookieAdvice(f.Host) + " If the browser does hold them, " + forward
	default:
		f.Cause = fmt.Sprintf("%s got 403 from the origin%s; cookie logging is off, so whether the viewer sent NextAuth cookies is unknown: most likely CloudFront does not forward cookies or query strings to the origin (NextAuth's CSRF/state checks fail), otherwise the browser does not keep NextAuth's cookies",
			of, qs)
		f.Remedy = "First, " + forward + " If such a policy is already attached, make the browser keep NextAuth's cookies: " + cookieAdvice(f.Host) +
			" Turning on cookie logging for the distribution lets cfwatch tell the two apart."
	}
}

// cookieAdvice is the advice for cookies the browser does not keep or send,
// to follow a colon.
func cookieAdvice(host string) string {
	return fmt.Sprintf("set NEXTAUTH_URL (AUTH_URL for Auth.js v5) to the public URL https://%s so NextAuth issues Secure cookies for that host; keep NextAuth's default cookie options (Secure, SameSite=Lax, no hand-set domain), using SameSite=None; Secure only when sign-in crosses sites; serve sign-in on one host name over https; check third-party cookie blocking when the auth endpoints are on another domain.", host)
}

// originRemedy advises on the dominant kind of origin failure.
func originRemedy(ev [numEv]int64) string {
	best := evStatusOnly
	for i := evConnect; i <= evStatusOnly; i++ {
		if ev[i] > ev[best] {
			best = i
		}
	}
	var first string
	switch best {
	case evConnect, evDNS:
		first = "CloudFront cannot reach the origin: check the origin domain name, protocol and port, that its TLS certificate matches the origin domain, and the origin's security groups, API Gateway stage or custom domain mapping."
	case evRead:
		first = "The origin does not answer within the origin response timeout: raise it in the origin settings (default 30 s) or make the route faster (Lambda duration, cold starts, database calls)."
	case evComm:
		first = "CloudFront loses the connection to the origin mid-request: check the origin's keep-alive and idle timeouts, the origin SSL protocols, and crashes of the origin process."
	case evOriginOth:
		first = "The origin failed at the connection level: check the origin's health and the CloudFront origin settings."
	default:
		first = "The origin answered 5xx itself: check the application and API Gateway / Lambda logs at first_seen; 503 {\"message\":\"Service Unavailable\"} from API Gateway or Lambda means throttling (raise reserved or account concurrency)."
	}
	return first + " Consider a custom error response or origin failover for the affected behavior."
}

// counts lists the non-zero counters ev[from+i] as "name ×n".
func counts(ev [numEv]int64, names []string, from int) string {
	var parts []string
	for i, name := range names {
		if from+i < numEv && ev[from+i] > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%s", name, fmtCount(ev[from+i])))
		}
	}
	if len(parts) == 0 {
		return "no detail"
	}
	return strings.Join(parts, ", ")
}

func addEvidence(m map[string]int64, k string, v int64) map[string]int64 {
	if v == 0 {
		return m
	}
	if m == nil {
		m = make(map[string]int64)
	}
	m[k] = v
	return m
}

package loggen

// applyIncidents alters r according to the incidents active at r.t. It
// reports whether an extra rejected CORS preflight must precede r.
//
// Incidents are applied in priority order: refusals at the edge (geo, AWS
// WAF, signed URLs), viewer-side changes (insecure-scheme), then
// CloudFront's own answers (method refusal, routing to S3, cache hits),
// then origin and edge-function failures, of which the first applicable
// one wins. An incident that sets r.final ends the list for r.
func (g *gen) applyIncidents(r *req) (preflight bool) {
	originDone := false
	for i := range g.incs {
		if r.final {
			break
		}
		in := &g.incs[i]
		if r.t < in.from || r.t >= in.to {
			continue
		}
		rt := r.route
		switch in.kind {
		case GeoRestricted:
			if clientShare(r.cl, saltGeo) < in.rate {
				g.geoBlock(r)
			}
		case WAFNoise:
			if rt == rtScanner && r.status != 301 && g.chance(in.rate) {
				g.wafBlock(r)
			}
		case EdgeRefusalsOnAuth:
			if !rt.isAuth() || !g.chance(in.rate) {
				continue
			}
			switch v := g.intn(100); {
			case v < 70:
				g.wafBlock(r)
			case v < 85:
				g.geoBlock(r)
			default:
				g.signedURLRefusal(r)
			}
		case APIRoutedToStatic:
			if !rt.isAPI() || r.edgeDone || !g.chance(in.rate) {
				continue
			}
			if r.method == "GET" || r.method == "HEAD" {
				g.s3Error(r)
			} else {
				g.rejectMethod(r)
				r.final = true
			}
		case EdgeFunctionError, CloudFrontFunctionError:
			if !rt.isAPI() || r.edgeDone || !g.chance(in.rate) {
				continue
			}
			if in.kind == EdgeFunctionError {
				g.lambdaEdgeError(r)
			} else {
				g.cloudFrontFunctionError(r)
			}
		case AuthCookieOversize:
			g.growSession(r, in)
		case AuthHTMLResponse:
			if r.method != "GET" || (rt != rtAuthSession && rt != rtAuthCsrf && rt != rtAuthProviders) || r.edgeDone || !g.chance(in.rate) {
				continue
			}
			g.spaIndex(r)
		case PostSignatureRejected:
			if (r.method != "POST" && r.method != "PUT") || !rt.isAPI() || rt == rtPreflight || r.edgeDone || !g.chance(in.rate) {
				continue
			}
			g.unsignedPayload403(r)
		case InsecureScheme:
			if !rt.isAuth() || !g.chance(in.rate) {
				continue
			}
			v := g.intn(10)
			if v < 7 {
				// http:// is answered (viewer protocol policy allow-all);
				// browsers do not send __Secure-/__Host- cookies over http.
				r.plainHTTP, r.ver = true, verH11
				if r.cookie == cookieAll {
					r.cookie = cookieNonAuth
				}
			}
			if v >= 4 {
				// Reached through the *.cloudfront.net name: the custom
				// domain's cookies are not sent at all.
				r.cfHost, r.cookie = true, cookieNone
			}
		case MethodRejected:
			if r.method == "GET" || r.method == "HEAD" || !rt.isAPI() || r.edgeDone || !g.chance(in.rate) {
				continue
			}
			g.rejectMethod(r)
		case AuthCacheHit:
			if r.method != "GET" || (rt != rtAuthSession && rt != rtAuthCsrf) || r.edgeDone || !g.chance(in.rate) {
				continue
			}
			r.edgeDone = true
			r.status, r.detailed = 200, ""
			if g.intn(100) < 12 {
				setResult(r, resRefreshHit)
				r.ttfb = g.between(1, 3)
			} else {
				setResult(r, resHit)
				r.ttfb = g.intn(3)
			}
			r.taken = r.ttfb + g.intn(2)
		case Auth403Callback:
			if rt != rtAuthCallback || r.edgeDone || originDone || !g.chance(in.rate) {
				continue
			}
			g.origin403Auth(r)
			originDone = true
		case Auth403Session:
			if (rt != rtAuthSession && rt != rtAuthCsrf) || r.edgeDone || originDone || !g.chance(in.rate) {
				continue
			}
			g.origin403Auth(r)
			originDone = true
		case AuthCookieMissing:
			if (rt != rtAuthSession && rt != rtAuthCallback) || r.edgeDone || originDone || !g.chance(in.rate) {
				continue
			}
			if r.cookie == cookieAll {
				r.cookie = cookieNonAuth
			}
			r.extraCookie = ""
			g.origin403Auth(r)
			originDone = true
		case CORSPreflightRejected:
			if r.edgeDone || originDone || !rt.isAPI() {
				continue
			}
			if rt == rtPreflight {
				if g.chance(in.rate) {
					g.preflight403(r)
					originDone = true
				}
				continue
			}
			if !r.noPreflight && g.chance(in.rate) {
				preflight = true
			}
		case APIOrigin403:
			if !rt.isAPI() || r.edgeDone || originDone || !g.chance(in.rate) {
				continue
			}
			// API Gateway rejecting the viewer's Host header.
			setResult(r, resError)
			r.status, r.detailed, r.ctype, r.clen = 403, "Error", ctJSON, 23
			r.ttfb = g.between(10, 50)
			r.taken = r.ttfb + g.intn(2)
			r.scBytes = 23 + g.between(300, 380)
			originDone = true
		case Origin5xx:
			if !rt.isAPI() || r.edgeDone || originDone || !g.chance(in.rate) {
				continue
			}
			g.origin5xx(r)
			originDone = true
		}
	}
	return preflight
}

// rejectMethod: CloudFront refuses a method the cache behavior does not
// allow, without contacting the origin.
func (g *gen) rejectMethod(r *req) {
	r.edgeDone = true
	setResult(r, resError)
	r.status, r.detailed, r.ctype, r.clen = 403, "InvalidRequestMethod", "text/html", 1053
	r.scBytes = 1053 + g.between(335, 365)
	r.ttfb = 0
	r.taken = g.skew(0, 140)
}

// origin403Auth: the NextAuth route (or something in front of it) answers
// 403 after a normal origin round trip.
func (g *gen) origin403Auth(r *req) {
	setResult(r, resError)
	r.status, r.detailed = 403, "Error"
	if g.chance(0.5) {
		r.ctype, r.clen = "text/html", g.between(150, 190)
	} else {
		r.ctype, r.clen = ctJSON, g.between(30, 60)
	}
	r.ttfb = g.skew(20, 300)
	r.taken = r.ttfb + g.intn(3)
	r.scBytes = r.clen + g.between(300, 460)
}

// preflight403: the origin rejects a CORS preflight (no body, no
// Access-Control-* headers).
func (g *gen) preflight403(r *req) {
	setResult(r, resError)
	r.status, r.detailed, r.ctype, r.clen = 403, "Error", "", 0
	r.ttfb = g.skew(10, 120)
	r.taken = r.ttfb + g.intn(2)
	r.scBytes = g.between(260, 340)
}

// addPreflight emits a cross-origin OPTIONS for r's URL from the partner
// subdomain, rejected by the origin.
func (g *gen) addPreflight(r *req) {
	p := &g.pre
	cl := g.browsers[g.intn(len(g.browsers))]
	*p = req{t: max(r.t-int64(g.between(5, 80)), g.c0), cl: cl, method: "OPTIONS", stem: r.stem, query: r.query, queryB: r.queryB,
		route: rtPreflight, ver: cl.ver, clen: -1, rangeStart: -1, rangeEnd: -1, referer: g.site.partner,
		port: g.port(), cookie: cookieNone}
	p.edge = g.edgeFor(cl)
	g.preflight403(p)
	p.csBytes = g.between(300, 520)
	g.push(p)
}

// origin5xx: the API origin is unreachable, times out or is throttled.
func (g *gen) origin5xx(r *req) {
	setResult(r, resError)
	switch v := g.intn(10); {
	case v < 3:
		r.status, r.detailed, r.ctype, r.clen = 502, "OriginConnectError", "text/html", 951
		r.ttfb = g.skew(1000, 10000)
	case v < 5:
		r.status, r.detailed, r.ctype, r.clen = 502, "OriginCommError", "text/html", 951
		r.ttfb = g.skew(300, 5000)
	case v < 7:
		r.status, r.detailed, r.ctype, r.clen = 504, "OriginReadError", "text/html", 1033
		r.ttfb = 30000 + g.intn(150)
	case v < 8:
		r.status, r.detailed, r.ctype, r.clen = 502, "OriginDnsError", "text/html", 507
		r.ttfb = g.between(80, 150)
	default:
		// API Gateway / Lambda throttling: {"message":"Service Unavailable"}
		r.status, r.detailed, r.ctype, r.clen = 503, "Error", ctJSON, 33
		r.ttfb = g.skew(20, 300)
	}
	r.taken = r.ttfb + g.intn(3)
	r.scBytes = r.clen + g.between(300, 420)
}

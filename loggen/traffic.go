package loggen

import (
	"strconv"
	"strings"
)

// asset is a static file served from S3 through the default behavior.
type asset struct {
	path  string
	ctype string
	size  int
}

// Page kinds of the static export.
const (
	pgHome = iota
	pgAbout
	pgItems
	pgItem
	pgSignin
	pgProfile
	numPages
)

type pageDef struct {
	path  string
	url   string // absolute URL, used as Referer
	chunk asset  // the page's own JS chunk
	html  int
}

type item struct {
	page, url, api string
	img            asset
	html           int
}

// site is the build the static export was made from.
type site struct {
	origin   string // "https://app.example.com"
	home     string // origin + "/"
	partner  string // referer of cross-origin API calls
	common   []asset
	pages    [numPages]pageDef
	items    []item
	logo     asset
	hero     asset
	favicon  asset
	video    asset
	robots   asset
	sitemap  asset
	pageQ    []string // "page=2" ...
	searchQ  []string // "q=lamp" ...
	signinQ  []string // callbackUrl query strings of the sign-in page
	apiItems string
	cognito  string // Referer after the Cognito hosted UI
}

func newSite(g *gen) *site {
	s := &site{origin: "https://" + g.cfg.Domain}
	s.home = s.origin + "/"
	s.partner = "https://partner." + parentDomain(g.cfg.Domain) + "/"
	build := g.randB64(21)
	h := func() string { return g.randHex(16) }
	js := func(p string, size int) asset {
		return asset{"/_next/static/chunks/" + p + "-" + h() + ".js", "application/javascript", size}
	}
	s.common = []asset{
		js("webpack", 3600+g.intn(400)),
		js("framework", 139000+g.intn(3000)),
		js("main", 108000+g.intn(8000)),
		js("pages/_app", 52000+g.intn(20000)),
		js(strconv.Itoa(100+g.intn(900)), 30000+g.intn(40000)),
		js(strconv.Itoa(100+g.intn(900)), 8000+g.intn(20000)),
		{"/_next/static/css/" + h() + ".css", "text/css", 9000 + g.intn(20000)},
		{"/_next/static/" + build + "/_buildManifest.js", "application/javascript", 900 + g.intn(600)},
		{"/_next/static/" + build + "/_ssgManifest.js", "application/javascript", 77},
		{"/_next/static/media/" + g.randHex(20) + "-s.p.woff2", "font/woff2", 25000 + g.intn(25000)},
	}
	paths := [numPages]string{"/", "/about/", "/items/", "/items/1/", "/auth/signin/", "/profile/"}
	chunks := [numPages]string{"pages/index", "pages/about", "pages/items", "pages/items/%5Bid%5D", "pages/auth/signin", "pages/profile"}
	for i := range s.pages {
		s.pages[i] = pageDef{path: paths[i], url: s.origin + paths[i], chunk: js(chunks[i], 2000+g.intn(14000)), html: 6000 + g.intn(20000)}
	}
	nItems := 400
	s.items = make([]item, nItems)
	for i := range s.items {
		id := strconv.Itoa(i + 1)
		p := "/items/" + id + "/"
		s.items[i] = item{
			page: p, url: s.origin + p, api: "/api/items/" + id,
			img:  asset{"/images/items/" + id + ".webp", "image/webp", 18000 + g.intn(90000)},
			html: 9000 + g.intn(9000),
		}
	}
	s.logo = asset{"/images/logo.svg", "image/svg+xml", 2400 + g.intn(1000)}
	s.hero = asset{"/images/hero.webp", "image/webp", 140000 + g.intn(40000)}
	s.favicon = asset{"/favicon.ico", "image/x-icon", 15086}
	s.video = asset{"/media/intro.mp4", "video/mp4", 18_400_000 + g.intn(4_000_000)}
	s.robots = asset{"/robots.txt", "text/plain", 64 + g.intn(60)}
	s.sitemap = asset{"/sitemap.xml", "application/xml", 30000 + g.intn(10000)}
	for i := 2; i <= 12; i++ {
		s.pageQ = append(s.pageQ, "page="+strconv.Itoa(i))
	}
	for _, w := range searchWords {
		s.searchQ = append(s.searchQ, "q="+w)
	}
	s.signinQ = []string{
		"callbackUrl=%2F", "callbackUrl=%2Fprofile%2F", "callbackUrl=%2Fitems%2F",
		"callbackUrl=https%3A%2F%2F" + g.cfg.Domain + "%2Fprofile%2F",
	}
	s.apiItems = "/api/items"
	s.cognito = "https://" + strings.ReplaceAll(parentDomain(g.cfg.Domain), ".", "-") + ".auth.us-east-1.amazoncognito.com/"
	return s
}

// parentDomain strips the first label: app.example.com -> example.com
// (example.com stays example.com).
func parentDomain(d string) string {
	if _, rest, ok := strings.Cut(d, "."); ok && strings.Contains(rest, ".") {
		return rest
	}
	return d
}

// Timing helpers (milliseconds).

// hitTiming: served from the edge cache.
func (g *gen) hitTiming(r *req) {
	r.ttfb = g.intn(4)
	r.taken = r.ttfb + g.intn(2)
}

// s3Timing: cache miss fetched from S3.
func (g *gen) s3Timing(r *req) {
	r.ttfb = g.skew(15, 190)
	r.taken = r.ttfb + g.intn(11)
}

// apiTiming: Lambda behind API Gateway, with occasional cold starts.
func (g *gen) apiTiming(r *req) {
	if g.r.IntN(1000) < 8 {
		r.ttfb = g.between(1000, 3000)
	} else {
		r.ttfb = g.skew(30, 600)
	}
	r.taken = r.ttfb + g.intn(4)
}

func setResult(r *req, res uint8) { r.result, r.respResult = res, res }

// static emits a GET for a file from S3.
func (g *gen) static(t int64, cl *client, a *asset, referer string, port int, cookie uint8) {
	r := g.newReq(t, cl, "GET", a.path, rtStatic)
	r.referer, r.port, r.cookie = referer, port, cookie
	r.ctype, r.clen = a.ctype, a.size
	switch v := g.r.IntN(1000); {
	case v < 955:
		setResult(r, resHit)
		g.hitTiming(r)
	case v < 995:
		setResult(r, resMiss)
		g.s3Timing(r)
	default:
		setResult(r, resRefreshHit)
		r.ttfb = g.skew(12, 80)
		r.taken = r.ttfb + g.intn(3)
	}
	r.scBytes = a.size + g.between(330, 520)
	r.csBytes = g.between(220, 480) + r.cookieBytes()
	g.add(r)
}

// page emits the HTML document of a page load.
func (g *gen) page(t int64, cl *client, path, query, referer string, size int, port int, revalidate bool, cookie uint8) *req {
	r := g.newReq(t, cl, "GET", path, rtPage)
	r.query, r.referer, r.port, r.cookie = query, referer, port, cookie
	r.ctype, r.clen = "text/html", size
	switch v := g.r.IntN(1000); {
	case revalidate:
		setResult(r, resHit)
		r.status, r.ctype, r.clen = 304, "", -1
		g.hitTiming(r)
		size = 0
	case v < 880:
		setResult(r, resHit)
		g.hitTiming(r)
	case v < 970:
		setResult(r, resMiss)
		g.s3Timing(r)
	default:
		setResult(r, resRefreshHit)
		r.ttfb = g.skew(12, 80)
		r.taken = r.ttfb + g.intn(3)
	}
	r.scBytes = size + g.between(340, 560)
	r.csBytes = g.between(300, 620) + r.cookieBytes()
	g.add(r)
	return r
}

// redirect emits the http -> https 301 CloudFront answers itself.
func (g *gen) redirect(t int64, cl *client, path, referer string, cookie uint8) {
	r := g.newReq(t, cl, "GET", path, rtPage)
	r.referer, r.port, r.cookie = referer, g.port(), cookie
	r.plainHTTP, r.ver = true, verH11
	setResult(r, resRedirect)
	r.status, r.ctype, r.clen = 301, "text/html", 167
	r.scBytes = 167 + g.between(220, 260)
	r.csBytes = g.between(180, 420)
	r.ttfb = g.intn(2)
	r.taken = r.ttfb
	g.add(r)
}

// api emits a request to the /api/* behavior (never cached).
func (g *gen) api(t int64, cl *client, method, stem string, rt route, referer string, port int, status int, ctype string, clen int, csBody int) *req {
	r := g.newReq(t, cl, method, stem, rt)
	r.referer, r.port, r.status, r.ctype, r.clen = referer, port, status, ctype, clen
	if status >= 400 {
		setResult(r, resError)
	} else {
		setResult(r, resMiss)
	}
	g.apiTiming(r)
	if clen > 0 {
		r.scBytes = clen
	}
	r.scBytes += g.between(280, 460)
	r.csBytes = g.between(260, 560) + csBody
	return r
}

const (
	ctJSON     = "application/json"
	ctJSONUTF8 = "application/json;%20charset=utf-8"
)

// sessionState is the state of one browsing session.
type sessionState struct {
	cl       *client
	t        int64
	warm     bool   // the build's assets are in the browser cache
	loaded   uint16 // page chunks loaded during this session
	ref      string // Referer of the next request (current page URL)
	port     int
	pageKind int
	item     int
}

// session simulates one browsing session starting at t and returns the
// number of requests it produced.
func (g *gen) session(t int64) int {
	n0 := g.made
	cl := g.browsers[g.intn(len(g.browsers))]
	s := &sessionState{cl: cl, t: t, warm: cl.ga != "" && g.chance(0.45), ref: pickW(g, externalReferers)}
	// entry page
	switch v := g.intn(100); {
	case v < 45:
		s.pageKind = pgHome
	case v < 57:
		s.pageKind = pgItems
	case v < 82:
		s.pageKind = pgItem
	case v < 87:
		s.pageKind = pgAbout
	case v < 95:
		s.pageKind = pgSignin
	default:
		s.pageKind = pgProfile
	}
	s.item = g.popularItem()
	views := 1
	for views < 25 && g.chance(0.75) {
		views++
	}
	full := true
	for i := 0; i < views; i++ {
		g.pageView(s, full, i == 0)
		if s.t-t > 30*60*1000 {
			break
		}
		s.t += int64(1500 + g.skew(0, 60000) + g.skew(0, 60000))
		g.nextPage(s)
		full = g.chance(0.2)
	}
	return g.made - n0
}

// popularItem picks an item id with a skewed popularity.
func (g *gen) popularItem() int {
	u := g.r.Float64()
	return int(u * u * u * float64(len(g.site.items)))
}

func (g *gen) nextPage(s *sessionState) {
	signedIn := s.cl.session != ""
	v := g.intn(100)
	switch {
	case !signedIn && v < 10:
		s.pageKind = pgSignin
	case v < 25:
		s.pageKind = pgHome
	case v < 50:
		s.pageKind = pgItems
	case v < 88:
		s.pageKind = pgItem
		s.item = g.popularItem()
	case v < 93:
		s.pageKind = pgAbout
	case signedIn:
		s.pageKind = pgProfile
	default:
		s.pageKind = pgItems
	}
}

// pageView simulates viewing one page, either as a full page load or as a
// client-side navigation, with the API calls the page makes.
func (g *gen) pageView(s *sessionState, full, first bool) {
	st := g.site
	cl := s.cl
	pd := &st.pages[s.pageKind]
	path, url, size := pd.path, pd.url, pd.html
	if s.pageKind == pgItem {
		it := &st.items[s.item]
		path, url, size = it.page, it.url, it.html
	}
	t := s.t
	if full {
		s.port = g.port()
		if first && g.intn(1000) < 8 {
			g.redirect(t, cl, path, s.ref, cookieAll)
			t += int64(g.between(40, 200))
		}
		query := ""
		if s.pageKind == pgSignin && first && g.chance(0.5) {
			query = pick(g, st.signinQ)
		}
		r := g.page(t, cl, path, query, s.ref, size, s.port, s.warm && g.chance(0.3), cookieAll)
		t += int64(r.taken + g.between(20, 120))
		if !s.warm {
			for i := range st.common {
				g.static(t, cl, &st.common[i], url, s.port, cookieAll)
				t += int64(g.intn(25))
			}
			g.static(t, cl, &st.logo, url, s.port, cookieAll)
			t += int64(g.between(5, 80))
			g.static(t, cl, &st.favicon, "", s.port, cookieAll)
		}
		s.warm = true
		s.loaded = 0
		if cl.ga == "" {
			g.setGA(cl)
		}
	}
	if s.loaded&(1<<s.pageKind) == 0 {
		s.loaded |= 1 << s.pageKind
		t += int64(g.between(5, 60))
		g.static(t, cl, &st.pages[s.pageKind].chunk, url, s.port, cookieAll)
	}
	// images
	switch s.pageKind {
	case pgHome:
		t += int64(g.between(10, 120))
		g.static(t, cl, &st.hero, url, s.port, cookieAll)
		for n := g.intn(5); n > 0; n-- {
			t += int64(g.intn(40))
			g.static(t, cl, &st.items[g.popularItem()].img, url, s.port, cookieAll)
		}
		if full && g.intn(100) < 4 {
			g.video(t+int64(g.between(200, 2000)), cl, url, s.port)
		}
	case pgItems:
		for n := 3 + g.intn(6); n > 0; n-- {
			t += int64(g.intn(40))
			g.static(t, cl, &st.items[g.popularItem()].img, url, s.port, cookieAll)
		}
	case pgItem:
		t += int64(g.between(10, 120))
		g.static(t, cl, &st.items[s.item].img, url, s.port, cookieAll)
	}
	// useSession: fetch on mount of a full load, refetch on window focus.
	if full || g.chance(0.3) {
		t += int64(g.between(30, 400))
		g.authSession(t, cl, url, s.port)
	}
	t += int64(g.between(20, 300))
	signedIn := cl.session != ""
	switch s.pageKind {
	case pgItems:
		q := ""
		switch v := g.intn(10); {
		case v < 4:
			q = pick(g, st.pageQ)
		case v < 5:
			q = pick(g, st.searchQ)
		}
		r := g.api(t, cl, "GET", st.apiItems, rtAPI, url, s.port, 200, ctJSONUTF8, g.between(1500, 12000), 0)
		r.query, r.cookie = q, cookieAll
		r.csBytes += r.cookieBytes()
		g.add(r)
		if signedIn && g.chance(0.06) {
			t += int64(g.between(8000, 60000))
			g.createItem(t, cl, url, s.port)
		}
	case pgItem:
		status, clen := 200, g.between(400, 2500)
		if g.intn(1000) < 15 {
			status, clen = 404, 26
		}
		r := g.api(t, cl, "GET", st.items[s.item].api, rtAPI, url, s.port, status, ctJSONUTF8, clen, 0)
		r.cookie = cookieAll
		r.csBytes += r.cookieBytes()
		g.add(r)
		if signedIn && status == 200 {
			switch v := g.intn(1000); {
			case v < 20:
				t += int64(g.between(5000, 40000))
				r = g.api(t, cl, "PUT", st.items[s.item].api, rtAPI, url, s.port, 200, ctJSONUTF8, g.between(400, 2500), g.between(300, 2000))
				r.cookie = cookieAll
				r.csBytes += r.cookieBytes()
				g.add(r)
			case v < 28:
				t += int64(g.between(3000, 20000))
				r = g.api(t, cl, "DELETE", st.items[s.item].api, rtAPI, url, s.port, 204, "", -1, 0)
				r.cookie = cookieAll
				r.csBytes += r.cookieBytes()
				g.add(r)
			}
		}
	case pgProfile:
		status, clen := 200, g.between(300, 900)
		if !signedIn {
			status, clen = 401, 24
		}
		r := g.api(t, cl, "GET", "/api/profile", rtAPI, url, s.port, status, ctJSONUTF8, clen, 0)
		r.cookie = cookieAll
		r.csBytes += r.cookieBytes()
		g.add(r)
	case pgSignin:
		g.authSimple(t, cl, "/api/auth/providers", rtAuthProviders, url, s.port, 300+g.intn(60))
		t += int64(g.between(1, 40))
		g.authSimple(t, cl, "/api/auth/csrf", rtAuthCsrf, url, s.port, 80)
		if !signedIn && g.chance(0.85) {
			s.t = t + int64(g.between(4000, 40000))
			g.signInFlow(s, url)
			return
		}
	}
	if g.intn(1000) < 2 {
		// client-side error reported through NextAuth's logger
		t += int64(g.between(100, 5000))
		r := g.api(t, cl, "POST", "/api/auth/_log", rtAuthLog, url, s.port, 200, "", 0, g.between(300, 900))
		r.cookie = cookieAll
		r.csBytes += r.cookieBytes()
		g.add(r)
	}
	if signedIn && g.intn(100) < 3 {
		s.t = t + int64(g.between(2000, 30000))
		g.signOutFlow(s, url)
	}
}

// video emits a ranged media request (206 Partial Content).
func (g *gen) video(t int64, cl *client, referer string, port int) {
	a := &g.site.video
	r := g.newReq(t, cl, "GET", a.path, rtStatic)
	r.referer, r.port, r.cookie = referer, port, cookieAll
	r.status, r.ctype = 206, a.ctype
	var start int64
	if g.chance(0.5) {
		start = int64(g.intn(a.size - 2_000_000))
	}
	end := start + int64(g.between(65536, 2_000_000)) - 1
	r.rangeStart, r.rangeEnd = start, end
	r.clen = int(end - start + 1)
	if g.chance(0.85) {
		setResult(r, resHit)
		g.hitTiming(r)
		r.taken += r.clen / 200000
	} else {
		setResult(r, resMiss)
		g.s3Timing(r)
		r.taken += r.clen / 50000
	}
	r.scBytes = r.clen + g.between(380, 480)
	r.csBytes = g.between(300, 520) + r.cookieBytes()
	g.add(r)
}

// authSession emits GET /api/auth/session.
func (g *gen) authSession(t int64, cl *client, referer string, port int) *req {
	clen := 2 // "{}"
	hdr := 0
	if cl.session != "" {
		clen = g.between(260, 420)
		hdr = len(cl.session) + 90 // rolling session: Set-Cookie re-issues the token
	}
	if cl.csrf == "" {
		hdr += 330 // Set-Cookie for csrf-token and callback-url
	}
	r := g.api(t, cl, "GET", "/api/auth/session", rtAuthSession, referer, port, 200, ctJSON, clen, 0)
	r.scBytes += hdr
	r.cookie = cookieAll
	r.csBytes += r.cookieBytes()
	g.add(r)
	g.ensureCsrf(cl)
	return r
}

func (g *gen) ensureCsrf(cl *client) {
	if cl.csrf == "" {
		cl.csrf = g.randHex(64) + "%7C" + g.randHex(64)
	}
}

// authSimple emits a GET to providers or csrf.
func (g *gen) authSimple(t int64, cl *client, stem string, rt route, referer string, port int, clen int) {
	hdr := 0
	if cl.csrf == "" {
		hdr = 330
	}
	r := g.api(t, cl, "GET", stem, rt, referer, port, 200, ctJSON, clen, 0)
	r.scBytes += hdr
	r.cookie = cookieAll
	r.csBytes += r.cookieBytes()
	g.add(r)
	g.ensureCsrf(cl)
}

// signInFlow signs the session's user in with credentials (70%) or the
// Cognito hosted UI (OAuth code flow).
func (g *gen) signInFlow(s *sessionState, referer string) {
	cl := s.cl
	t := s.t
	ok := false
	if g.chance(0.7) {
		for attempt := 0; attempt < 2 && !ok; attempt++ {
			fail := g.intn(100) < 6
			status, clen := 200, len(g.site.home)+9
			if fail {
				status, clen = 401, len(g.site.origin)+74
			}
			r := g.api(t, cl, "POST", "/api/auth/callback/credentials", rtAuthCallback, referer, s.port, status, ctJSON, clen, g.between(420, 700))
			r.cookie = cookieAll
			r.csBytes += r.cookieBytes()
			if !fail {
				r.scBytes += g.between(450, 800) // Set-Cookie: session token
			}
			g.add(r)
			ok = r.status == 200
			t += int64(r.taken)
			if ok {
				g.signIn(cl)
			} else {
				t += int64(g.between(4000, 20000))
			}
		}
	} else {
		r := g.api(t, cl, "POST", "/api/auth/signin/cognito", rtAuthSignin, referer, s.port, 200, ctJSON, 400+g.intn(60), g.between(300, 500))
		r.cookie = cookieAll
		r.csBytes += r.cookieBytes()
		g.add(r)
		if r.status != 200 {
			s.t = t + int64(r.taken)
			return
		}
		t += int64(r.taken + g.between(6000, 60000)) // at the Cognito hosted UI
		nonce := "__Secure-next-auth.nonce=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.." + g.randB64(22) + "." + g.randB64(g.between(90, 140)) + "." + g.randB64(22)
		q := g.qbuf[:0]
		q = append(q, "code="...)
		q = append(q, g.randHex(8)...)
		q = append(q, '-')
		q = append(q, g.randHex(4)...)
		q = append(q, "-4"...)
		q = append(q, g.randHex(3)...)
		q = append(q, '-')
		q = append(q, g.randHex(4)...)
		q = append(q, '-')
		q = append(q, g.randHex(12)...)
		q = append(q, "&state="...)
		q = append(q, g.randB64(43)...)
		g.qbuf = q
		r = g.api(t, cl, "GET", "/api/auth/callback/cognito", rtAuthCallback, g.site.cognito, s.port, 302, "", 0, 0)
		r.queryB = q
		r.cookie, r.extraCookie = cookieAll, nonce
		r.csBytes += r.cookieBytes()
		r.scBytes += 200 // Location header
		g.add(r)
		ok = r.status == 302
		t += int64(r.taken)
		if ok {
			g.signIn(cl)
		}
	}
	// Back on the site: full page load of the callback URL.
	s.t = t + int64(g.between(30, 300))
	s.ref = referer
	if ok {
		s.pageKind = pgHome
		s.warm = true
		g.pageView(s, true, false)
	}
}

// signOutFlow: csrf, POST signout, then back to the home page.
func (g *gen) signOutFlow(s *sessionState, referer string) {
	cl := s.cl
	t := s.t
	g.authSimple(t, cl, "/api/auth/csrf", rtAuthCsrf, referer, s.port, 80)
	t += int64(g.between(40, 400))
	r := g.api(t, cl, "POST", "/api/auth/signout", rtAuthSignout, referer, s.port, 200, ctJSON, len(g.site.home)+9, g.between(280, 420))
	r.cookie = cookieAll
	r.csBytes += r.cookieBytes()
	g.add(r)
	if r.status == 200 {
		cl.session = ""
		s.t = t + int64(r.taken+g.between(30, 300))
		s.ref = referer
		s.pageKind = pgHome
		g.pageView(s, true, false)
	}
}

// createItem: POST /api/items then refresh the list.
func (g *gen) createItem(t int64, cl *client, referer string, port int) {
	status, clen := 201, g.between(300, 800)
	if g.intn(100) < 4 {
		status, clen = 400, g.between(48, 90)
	}
	r := g.api(t, cl, "POST", g.site.apiItems, rtAPI, referer, port, status, ctJSONUTF8, clen, g.between(500, 2200))
	r.cookie = cookieAll
	r.csBytes += r.cookieBytes()
	g.add(r)
	if r.status < 300 {
		t += int64(r.taken + g.between(20, 200))
		r = g.api(t, cl, "GET", g.site.apiItems, rtAPI, referer, port, 200, ctJSONUTF8, g.between(1500, 12000), 0)
		r.cookie = cookieAll
		r.csBytes += r.cookieBytes()
		g.add(r)
	}
}

// botEvent: a crawler fetches one or a few resources; the uptime monitor
// checks the home page.
func (g *gen) botEvent(t int64) int {
	n0 := g.made
	st := g.site
	if g.intn(100) < 12 {
		cl := g.monitors[g.intn(len(g.monitors))]
		method := "HEAD"
		if g.chance(0.3) {
			method = "GET"
		}
		r := g.newReq(t, cl, method, "/", rtPage)
		r.port, r.cookie = g.port(), cookieNone
		r.ctype, r.clen = "text/html", st.pages[pgHome].html
		setResult(r, resHit)
		g.hitTiming(r)
		r.scBytes = g.between(340, 480)
		if method == "GET" {
			r.scBytes += r.clen
		}
		r.csBytes = g.between(120, 200)
		g.add(r)
		return g.made - n0
	}
	cl := g.bots[g.intn(len(g.bots))]
	port := g.port()
	fetch := func(a *asset, miss int) {
		r := g.newReq(t, cl, "GET", a.path, rtStatic)
		r.port, r.cookie = port, cookieNone
		r.ctype, r.clen = a.ctype, a.size
		if g.intn(100) < miss {
			setResult(r, resMiss)
			g.s3Timing(r)
		} else {
			setResult(r, resHit)
			g.hitTiming(r)
		}
		r.scBytes = a.size + g.between(330, 500)
		r.csBytes = g.between(180, 320)
		g.add(r)
		t += int64(g.between(50, 3000))
	}
	switch v := g.intn(100); {
	case v < 6:
		fetch(&st.robots, 10)
	case v < 9:
		fetch(&st.sitemap, 20)
	case v < 20:
		fetch(&st.items[g.intn(len(st.items))].img, 30)
	default:
		var p asset
		if g.chance(0.7) {
			it := &st.items[g.intn(len(st.items))]
			p = asset{it.page, "text/html", it.html}
		} else {
			pd := &st.pages[[]int{pgHome, pgAbout, pgItems, pgSignin}[g.intn(4)]]
			p = asset{pd.path, "text/html", pd.html}
		}
		if g.intn(1000) < 15 {
			// Crawlers still try the http:// URL from old links.
			g.redirect(t, cl, p.path, "", cookieNone)
			t += int64(g.between(100, 800))
		}
		fetch(&p, 25)
		if g.chance(0.15) { // rendering pass
			for i := 0; i < 3; i++ {
				fetch(&st.common[g.intn(len(st.common))], 5)
			}
		}
	}
	return g.made - n0
}

// scannerEvent: one scanner IP probes a few well-known paths; S3 answers
// 403 AccessDenied (no such key) or the site's 404 page.
func (g *gen) scannerEvent(t int64, flood bool) int {
	n0 := g.made
	cl := g.scanners[g.intn(len(g.scanners))]
	n := g.between(2, 10)
	if flood {
		n = g.between(5, 30)
	}
	cfHost := g.chance(0.2)
	port := g.port()
	for i := 0; i < n; i++ {
		path := scannerPaths[g.intn(len(scannerPaths))]
		method := "GET"
		if g.intn(100) < 5 {
			method = "HEAD"
		}
		if g.intn(100) < 12 {
			r := g.newReq(t, cl, method, path, rtScanner)
			r.port, r.cookie, r.cfHost, r.plainHTTP, r.ver = port, cookieNone, cfHost, true, verH11
			setResult(r, resRedirect)
			r.status, r.ctype, r.clen = 301, "text/html", 167
			r.scBytes = 167 + g.between(220, 260)
			r.csBytes = g.between(90, 260)
			g.add(r)
			t += int64(g.between(5, 200))
			continue
		}
		r := g.newReq(t, cl, method, path, rtScanner)
		r.port, r.cookie, r.cfHost = port, cookieNone, cfHost
		setResult(r, resError)
		if g.intn(100) < 55 {
			r.status, r.ctype, r.clen = 403, "application/xml", 243
		} else {
			r.status, r.ctype, r.clen = 404, "text/html", 4410
		}
		r.ttfb = g.skew(8, 90)
		r.taken = r.ttfb + g.intn(3)
		r.scBytes = r.clen + g.between(300, 420)
		if method == "HEAD" {
			r.scBytes -= r.clen
		}
		r.csBytes = g.between(90, 260)
		g.add(r)
		t += int64(g.between(20, 1500))
	}
	return g.made - n0
}

// scannerPosts makes about need scanner POSTs in [c0, c1), from the
// scanners' own random stream: a scanner IP POSTs to one to four static
// paths, and CloudFront refuses each itself, as the default behavior
// allows only GET and HEAD (403, Error/Error/InvalidRequestMethod,
// text/html 1053 bytes, time-to-first-byte 0.000).
func (g *gen) scannerPosts(c0, c1 int64, need float64) {
	g.src, g.scanSrc = g.scanSrc, g.src
	g.r, g.scanR = g.scanR, g.r
	defer func() {
		g.src, g.scanSrc = g.scanSrc, g.src
		g.r, g.scanR = g.scanR, g.r
	}()
	g.needScanPosts += need
	for g.needScanPosts > 0 {
		t := c0 + g.r.Int64N(c1-c0)
		cl := g.scanners[g.intn(len(g.scanners))]
		port := g.port()
		n := g.between(1, 4)
		for range n {
			path := scannerPostPaths[g.intn(len(scannerPostPaths))]
			if g.chance(0.3) {
				const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
				b := []byte{'/'}
				for range g.between(3, 9) {
					b = append(b, letters[g.intn(len(letters))])
				}
				path = string(append(b, ".php"...))
			}
			r := g.newReq(t, cl, "POST", path, rtScanner)
			r.port, r.cookie = port, cookieNone
			setResult(r, resError)
			r.status, r.detailed, r.ctype, r.clen = 403, "InvalidRequestMethod", "text/html", 1053
			r.scBytes = 1053 + g.between(335, 365)
			r.ttfb = 0
			r.taken = g.skew(0, 140)
			r.csBytes = g.between(180, 2400)
			g.push(r)
			t += int64(g.between(50, 2000))
		}
		g.needScanPosts -= float64(n)
	}
}

// partnerEvent: the partner subdomain's page calls GET /api/items
// cross-origin, preceded by a CORS preflight.
func (g *gen) partnerEvent(t int64) int {
	n0 := g.made
	cl := g.browsers[g.intn(len(g.browsers))]
	port := g.port()
	r := g.api(t, cl, "OPTIONS", g.site.apiItems, rtPreflight, g.site.partner, port, 204, "", -1, 0)
	r.cookie = cookieNone
	r.scBytes = g.between(380, 460)
	g.add(r)
	if r.status >= 300 {
		return g.made - n0 // the browser does not send the actual request
	}
	t += int64(r.taken + g.between(2, 40))
	r = g.api(t, cl, "GET", g.site.apiItems, rtAPI, g.site.partner, port, 200, ctJSONUTF8, g.between(1500, 6000), 0)
	r.query, r.cookie = "limit=10", cookieNone
	r.noPreflight = true
	g.add(r)
	return g.made - n0
}

// noiseEvent emits one scheduled stray-403 or origin-403-post record. It
// bypasses the other incidents.
func (g *gen) noiseEvent(ev countEvent) {
	cl := g.browsers[g.intn(len(g.browsers))]
	referer := g.site.items[g.popularItem()].url
	var r *req
	if ev.kind == Stray403 {
		r = g.api(ev.t, cl, "GET", "/api/auth/session", rtAuthSession, referer, g.port(), 403, ctJSON, 23, 0)
		if g.chance(0.5) {
			r.ctype, r.clen = "text/html", 162
			r.scBytes += 139
		}
	} else {
		r = g.api(ev.t, cl, "POST", g.site.apiItems, rtAPI, referer, g.port(), 403, ctJSONUTF8, 21, g.between(500, 2200))
	}
	r.cookie = cookieAll
	r.csBytes += r.cookieBytes()
	g.push(r)
}

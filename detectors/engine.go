package detectors

import (
	"hash/maphash"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/logparse"
)

// An Engine consumes records and keeps what the rules and checks need, in
// memory bounded by its Config (see Config.MaxHosts, MaxPathGroups,
// MaxClients), not by the input size. It is not safe for concurrent use.
type Engine struct {
	cfg     Config
	k       int   // ring buckets per series
	w       int   // buckets in a burst run (Lookback)
	reorder int64 // buckets a record may lag behind the newest
	window  int64 // Window in ns

	authPrefix string    // cleaned, e.g. "/api/auth"
	authGroup  string    // authPrefix + "/*"
	apiGroups  []string  // cleaned API prefixes, plus the auth prefix when outside them
	apiOrder   []int     // apiGroups indexes, longest prefix first
	authAPI    int       // apiGroups index of the auth prefix's group
	second     [4]uint64 // set of the prefixes' second bytes, a quick test for static paths

	hosts  []*hostState
	byHost map[string]map[string]*hostState // dist → host → state
	last   *hostState
	pooled *hostState // records of hosts beyond MaxHosts

	// Window number of the record being observed, the time range it
	// covers, its ring slot
	bIdx, bStart, bEnd int64
	bSlot              int

	norm     [normMemoSize]normMemo
	normSeed maphash.Seed

	late  bool // set by bucket() for the record being observed
	stats Stats
	chk   checkCounts
}

// Stats counts what the Engine saw.
type Stats struct {
	Records     int64 `json:"records"`      // records observed
	Late        int64 `json:"late"`         // records more than Reorder behind the newest, counted only by the checks
	Hosts       int   `json:"hosts"`        // (distribution, host) pairs tracked
	PooledHosts int64 `json:"pooled_hosts"` // records of hosts beyond MaxHosts, pooled under host "*"
	Ignored     int64 `json:"ignored"`      // records of ignore_paths, seen by no rule or check
	// UntrackedPages counts requests of page-like static paths beyond the
	// 1,024 tracked per host for method-rejected (see MethodRejectedThreshold).
	UntrackedPages int64 `json:"untracked_pages"`
}

const normMemoSize = 64

// normMemo caches the normalised form of a path that needed normalising (a
// Next.js chunk named "%5Bid%5D" recurs on every page load).
type normMemo struct {
	raw, norm string
	ok        bool
}

// hostState is everything kept for one (distribution, host).
type hostState struct {
	dist, host string
	cfName     string // cs(Host) first seen: the distribution's domain name
	viaCF      bool   // host is a *.cloudfront.net name

	cookieLogging bool  // some request carried a logged Cookie header
	authCookies   bool  // some request carried a NextAuth cookie
	authRequests  int64 // requests to real NextAuth endpoints

	cacheHit, insecure *series
	auth403            [len(burstEndpoints)]*series
	cookie             [2]*series // callback, session
	method             []*series  // method-rejected, by apiGroups index
	static             staticPages
	cors, forbidden    []*series // by apiGroups index
	originAuth         *series
	originStatic       *series
	origin             []originGroup

	via viaCF // auth requests through the *.cloudfront.net name
}

// originGroup is an origin-errors path group under an API prefix.
type originGroup struct {
	api int    // apiGroups index
	seg string // first segment after the prefix; "" for the prefix's overflow group
	s   *series
}

// viaCF counts, over the whole input, requests to NextAuth endpoints made
// through the distribution's *.cloudfront.net name.
type viaCF struct {
	count, http int64
	first, last int64
	examples    []string
	paths       []string
	clients     map[netip.Addr]struct{}
	capped      bool
}

// New returns an Engine with the given configuration. It panics if the
// configuration is invalid: check it with Config.Validate first (LoadConfig
// does).
func New(cfg Config) *Engine {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg.APIPrefixes = append([]string(nil), cfg.APIPrefixes...)
	cfg.IgnorePaths = slices.Clone(cfg.IgnorePaths)
	e := &Engine{
		cfg:        cfg,
		k:          cfg.ringBuckets(),
		w:          cfg.lookbackBuckets(),
		reorder:    ceilDiv(int64(cfg.Reorder), int64(cfg.Window)),
		window:     int64(cfg.Window),
		authPrefix: CleanPrefix(cfg.AuthPrefix),
		authGroup:  CleanPrefix(cfg.AuthPrefix) + "/*",
		byHost:     make(map[string]map[string]*hostState),
		normSeed:   maphash.MakeSeed(),
		authAPI:    -1,
	}
	for _, p := range cfg.APIPrefixes {
		p = CleanPrefix(p)
		dup := false
		for _, q := range e.apiGroups {
			dup = dup || q == p
		}
		if !dup {
			e.apiGroups = append(e.apiGroups, p)
		}
	}
	for i := range e.apiGroups {
		e.apiOrder = append(e.apiOrder, i)
	}
	// Longest prefix first, so "/api/v2" wins over "/api".
	for i := 1; i < len(e.apiOrder); i++ {
		for j := i; j > 0 && len(e.apiGroups[e.apiOrder[j]]) > len(e.apiGroups[e.apiOrder[j-1]]); j-- {
			e.apiOrder[j], e.apiOrder[j-1] = e.apiOrder[j-1], e.apiOrder[j]
		}
	}
	for _, i := range e.apiOrder {
		if hasPathPrefix(e.authPrefix, e.apiGroups[i]) {
			e.authAPI = i
			break
		}
	}
	if e.authAPI < 0 {
		e.apiGroups = append(e.apiGroups, e.authPrefix)
		e.authAPI = len(e.apiGroups) - 1
		e.apiOrder = append(e.apiOrder, e.authAPI)
	}
	for _, p := range e.apiGroups {
		e.second[p[1]>>6] |= 1 << (p[1] & 63)
	}
	e.bStart, e.bEnd = 1, 0 // empty range: the first record computes its bucket
	return e
}

// Config returns the configuration the Engine uses.
func (e *Engine) Config() Config {
	c := e.cfg
	c.APIPrefixes = append([]string(nil), c.APIPrefixes...)
	c.IgnorePaths = slices.Clone(c.IgnorePaths)
	return c
}

// Stats returns counts of what the Engine saw.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Hosts = len(e.hosts)
	return s
}

// pathClass is what a request path is to the rules.
type pathClass struct {
	path string   // normalised path
	ep   endpoint // epNone unless under the auth prefix
	api  int      // apiGroups index, -1 for the default (static) behavior
	seg  string   // first segment after the API prefix (non-auth API paths)
}

// classify places path p in pc, normalising it first when it matters: when
// it has a %-escape, or when it may lie under the auth or an API prefix and
// has "//" or a dot segment (a traversal out of the prefix is not an
// endpoint). The common path costs one byte scan and a prefix test.
func (e *Engine) classify(p string, pc *pathClass) {
	var odd bool
	if e.mayBeAPI(p) {
		odd = needsNormalizing(p)
	} else {
		odd = strings.IndexByte(p, '%') >= 0
	}
	if !odd {
		e.place(p, pc)
		return
	}
	if norm, ok := e.normalize(p); ok {
		e.place(norm, pc)
	} else {
		*pc = pathClass{path: p, api: -1} // escapes the root: no endpoint of the site
	}
}

// mayBeAPI is a quick test: false means p starts with no API or auth prefix.
func (e *Engine) mayBeAPI(p string) bool {
	return len(p) >= 2 && e.second[p[1]>>6]&(1<<(p[1]&63)) != 0
}

// place classifies a normalised path.
func (e *Engine) place(p string, pc *pathClass) {
	pc.path, pc.ep, pc.api, pc.seg = p, epNone, -1, ""
	if !e.mayBeAPI(p) {
		return // the default behavior
	}
	if hasPathPrefix(p, e.authPrefix) {
		pc.ep = authEndpoint(p[len(e.authPrefix):])
		pc.api = e.authAPI
		return
	}
	for _, i := range e.apiOrder {
		if prefix := e.apiGroups[i]; hasPathPrefix(p, prefix) {
			pc.api = i
			rest := strings.TrimLeft(p[len(prefix):], "/")
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				rest = rest[:j]
			}
			pc.seg = rest
			return
		}
	}
}

// normalize is normalizePath with a small cache.
func (e *Engine) normalize(p string) (string, bool) {
	m := &e.norm[maphash.String(e.normSeed, p)%normMemoSize]
	if m.raw == p && m.raw != "" {
		return m.norm, m.ok
	}
	norm, ok := normalizePath(p)
	if norm == p {
		norm = strings.Clone(p)
	}
	*m = normMemo{raw: strings.Clone(p), norm: norm, ok: ok}
	return norm, ok
}

// hostFor returns the state of (dist, host), creating it.
func (e *Engine) hostFor(dist, host, cfName string) *hostState {
	if h := e.last; h != nil && h.host == host && h.dist == dist {
		return h
	}
	if h := e.byHost[dist][host]; h != nil {
		e.last = h
		return h
	}
	if len(e.hosts) >= e.cfg.MaxHosts {
		e.stats.PooledHosts++
		if e.pooled == nil {
			e.pooled = e.newHost("", "*", "")
		}
		return e.pooled
	}
	h := e.newHost(strings.Clone(dist), strings.Clone(host), strings.Clone(cfName))
	e.hosts = append(e.hosts, h)
	m := e.byHost[h.dist]
	if m == nil {
		m = make(map[string]*hostState)
		e.byHost[h.dist] = m
	}
	m[h.host] = h
	e.last = h
	return h
}

func (e *Engine) newHost(dist, host, cfName string) *hostState {
	return &hostState{
		dist: dist, host: host, cfName: cfName,
		viaCF:     isCloudFrontName(host),
		method:    make([]*series, len(e.apiGroups)),
		cors:      make([]*series, len(e.apiGroups)),
		forbidden: make([]*series, len(e.apiGroups)),
	}
}

func isCloudFrontName(host string) bool {
	return strings.HasSuffix(host, ".cloudfront.net")
}

func (e *Engine) newSeries(kind ruleKind, group, noun string, th Threshold) *series {
	return &series{kind: kind, group: group, noun: noun, th: th, ring: newRing(e.k)}
}

// apiLabel is the behavior-level group of an API prefix ("/api/*").
func (e *Engine) apiLabel(api int) string {
	if api < 0 {
		return "/*"
	}
	return e.apiGroups[api] + "/*"
}

// setBucket makes the Window of Unix time t (ns) the current bucket: its
// number e.bIdx and its ring slot e.bSlot (computed once per Window).
func (e *Engine) setBucket(t int64) {
	if t >= e.bStart && t < e.bEnd {
		return
	}
	b := t / e.window
	if t%e.window < 0 {
		b--
	}
	e.bIdx, e.bStart, e.bEnd = b, b*e.window, (b+1)*e.window
	e.bSlot = slotOf(b, e.k)
}

// isInvalidMethod reports a request CloudFront refused itself because the
// cache behavior does not allow its method.
func isInvalidMethod(rec *logparse.Record) bool {
	return rec.EdgeDetailedResultType == "InvalidRequestMethod"
}

// isOriginError reports a 5xx or an origin-side failure
// (OriginConnectError, OriginCommError, OriginReadError, OriginDnsError,
// OriginError, …).
func isOriginError(rec *logparse.Record) bool {
	if rec.Status >= 500 && rec.Status <= 599 {
		return true
	}
	d := rec.EdgeDetailedResultType
	return len(d) > len("OriginError")-1 && strings.HasPrefix(d, "Origin") && strings.HasSuffix(d, "Error")
}

// Observe feeds one record. dist is the distribution ID to use when
// rec.DistributionID is empty (from the object key); it may be "".
//
// Records may come in any order within Config.Reorder of the newest one.
// The Engine keeps none of rec's strings without copying them.
func (e *Engine) Observe(rec *logparse.Record, dist string) {
	e.stats.Records++
	e.late = false
	var pc pathClass
	if p := rec.URIStem; !e.mayBeAPI(p) && strings.IndexByte(p, '%') < 0 {
		pc.path, pc.api = p, -1 // the common static path, inlined
	} else {
		e.classify(p, &pc)
	}
	if len(e.cfg.IgnorePaths) > 0 && e.ignored(pc.path) {
		e.stats.Ignored++
		return
	}
	if rec.DistributionID != "" {
		dist = rec.DistributionID
	}
	host := rec.HostHeader
	if host == "" {
		host = rec.Host
	}
	h := e.last
	if h == nil || h.host != host || h.dist != dist {
		h = e.hostFor(dist, host, rec.Host)
	}
	t := rec.Time.UnixNano()
	e.setBucket(t)

	if rec.Cookie != "" && !h.authCookies {
		h.cookieLogging = true
		h.authCookies = hasNextAuthCookie(rec.Cookie)
	}
	m := rec.Method
	refused := isInvalidMethod(rec)

	// method-rejected: the methods a behavior can allow but GET/HEAD, per
	// API behavior; on the default behavior, per page (static.go).
	if pc.api < 0 {
		if !e.cfg.MethodRejected.Disabled {
			e.observeStatic(h, rec, pc.path, m, t, refused)
		}
	} else if mi := methodIndex(m); mi >= 0 {
		s := h.method[pc.api]
		if s == nil {
			s = e.newSeries(rkMethod, e.apiLabel(pc.api), "non-GET/HEAD requests", e.cfg.MethodRejected.Threshold)
			h.method[pc.api] = s
		}
		if bk := e.bucket(s); bk != nil {
			bk.n++
			if refused {
				if rec.Has(logparse.FieldTimeToFirstByte) && rec.TimeToFirstByte == 0 {
					bk.ev[evTTFBZero]++
				}
				bk.ev[evMethod+mi]++
				e.failure(s, bk, rec, pc.path, t)
			}
		}
	}

	// origin-errors, per path group.
	if s := e.originSeries(h, &pc); s != nil {
		if bk := e.bucket(s); bk != nil {
			bk.n++
			if isOriginError(rec) {
				bk.ev[originErrorKind(rec)]++
				e.failure(s, bk, rec, pc.path, t)
			}
		}
	}

	if pc.api < 0 {
		e.countLate()
		return
	}
	auth := pc.ep != epNone
	if m == "OPTIONS" {
		// cors-preflight-rejected
		s := h.cors[pc.api]
		if s == nil {
			s = e.newSeries(rkCORS, e.apiLabel(pc.api), "preflight (OPTIONS) requests", e.cfg.CORSPreflightRejected)
			h.cors[pc.api] = s
		}
		if bk := e.bucket(s); bk != nil {
			bk.n++
			if rec.Status >= 400 && rec.Status <= 499 && !refused {
				if rec.Status == 403 {
					bk.ev[ev403]++
				} else {
					bk.ev[evOther4xx]++
				}
				e.failure(s, bk, rec, pc.path, t)
			}
		}
	} else {
		// api-origin-forbidden
		s := h.forbidden[pc.api]
		if s == nil {
			s = e.newSeries(rkAPIForbidden, e.apiLabel(pc.api), "API requests", e.cfg.APIOriginForbidden)
			h.forbidden[pc.api] = s
		}
		if bk := e.bucket(s); bk != nil {
			bk.n++
			if !auth {
				bk.ev[evNonAuthTotal]++
			}
			if rec.Status == 403 && !refused && !rec.IsCacheHit() && originAnswered(rec) && !nonJSONBody(rec) {
				if !auth {
					bk.ev[evNonAuthFail]++
				} else {
					bk.ev[evAuthFail]++
				}
				if rec.ContentLength <= 256 && strings.Contains(rec.ContentType, "json") {
					bk.ev[evSmallJSON]++
				}
				e.failure(s, bk, rec, pc.path, t)
			}
		}
	}
	if auth {
		e.observeAuth(h, rec, &pc, t, refused)
		e.observeChecks(rec, &pc)
	}
	e.countLate()
}

func (e *Engine) countLate() {
	if e.late {
		e.stats.Late++
	}
}

// methodIndex returns the method's counter offset for method-rejected.
func methodIndex(m string) int {
	switch m {
	case "POST":
		return 0
	case "PUT":
		return 1
	case "PATCH":
		return 2
	case "DELETE":
		return 3
	case "OPTIONS":
		return 4
	}
	return -1
}

// originAnswered reports whether the origin was asked: a real
// time-to-first-byte (or none logged).
func originAnswered(rec *logparse.Record) bool {
	return !rec.Has(logparse.FieldTimeToFirstByte) || rec.TimeToFirstByte > 0
}

// nonJSONBody reports a response whose logged content type is not JSON (an
// S3 AccessDenied XML answer to a scanner, an HTML error page), which API
// Gateway's and Lambda's "Forbidden" answers are not.
func nonJSONBody(rec *logparse.Record) bool {
	ct := rec.ContentType
	return ct != "" && !strings.Contains(ct, "json")
}

// originErrorKind returns the origin-errors counter of a failing request.
func originErrorKind(rec *logparse.Record) int {
	switch d := rec.EdgeDetailedResultType; d {
	case "OriginConnectError":
		return evConnect
	case "OriginCommError":
		return evComm
	case "OriginReadError":
		return evRead
	case "OriginDnsError":
		return evDNS
	default:
		if strings.HasPrefix(d, "Origin") && strings.HasSuffix(d, "Error") {
			return evOriginOth
		}
	}
	return evStatusOnly
}

// originSeries returns the origin-errors series of the request's path group:
// the auth prefix, "<api prefix>/<first segment>" (bounded by
// MaxPathGroups, then "<api prefix>/*"), or "/*" for everything else.
func (e *Engine) originSeries(h *hostState, pc *pathClass) *series {
	if pc.api < 0 && h.originStatic != nil {
		return h.originStatic
	}
	if pc.ep != epNone {
		if h.originAuth == nil {
			h.originAuth = e.newSeries(rkOriginErrors, e.authGroup, "requests", e.cfg.OriginErrors.Threshold)
		}
		return h.originAuth
	}
	if pc.api < 0 {
		if h.originStatic == nil {
			h.originStatic = e.newSeries(rkOriginErrors, "/*", "requests", e.cfg.OriginErrors.Threshold)
		}
		return h.originStatic
	}
	seg := pc.seg
	for pass := 0; pass < 2; pass++ {
		for i := range h.origin {
			if g := &h.origin[i]; g.api == pc.api && g.seg == seg {
				return g.s
			}
		}
		if seg == "" || len(h.origin) < e.cfg.MaxPathGroups {
			break
		}
		seg = "" // over the cap: pool in "<prefix>/*"
	}
	label := e.apiGroups[pc.api] + "/*"
	if seg != "" {
		seg = strings.Clone(seg)
		label = e.apiGroups[pc.api] + "/" + seg
	}
	s := e.newSeries(rkOriginErrors, label, "requests", e.cfg.OriginErrors.Threshold)
	h.origin = append(h.origin, originGroup{api: pc.api, seg: seg, s: s})
	return s
}

// observeAuth applies the rules about requests under the auth prefix.
func (e *Engine) observeAuth(h *hostState, rec *logparse.Record, pc *pathClass, t int64, refused bool) {
	group := e.authGroup
	// auth-cache-hit
	if h.cacheHit == nil {
		h.cacheHit = e.newSeries(rkCacheHit, group, "auth requests", e.cfg.AuthCacheHit)
	}
	if bk := e.bucket(h.cacheHit); bk != nil {
		bk.n++
		if rec.IsCacheHit() {
			switch rec.EdgeDetailedResultType {
			case "RefreshHit":
				bk.ev[evRefreshHit]++
			case "OriginShieldHit":
				bk.ev[evOriginShieldHit]++
			default:
				if rec.EdgeResultType == "RefreshHit" {
					bk.ev[evRefreshHit]++
				} else {
					bk.ev[evHit]++
				}
			}
			if pc.ep == epSession || pc.ep == epCsrf {
				bk.ev[evSessionOrCSRF]++
			}
			e.failure(h.cacheHit, bk, rec, pc.path, t)
		}
	}
	// auth-insecure-scheme: answered over plain http (CloudFront's own
	// redirect to https is fine).
	if h.insecure == nil {
		h.insecure = e.newSeries(rkInsecureHTTP, group, "auth requests", e.cfg.AuthInsecureScheme)
	}
	plainHTTP := rec.Protocol == "http" && rec.EdgeResultType != "Redirect" && rec.Status != 301 && rec.Status != 308
	if bk := e.bucket(h.insecure); bk != nil {
		bk.n++
		if plainHTTP {
			e.failure(h.insecure, bk, rec, pc.path, t)
		}
	}
	if !pc.ep.known() {
		return
	}
	h.authRequests++
	if h.viaCF {
		e.addViaCF(h, rec, pc.path, t, plainHTTP)
	}

	m := rec.Method
	// auth-403-burst
	if i := burstIndex(pc.ep); i >= 0 && (m == "GET" || m == "POST") {
		s := h.auth403[i]
		if s == nil {
			s = e.newSeries(rkAuth403, e.authPrefix+pc.ep.groupSuffix(), pc.ep.noun()+" requests", e.cfg.Auth403Burst.Threshold)
			h.auth403[i] = s
		}
		if bk := e.bucket(s); bk != nil {
			bk.n++
			if rec.Status == 403 && !refused {
				if hasNextAuthCookie(rec.Cookie) {
					bk.ev[evWithCookies]++
				} else {
					bk.ev[evWithoutCookies]++
				}
				if pc.ep == epCallback && hasCodeOrState(rec.Query) {
					bk.ev[evCodeState]++
				}
				if m == "POST" {
					bk.ev[evPost]++
				}
				switch {
				case strings.HasPrefix(rec.ContentType, "text/html"):
					bk.ev[evHTML]++
				case strings.Contains(rec.ContentType, "json"):
					bk.ev[evJSON]++
				}
				e.failure(s, bk, rec, pc.path, t)
			}
		}
	}
	// auth-cookie-missing
	if (pc.ep == epCallback || pc.ep == epSession) && (m == "GET" || m == "POST") {
		i := 0
		if pc.ep == epSession {
			i = 1
		}
		s := h.cookie[i]
		if s == nil {
			s = e.newSeries(rkCookie, e.authPrefix+pc.ep.groupSuffix(), pc.ep.noun()+" requests", e.cfg.AuthCookieMissing)
			h.cookie[i] = s
		}
		if bk := e.bucket(s); bk != nil {
			bk.n++
			st := rec.Status
			failing := st >= 400 && st <= 499 && st != 401 && st != 404 && !refused
			if failing && !hasNextAuthCookie(rec.Cookie) {
				if rec.Cookie == "" {
					bk.ev[evNoCookie]++
				} else {
					bk.ev[evOtherCookies]++
				}
				e.failure(s, bk, rec, pc.path, t)
			}
		}
	}
}

// addViaCF counts a NextAuth request made through the *.cloudfront.net name.
func (e *Engine) addViaCF(h *hostState, rec *logparse.Record, path string, t int64, plainHTTP bool) {
	v := &h.via
	v.count++
	if plainHTTP {
		v.http++
	}
	if v.count == 1 || t < v.first {
		v.first = t
	}
	if v.count == 1 || t > v.last {
		v.last = t
	}
	if len(v.examples) < maxExamples && rec.RequestID != "" {
		v.examples = append(v.examples, strings.Clone(rec.RequestID))
	}
	if len(v.paths) < maxPaths && !containsString(v.paths, path) {
		v.paths = append(v.paths, strings.Clone(path))
	}
	if ip := rec.ClientIP; ip.IsValid() {
		if _, ok := v.clients[ip]; !ok {
			if len(v.clients) >= e.cfg.MaxClients {
				v.capped = true
			} else {
				if v.clients == nil {
					v.clients = make(map[netip.Addr]struct{})
				}
				v.clients[ip] = struct{}{}
			}
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unixTime converts Unix ns to a UTC time (the zero Time for 0).
func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

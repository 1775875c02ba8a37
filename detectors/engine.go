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
	lib     authLib // Config.AuthLibrary
	k       int     // ring buckets per series
	w       int     // buckets in a burst run (Lookback)
	reorder int64   // buckets a record may lag behind the newest
	window  int64   // Window in ns

	authPrefix string    // cleaned, e.g. "/api/auth"
	authGroup  string    // authPrefix + "/*"
	apiGroups  []string  // cleaned API prefixes, plus the auth prefix when outside them
	apiOrder   []int     // apiGroups indexes, longest prefix first
	authAPI    int       // apiGroups index of the auth prefix's group
	second     [4]uint64 // set of the prefixes' second bytes, '/' and '.': a quick test for static paths

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

	rules []rule  // ruleTable(), with their settings
	req   request // the record being observed, as the rules see it
	late  bool    // set by bucket() for the record being observed
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
}

// hostState is everything kept for one (distribution, host).
type hostState struct {
	dist, host string
	cfName     string // cs(Host) first seen: the distribution's domain name
	viaCF      bool   // host is a *.cloudfront.net name

	cookieLogging bool  // some request carried a logged Cookie header
	authCookies   bool  // some request carried a NextAuth cookie
	authRequests  int64 // requests to real NextAuth endpoints

	rs     [][]*series // per rule (Engine.rules index), its series in the rule's slots
	own    []any       // per rule, its own state (rule.newState), nil without
	static staticPages // method-rejected's pages of the default behavior

	via viaCF // auth requests through the *.cloudfront.net name
}

// viaCF counts, over the whole input, requests to NextAuth endpoints made
// through the distribution's *.cloudfront.net name.
type viaCF struct {
	count, http int64
	first, last int64
	examples    []string
	// paths are the maxPaths paths first met earliest, in the order of
	// (first time, path), pathT their first times: the same whatever
	// order the files are read in (file order locally, time order in
	// Athena's replay).
	paths   []string
	pathT   []int64
	clients map[netip.Addr]struct{}
	capped  bool
}

// New returns an Engine with the given configuration, or the error of
// Config.Validate when the configuration is invalid.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err // "detectors: …" already
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
		rules:      ruleTable(),
	}
	for i := range e.rules {
		r := &e.rules[i]
		r.idx, r.th = i, r.settings(&cfg)
	}
	e.lib, _ = parseAuthLibrary(cfg.AuthLibrary) // validated
	e.req.lib = e.lib
	e.req.oversizeWarn, e.req.oversizeCritical = cfg.AuthCookieOversize.WarnBytes, cfg.AuthCookieOversize.CriticalBytes
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
	// "//" and "/." may normalise onto a prefix ("/../api/auth/session").
	for _, c := range []byte{'/', '.'} {
		e.second[c>>6] |= 1 << (c & 63)
	}
	for _, p := range e.apiGroups {
		e.second[p[1]>>6] |= 1 << (p[1] & 63)
	}
	e.bStart, e.bEnd = 1, 0 // empty range: the first record computes its bucket
	return e, nil
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
// has "//" or a dot segment (normalizePath). The common path costs one
// byte scan and a prefix test.
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
	e.place(e.normalize(p), pc)
}

// mayBeAPI is a quick test: false means p starts with no API or auth
// prefix, nor with "//" or "/." (which may normalise onto one).
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
func (e *Engine) normalize(p string) string {
	m := &e.norm[maphash.String(e.normSeed, p)%normMemoSize]
	if m.raw == p && m.raw != "" {
		return m.norm
	}
	norm := normalizePath(p)
	if norm == p {
		norm = strings.Clone(p)
	}
	*m = normMemo{raw: strings.Clone(p), norm: norm}
	return norm
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
	h := &hostState{
		dist: dist, host: host, cfName: cfName,
		viaCF: isCloudFrontName(host),
		rs:    make([][]*series, len(e.rules)),
		own:   make([]any, len(e.rules)),
	}
	for i := range e.rules {
		if r := &e.rules[i]; r.newState != nil {
			h.own[i] = r.newState()
		}
	}
	return h
}

func isCloudFrontName(host string) bool {
	return strings.HasSuffix(host, ".cloudfront.net")
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

// Observe feeds one record. dist is the distribution ID to use when
// rec.DistributionID is empty (from the object key); it may be "".
//
// Records may come in any order within Config.Reorder of the newest one.
// The Engine keeps none of rec's strings without copying them.
func (e *Engine) Observe(rec *logparse.Record, dist string) {
	e.stats.Records++
	e.late = false
	x := &e.req
	x.rec = rec
	pc := &x.pc
	if p := rec.URIStem; !e.mayBeAPI(p) && strings.IndexByte(p, '%') < 0 {
		*pc = pathClass{path: p, api: -1} // the common static path, inlined
	} else {
		e.classify(p, pc)
	}
	if len(e.cfg.IgnorePaths) > 0 && e.ignored(pc.path) {
		e.stats.Ignored++
		x.rec = nil
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
	x.t = rec.Time.UnixNano()
	e.setBucket(x.t)

	if rec.Cookie != "" && !h.authCookies {
		h.cookieLogging = true
		h.authCookies = hasAuthCookie(rec.Cookie, e.lib)
	}
	x.refused = isInvalidMethod(rec)
	x.configured = rec.Status >= 400 && rec.Status <= 499 && !x.refused && ConfiguredRefusal(rec)
	x.mi = methodIndex(rec.Method)

	sc := ScopeDefault
	if pc.api >= 0 {
		sc = ScopeAPI
		if pc.ep != epNone {
			sc |= ScopeAuth
			if pc.ep.known() {
				sc |= ScopeEndpoint
				h.authRequests++
			}
		}
	}
	for i := range e.rules {
		r := &e.rules[i]
		if r.scope&sc == 0 || r.th.Disabled {
			continue
		}
		if r.observe != nil {
			r.observe(e, h, x)
		}
		if r.series == nil {
			continue
		}
		s := r.series(e, r, h, x)
		if s == nil {
			continue
		}
		bk := e.bucket(s)
		if bk == nil {
			continue
		}
		bk.n++
		if r.count != nil {
			r.count(x, &bk.ev)
		}
		if r.fails(x) {
			if r.tally != nil {
				r.tally(x, &bk.ev)
			}
			e.failure(s, bk, rec, pc.path, x.t)
		}
	}
	if sc&ScopeAuth != 0 {
		e.observeChecks(rec, pc)
	}
	if e.late {
		e.stats.Late++
	}
	x.rec = nil // keep no record beyond the call
}

// addPath keeps path, first met at t, among the maxPaths paths met
// earliest, ordered by (first time, path).
func (v *viaCF) addPath(path string, t int64) {
	i := slices.Index(v.paths, path)
	switch {
	case i >= 0:
		if t >= v.pathT[i] {
			return
		}
		v.pathT[i] = t
	case len(v.paths) < maxPaths:
		v.paths = append(v.paths, strings.Clone(path))
		v.pathT = append(v.pathT, t)
		i = len(v.paths) - 1
	default:
		i = len(v.paths) - 1
		if t > v.pathT[i] || (t == v.pathT[i] && path >= v.paths[i]) {
			return
		}
		v.paths[i], v.pathT[i] = strings.Clone(path), t
	}
	// Move the changed entry up to its place.
	for ; i > 0 && (v.pathT[i] < v.pathT[i-1] || (v.pathT[i] == v.pathT[i-1] && v.paths[i] < v.paths[i-1])); i-- {
		v.paths[i], v.paths[i-1] = v.paths[i-1], v.paths[i]
		v.pathT[i], v.pathT[i-1] = v.pathT[i-1], v.pathT[i]
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
	v.addPath(path, t)
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

package loggen

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// pcgStream is the fixed PCG increment paired with Config.Seed.
const pcgStream = 0x9e3779b97f4a7c15

const (
	chunkMs  = 60_000         // traffic is generated one minute at a time
	warmupMs = 15 * 60 * 1000 // sessions already running when the window opens
	hourMs   = 3_600_000
)

// Shares of the healthy volume by traffic source (sum 1).
const (
	shareBots     = 0.035
	shareScanners = 0.015
	sharePartner  = 0.012
	shareSessions = 1 - shareBots - shareScanners - sharePartner
)

// Scanner POSTs to static paths, which the default behavior refuses: a
// share of the healthy volume on top of it, and of a scanner flood's.
const (
	shareScannerPosts = 0.002
	floodPostShare    = 0.02
)

// scanStream is the PCG increment of the scanner POSTs' own stream: they
// draw nothing from the main one, so the rest of the traffic is the same
// bytes with or without them.
const scanStream = pcgStream ^ 0x5ca77e4d0a11ed5d

// client is one viewer: a browser, a bot, a monitor or a scanner.
type client struct {
	ip     string
	ua     string // already URL-encoded as CloudFront logs it
	xff    string
	region uint8
	edge   uint8 // index in regions[region].edges
	ver    uint8
	tls13  bool
	// cookie jar (browsers only), values as logged
	ga      string // "_ga=GA1.1.x.y" or ""
	csrf    string // "<hex>%7C<hex>" or "" before the first NextAuth call
	session string // full "__Secure-next-auth.session-token=..." cookie(s) or ""
	split   bool   // this account's session cookie is split in .0/.1 chunks
}

// req is one request being built; a single instance is reused.
type req struct {
	t           int64 // Unix ms
	cl          *client
	edge        string
	method      string
	stem        string
	query       string
	queryB      []byte // takes precedence over query when non-empty
	status      int
	referer     string
	result      uint8
	respResult  uint8
	detailed    string // "" means the result name
	ctype       string
	clen        int // -1 logs "-"
	scBytes     int
	csBytes     int
	ttfb, taken int // ms
	plainHTTP   bool
	cfHost      bool
	ver         uint8
	port        int
	cookie      uint8
	extraCookie string
	rangeStart  int64 // -1 when not a range request
	rangeEnd    int64
	route       route
	edgeDone    bool // answered by CloudFront itself (cache, refusal): no origin
	noPreflight bool
	// Set by the incidents added for issue 16 (the older ones never set
	// them, so their output is unchanged):
	final   bool   // answer decided: later incidents leave r alone
	drop    bool   // not logged (request headers over CloudFront's 20 KB)
	session string // session-token cookie(s) replacing the client's
}

// route classifies requests for incident matching.
type route uint8

const (
	rtStatic route = iota
	rtPage
	rtAuthSession
	rtAuthCsrf
	rtAuthProviders
	rtAuthCallback
	rtAuthSignin
	rtAuthSignout
	rtAuthLog
	rtAPI
	rtPreflight
	rtScanner
)

func (rt route) isAuth() bool { return rt >= rtAuthSession && rt <= rtAuthLog }
func (rt route) isAPI() bool  { return rt >= rtAuthSession && rt <= rtPreflight }

// entry locates one formatted record in the arena.
type entry struct {
	t   int64
	seq uint64
	key uint32 // routing key for WriteDir's files
	off uint32
	n   uint32
}

// incState is an Incident resolved to milliseconds.
type incState struct {
	kind     Kind
	from, to int64
	rate     float64
}

// countEvent is one scheduled noise event (stray-403, origin-403-post).
type countEvent struct {
	t    int64
	kind Kind
}

type gen struct {
	cfg  Config
	src  *rand.PCG
	r    *rand.Rand
	site *site

	// The scanner POSTs' stream, swapped with src and r while they are made.
	scanSrc *rand.PCG
	scanR   *rand.Rand
	// noScanPosts leaves the scanner POSTs out (tests: the rest is the same).
	noScanPosts bool

	browsers []*client
	bots     []*client // Googlebot / bingbot
	monitors []*client
	scanners []*client

	incs   []incState // ordered by application priority
	events []countEvent
	nextEv int

	startMs, endMs int64
	c0             int64 // start of the chunk being generated

	arena, spare []byte
	ents, spareE []entry
	seq          uint64
	made         int // requests generated so far
	dropped      int // of which not logged (auth-cookie-oversize past 20 KB)

	needSessions, needBots, needScanners, needPartner, needFlood float64
	needScanPosts                                                float64

	rq, pre        req
	qbuf           []byte
	callbackCookie string

	dateDay int64
	dateBuf [10]byte
}

func newGen(cfg Config) *gen {
	g := &gen{cfg: cfg, dateDay: math.MinInt64}
	g.src = rand.NewPCG(cfg.Seed, pcgStream)
	g.r = rand.New(g.src)
	g.scanSrc = rand.NewPCG(cfg.Seed, scanStream)
	g.scanR = rand.New(g.scanSrc)
	g.startMs = cfg.Start.UnixMilli()
	g.endMs = g.startMs + cfg.Duration.Milliseconds()
	g.callbackCookie = "https%253A%252F%252F" + cfg.Domain
	g.site = newSite(g)
	g.makeClients()
	g.makeIncidents()
	return g
}

// Random helpers.
func (g *gen) intn(n int) int         { return g.r.IntN(n) }
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }
func (g *gen) chance(p float64) bool  { return g.r.Float64() < p }
func (g *gen) skew(lo, hi int) int    { u := g.r.Float64(); return lo + int(float64(hi-lo)*u*u) }
func (g *gen) port() int              { return 1024 + g.r.IntN(64511) }
func pick[T any](g *gen, s []T) T     { return s[g.r.IntN(len(s))] }
func pickW(g *gen, ws []weighted) string {
	tot := 0
	for _, w := range ws {
		tot += w.w
	}
	n := g.r.IntN(tot)
	for _, w := range ws {
		if n < w.w {
			return w.s
		}
		n -= w.w
	}
	return ws[len(ws)-1].s
}

func (g *gen) randHex(n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hex[g.r.IntN(16)]
	}
	return string(b)
}

func (g *gen) randB64(n int) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, n)
	for i := 0; i < n; i += 10 {
		v := g.src.Uint64()
		for j := i; j < n && j < i+10; j++ {
			b[j] = alpha[v&63]
			v >>= 6
		}
	}
	return string(b)
}

func (g *gen) randIPv4(first byte) string {
	b := make([]byte, 0, 15)
	if first == 0 {
		first = pick(g, v4FirstOctets)
	}
	b = strconv.AppendInt(b, int64(first), 10)
	for i := 0; i < 3; i++ {
		b = append(b, '.')
		v := g.r.IntN(256)
		if i == 2 {
			v = 1 + g.r.IntN(254) // no network or broadcast-looking last octet
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(b)
}

func (g *gen) randIPv6(prefix string) string {
	b := make([]byte, 0, 39)
	b = append(b, prefix...)
	groups := 2
	for i := 0; i < len(prefix); i++ {
		if prefix[i] == ':' {
			groups++
		}
	}
	for ; groups <= 8; groups++ {
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(1+g.r.IntN(0xffff)), 16)
	}
	return string(b)
}

func (g *gen) makeClients() {
	cfg := g.cfg
	n := max(50, cfg.RequestsPerHour/20)
	uaEnc := make([]string, len(browserUAs))
	uaDbl := make([]string, len(browserUAs))
	uaW := make([]weighted, len(browserUAs))
	for i, u := range browserUAs {
		uaEnc[i] = urlEncodeCF(u.s)
		uaDbl[i] = doubleEncode(uaEnc[i])
		uaW[i] = weighted{u.w, strconv.Itoa(i)}
	}
	regW := make([]weighted, len(regions))
	for i, rg := range regions {
		regW[i] = weighted{rg.weight, strconv.Itoa(i)}
	}
	g.browsers = make([]*client, n)
	for i := range g.browsers {
		ri, _ := strconv.Atoi(pickW(g, regW))
		ui, _ := strconv.Atoi(pickW(g, uaW))
		rg := regions[ri]
		cl := &client{region: uint8(ri), edge: uint8(g.intn(len(rg.edges))), tls13: g.chance(0.9)}
		if g.chance(0.25) {
			cl.ip = g.randIPv6(pick(g, rg.v6))
		} else {
			cl.ip = g.randIPv4(0)
		}
		cl.ua = uaEnc[ui]
		if g.chance(0.02) {
			cl.ua = uaDbl[ui]
		}
		switch v := g.r.Float64(); {
		case v < 0.72:
			cl.ver = verH2
		case v < 0.85:
			cl.ver = verH3
		default:
			cl.ver = verH11
		}
		if g.chance(0.01) {
			cl.xff = g.randIPv4(0)
		}
		cl.split = g.chance(0.12)
		// Returning visitors already hold cookies from earlier visits.
		if g.chance(0.7) {
			g.setGA(cl)
			cl.csrf = g.randHex(64) + "%7C" + g.randHex(64)
			if g.chance(0.55) {
				g.signIn(cl)
			}
		}
		g.browsers[i] = cl
	}
	// Search engine crawlers.
	for i := 0; i < 10; i++ {
		cl := &client{region: 0, edge: uint8(g.intn(len(regions[0].edges))), tls13: true, ver: verH11}
		cl.ip = "66.249." + strconv.Itoa(64+g.intn(16)) + "." + strconv.Itoa(1+g.intn(250))
		cl.ua = urlEncodeCF(uaGooglebot)
		if i%2 == 1 {
			cl.ua = urlEncodeCF(uaGooglebotMobile)
			cl.ver = verH2
		}
		g.bots = append(g.bots, cl)
	}
	for i := 0; i < 5; i++ {
		cl := &client{region: 1, edge: uint8(g.intn(len(regions[1].edges))), tls13: g.chance(0.5), ver: verH11}
		cl.ip = pick(g, []string{"157.55.39.", "40.77.167.", "207.46.13."}) + strconv.Itoa(1+g.intn(250))
		cl.ua = urlEncodeCF(uaBingbot)
		g.bots = append(g.bots, cl)
	}
	for i := 0; i < 3; i++ {
		ri := g.intn(len(regions))
		cl := &client{region: uint8(ri), edge: uint8(g.intn(len(regions[ri].edges))), tls13: true, ver: verH11}
		cl.ip = g.randIPv4(0)
		cl.ua = urlEncodeCF(uaMonitor)
		g.monitors = append(g.monitors, cl)
	}
	for i := 0; i < 6; i++ {
		ri := g.intn(len(regions))
		cl := &client{region: uint8(ri), edge: uint8(g.intn(len(regions[ri].edges))), tls13: g.chance(0.5), ver: verH11}
		if i == 5 {
			cl.ip = g.randIPv6(pick(g, regions[ri].v6))
		} else {
			cl.ip = g.randIPv4(0)
		}
		cl.ua = urlEncodeCF(scannerUAs[g.intn(len(scannerUAs))])
		g.scanners = append(g.scanners, cl)
	}
}

func (g *gen) setGA(cl *client) {
	cl.ga = "_ga=GA1.1." + strconv.Itoa(100000000+g.intn(1900000000)) + "." +
		strconv.FormatInt(g.startMs/1000-int64(g.intn(400*86400)), 10)
}

// signIn gives cl a fresh NextAuth session-token cookie (a JWE holding the
// Cognito tokens; large ones are split into .0/.1 chunks of 3933 bytes).
func (g *gen) signIn(cl *client) {
	if cl.csrf == "" {
		cl.csrf = g.randHex(64) + "%7C" + g.randHex(64)
	}
	const jweHeader = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.."
	if !cl.split {
		tok := jweHeader + g.randB64(22) + "." + g.randB64(g.between(180, 480)) + "." + g.randB64(22)
		cl.session = "__Secure-next-auth.session-token=" + tok
		return
	}
	tok := jweHeader + g.randB64(22) + "." + g.randB64(g.between(4000, 4700)) + "." + g.randB64(22)
	cl.session = "__Secure-next-auth.session-token.0=" + tok[:3933] + ";%20__Secure-next-auth.session-token.1=" + tok[3933:]
}

func (g *gen) makeIncidents() {
	prio := func(k Kind) int {
		switch k {
		case InsecureScheme:
			return 0
		case MethodRejected:
			return 1
		case AuthCacheHit:
			return 2
		case GeoRestricted, WAFNoise, EdgeRefusalsOnAuth:
			return -1 // refused before anything else happens
		case APIRoutedToStatic:
			return 1
		}
		return 3
	}
	for i, in := range g.cfg.Incidents {
		st := incState{kind: in.Kind, from: in.From.UnixMilli(), to: in.Until.UnixMilli(), rate: in.Rate}
		if in.Kind.RateIsCount() {
			// A separate stream per incident keeps the schedule independent
			// of the rest of the traffic.
			rr := rand.New(rand.NewPCG(g.cfg.Seed^uint64(i+1)*0x2545f4914f6cdd1d, pcgStream+2*uint64(i+1)))
			n := max(1, int(math.Round(in.Rate)))
			for j := 0; j < n; j++ {
				g.events = append(g.events, countEvent{t: st.from + rr.Int64N(st.to-st.from), kind: in.Kind})
			}
			continue
		}
		g.incs = append(g.incs, st)
	}
	slices.SortStableFunc(g.incs, func(a, b incState) int { return cmp.Compare(prio(a.kind), prio(b.kind)) })
	slices.SortStableFunc(g.events, func(a, b countEvent) int { return cmp.Compare(a.t, b.t) })
}

// volume returns the expected number of healthy requests in [c0, c1).
func (g *gen) volume(c0, c1 int64) float64 {
	mid := (c0 + c1) / 2
	h := float64(((mid%(24*hourMs))+24*hourMs)%(24*hourMs)) / hourMs
	f := 1 + 0.3*math.Sin(2*math.Pi*(h-9)/24)
	return float64(g.cfg.RequestsPerHour) * f * float64(c1-c0) / hourMs
}

// add applies incidents to r, formats it and queues it for emission.
func (g *gen) add(r *req) {
	preflight := g.applyIncidents(r)
	if r.drop {
		g.made++ // made by the viewer, only not logged
		g.dropped++
		return
	}
	if preflight {
		g.addPreflight(r)
	}
	g.push(r)
}

func (g *gen) push(r *req) {
	off := len(g.arena)
	g.arena = g.appendLine(g.arena, r)
	g.seq++
	g.made++
	g.ents = append(g.ents, entry{t: r.t, seq: g.seq, key: uint32(g.src.Uint64() >> 32), off: uint32(off), n: uint32(len(g.arena) - off)})
}

func (g *gen) edgeFor(cl *client) string {
	edges := regions[cl.region].edges
	if g.r.IntN(100) < 3 {
		return edges[g.r.IntN(len(edges))]
	}
	return edges[cl.edge]
}

// newReq resets and returns the shared request with common defaults.
func (g *gen) newReq(t int64, cl *client, method, stem string, rt route) *req {
	r := &g.rq
	*r = req{t: t, cl: cl, method: method, stem: stem, route: rt, ver: cl.ver, clen: -1, rangeStart: -1, rangeEnd: -1, status: 200}
	r.edge = g.edgeFor(cl)
	return r
}

// run generates the traffic and calls sink for every record in time order.
// It stops at the window end when limit < 0, otherwise after limit records
// (traffic continuing past the window end if needed).
func (g *gen) run(ctx context.Context, limit int, sink func(t int64, key uint32, line []byte) error) (int, error) {
	written := 0
	if limit == 0 {
		return 0, nil
	}
	for c0 := g.startMs - warmupMs; ; c0 += chunkMs {
		if limit < 0 && c0 >= g.endMs {
			break
		}
		if ctx != nil {
			if err := ctx.Err(); err != nil {
				return written, err
			}
		}
		c1 := c0 + chunkMs
		g.genChunk(c0, c1)
		slices.SortFunc(g.ents, func(a, b entry) int {
			if a.t != b.t {
				return cmp.Compare(a.t, b.t)
			}
			return cmp.Compare(a.seq, b.seq)
		})
		g.spare = g.spare[:0]
		g.spareE = g.spareE[:0]
		for _, e := range g.ents {
			if e.t >= c1 {
				off := len(g.spare)
				g.spare = append(g.spare, g.arena[e.off:e.off+e.n]...)
				e.off = uint32(off)
				g.spareE = append(g.spareE, e)
				continue
			}
			if e.t < g.startMs || (limit < 0 && e.t >= g.endMs) {
				continue
			}
			if err := sink(e.t, e.key, g.arena[e.off:e.off+e.n]); err != nil {
				return written, err
			}
			written++
			if written == limit {
				return written, nil
			}
		}
		g.arena, g.spare = g.spare, g.arena
		g.ents, g.spareE = g.spareE, g.ents
	}
	return written, nil
}

// genChunk generates every request of the events that start in [c0, c1).
func (g *gen) genChunk(c0, c1 int64) {
	g.c0 = c0
	v := g.volume(c0, c1) * (1 + 0.06*g.r.NormFloat64())
	if v < 0 {
		v = 0
	}
	g.needSessions += v * shareSessions
	g.needBots += v * shareBots
	g.needScanners += v * shareScanners
	g.needPartner += v * sharePartner
	span := int(c1 - c0)
	at := func() int64 { return c0 + int64(g.r.IntN(span)) }
	for g.needBots > 0 {
		g.needBots -= float64(g.botEvent(at()))
	}
	for g.needScanners > 0 {
		g.needScanners -= float64(g.scannerEvent(at(), false))
	}
	for g.needPartner > 0 {
		g.needPartner -= float64(g.partnerEvent(at()))
	}
	for g.needSessions > 0 {
		g.needSessions -= float64(g.session(at()))
	}
	// Incident traffic that adds requests.
	var floodPosts float64
	for _, in := range g.incs {
		if in.kind != ScannerFlood || in.to <= c0 || in.from >= c1 {
			continue
		}
		lo, hi := max(c0, in.from), min(c1, in.to)
		flood := v * in.rate * float64(hi-lo) / float64(c1-c0)
		g.needFlood += flood
		floodPosts += flood * floodPostShare
		for g.needFlood > 0 {
			g.needFlood -= float64(g.scannerEvent(lo+g.r.Int64N(hi-lo), true))
		}
	}
	if !g.noScanPosts {
		g.scannerPosts(c0, c1, v*shareScannerPosts+floodPosts)
	}
	for g.nextEv < len(g.events) && g.events[g.nextEv].t < c1 {
		ev := g.events[g.nextEv]
		g.nextEv++
		if ev.t >= c0 {
			g.noiseEvent(ev)
		}
	}
}

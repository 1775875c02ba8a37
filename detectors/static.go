package detectors

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/logparse"
)

// method-rejected on the default (static) behavior.
//
// A behavior serving static files allows GET and HEAD only, and refuses
// anything else itself (403 InvalidRequestMethod). Scanners POST to
// /xmlrpc.php, /wp-login.php and the like all day: that is the behavior
// doing its job, not a misconfiguration. What is one is a page of the site
// that its visitors do send other methods to (a form, a Next.js Server
// Action posting to the page's own path, a route handler the app serves
// without a behavior of its own).
//
// So a refusal on a static path counts only on a page of the site: a path
// whose last segment has no extension (or .html/.htm) and that at least
// PageMinClients distinct clients loaded with a successful GET or HEAD
// (status 200-399). A page is reported when its refusals reach
// StaticMinCount, from StaticMinClients distinct clients, and
// StaticMinRate of the requests counted for it (successful GET/HEAD and
// requests with the methods a behavior can allow): a few scanners POSTing
// to / do not make it, nor do they add to another page's finding. The
// finding of a host merges its pages.
//
// Which path is a page is only known at the end, so the counts are kept
// per page over the whole input, in any order: a table of at most
// maxPages page-like paths per host (the first ones met; paths beyond
// are not tracked, Stats.UntrackedPages), each with its first
// PageMinClients loaders, its refusals and the earliest refused request
// IDs; the refusing clients of all pages of a host are capped at
// MaxClients.

const (
	// maxPages is the number of page-like paths tracked per host.
	maxPages = 1024
	// maxPageClients bounds page_min_clients: each page keeps that many
	// loaders.
	maxPageClients = 100
)

// pageLike reports whether p may be a page of the site: its last segment
// has no extension, or .html or .htm.
func pageLike(p string) bool {
	last := p[strings.LastIndexByte(p, '/')+1:]
	i := strings.LastIndexByte(last, '.')
	return i < 0 || last[i:] == ".html" || last[i:] == ".htm"
}

// example is a refused request: its time and request ID.
type example struct {
	t  int64
	id string
}

func compareExamples(a, b example) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

// page is what is known of one page-like static path of a host.
type page struct {
	path        string
	gets        int64        // successful GET/HEAD
	loaders     []netip.Addr // distinct clients of those, at most PageMinClients
	other       int64        // requests with a method a behavior can allow but GET/HEAD
	refused     int64        // of those, refused by CloudFront (InvalidRequestMethod)
	first, last int64        // Unix ns of the first and last refusal
	ev          [numEv]int64 // method-rejected counters of the refusals
	examples    []example    // the earliest refusals, at most maxExamples
}

// staticPages is the page table of a host.
type staticPages struct {
	pages     map[string]*page
	untracked int64 // requests of page-like paths beyond maxPages
	// refusers are the clients refused on each page (capped at
	// MaxClients for the host).
	refusers map[pageClient]struct{}
	capped   bool
}

type pageClient struct {
	p  *page
	ip netip.Addr
}

// pageFor returns the page of path p, creating it while there is room.
func (e *Engine) pageFor(h *hostState, p string) *page {
	st := &h.static
	if pg := st.pages[p]; pg != nil {
		return pg
	}
	if len(st.pages) >= maxPages {
		st.untracked++
		e.stats.UntrackedPages++
		return nil
	}
	if st.pages == nil {
		st.pages = make(map[string]*page)
	}
	pg := &page{path: strings.Clone(p)}
	st.pages[pg.path] = pg
	return pg
}

// observeStatic counts a request to a static path for method-rejected:
// m is its method, refused whether CloudFront refused it.
func (e *Engine) observeStatic(h *hostState, rec *logparse.Record, path, m string, t int64, refused bool) {
	if m == "GET" || m == "HEAD" {
		if refused || rec.Status < 200 || rec.Status > 399 || !pageLike(path) {
			return
		}
		pg := e.pageFor(h, path)
		if pg == nil {
			return
		}
		pg.gets++
		if ip := rec.ClientIP; ip.IsValid() && len(pg.loaders) < e.cfg.MethodRejected.PageMinClients && !slices.Contains(pg.loaders, ip) {
			pg.loaders = append(pg.loaders, ip)
		}
		return
	}
	mi := methodIndex(m)
	if mi < 0 || !pageLike(path) {
		return
	}
	pg := e.pageFor(h, path)
	if pg == nil {
		return
	}
	pg.other++
	if !refused {
		return
	}
	pg.refused++
	if pg.refused == 1 || t < pg.first {
		pg.first = t
	}
	if pg.refused == 1 || t > pg.last {
		pg.last = t
	}
	if rec.Has(logparse.FieldTimeToFirstByte) && rec.TimeToFirstByte == 0 {
		pg.ev[evTTFBZero]++
	}
	pg.ev[evMethod+mi]++
	if rec.RequestID != "" {
		ex := example{t: t, id: rec.RequestID}
		if len(pg.examples) < maxExamples || compareExamples(ex, pg.examples[len(pg.examples)-1]) < 0 {
			i, _ := slices.BinarySearchFunc(pg.examples, ex, compareExamples)
			ex.id = strings.Clone(ex.id)
			pg.examples = slices.Insert(pg.examples, i, ex)
			if len(pg.examples) > maxExamples {
				pg.examples = pg.examples[:maxExamples]
			}
		}
	}
	if ip := rec.ClientIP; ip.IsValid() {
		st := &h.static
		k := pageClient{pg, ip}
		if _, ok := st.refusers[k]; !ok {
			if len(st.refusers) >= e.cfg.MaxClients {
				st.capped = true
			} else {
				if st.refusers == nil {
					st.refusers = make(map[pageClient]struct{})
				}
				st.refusers[k] = struct{}{}
			}
		}
	}
}

// staticFinding returns h's method-rejected finding on the default
// behavior, if its pages qualify.
func (e *Engine) staticFinding(r *rule, h *hostState) (Finding, bool) {
	th := e.cfg.MethodRejected
	st := &h.static
	refusers := make(map[*page]int)
	for k := range st.refusers {
		refusers[k.p]++
	}
	var pages []*page
	var count, total int64
	for _, pg := range st.pages {
		if pg.refused >= th.StaticMinCount && float64(pg.refused) >= th.StaticMinRate*float64(pg.gets+pg.other) &&
			len(pg.loaders) >= th.PageMinClients && refusers[pg] >= th.StaticMinClients {
			pages = append(pages, pg)
			count += pg.refused
			total += pg.gets + pg.other
		}
	}
	if len(pages) == 0 {
		return Finding{}, false
	}
	clients := make(map[netip.Addr]struct{})
	for k := range st.refusers {
		if slices.Contains(pages, k.p) {
			clients[k.ip] = struct{}{}
		}
	}
	slices.SortFunc(pages, func(a, b *page) int {
		if c := cmp.Compare(b.refused, a.refused); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	f := Finding{
		Rule:             r.id,
		Severity:         r.severity,
		DistributionID:   h.dist,
		Host:             h.host,
		Group:            "/*",
		Count:            count,
		Denominator:      total,
		DenominatorLabel: "requests to these pages",
		Paths:            []string{},
		Clients:          len(clients),
		ClientsCapped:    st.capped,
	}
	var ev [numEv]int64
	var examples []example
	var first, last int64
	for i, pg := range pages {
		if i < maxPaths {
			f.Paths = append(f.Paths, pg.path)
		}
		for j := range ev {
			ev[j] += pg.ev[j]
		}
		examples = append(examples, pg.examples...)
		if first == 0 || pg.first < first {
			first = pg.first
		}
		last = max(last, pg.last)
	}
	slices.SortFunc(examples, compareExamples)
	f.Examples = []string{}
	for _, x := range examples[:min(len(examples), maxExamples)] {
		f.Examples = append(f.Examples, x.id)
	}
	f.FirstSeen, f.LastSeen = unixTime(first), unixTime(last)
	f.Key = FindingKey(f.Rule, f.DistributionID, f.Host, f.Group)
	for i, name := range r.evidence {
		if ev[i] != 0 {
			f.Evidence = addEvidence(f.Evidence, name, ev[i])
		}
	}
	f.Evidence = addEvidence(f.Evidence, "pages", int64(len(pages)))
	e.explainStaticMethod(r, &f, ev, len(pages))
	return f, true
}

// globMatch reports whether s matches pattern: '*' matches any run of
// characters ('/' included), '?' one character, anything else itself.
// SQL's LIKE with '%' and '_' matches the same (likePattern).
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					_, n := utf8.DecodeRuneInString(s[sx:])
					px, sx = px+1, sx+n
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px, sx = px+1, sx+1
					continue
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			_, n := utf8.DecodeRuneInString(s[starSx:])
			starSx += n
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

// ignored reports whether the normalised path p matches one of the
// ignore_paths patterns.
func (e *Engine) ignored(p string) bool {
	for _, pat := range e.cfg.IgnorePaths {
		if globMatch(pat, p) {
			return true
		}
	}
	return false
}

// Ignores reports whether the Engine ignores the requests of path, as
// logged (cs-uri-stem): whether its normalised form matches one of the
// ignore_paths patterns.
func (e *Engine) Ignores(path string) bool {
	if len(e.cfg.IgnorePaths) == 0 {
		return false
	}
	var pc pathClass
	e.classify(path, &pc)
	return e.ignored(pc.path)
}

// LikePattern turns an ignore_paths pattern into the SQL LIKE pattern that
// matches the same paths, for use with ESCAPE '\': '*' is '%', '?' is '_',
// and LIKE's own '%', '_' and '\' are escaped.
func LikePattern(glob string) string {
	var b strings.Builder
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

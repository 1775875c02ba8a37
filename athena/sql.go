package athena

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/source"
)

// A Dialect is the SQL the queries are written in. They are written in
// what Athena (Trino) and DuckDB share; the dialect changes three things
// only:
//
//   - the regular-expression match: regexp_like(s, p) in Trino,
//     regexp_matches(s, p) in DuckDB;
//   - the largest of an array's values mapped by a lambda:
//     array_max(transform(a, f)) in Trino, list_max(list_transform(a, f))
//     in DuckDB (the session token's chunks, sessionChunks);
//   - the order of rows inside a file: DuckDB has file_row_number, so
//     failing requests are replayed in file order exactly; Athena has no
//     row number, so they are replayed by time and request ID within their
//     file (see the package comment).
type Dialect int

// Dialects.
const (
	Trino  Dialect = iota // Athena engine version 3
	DuckDB                // DuckDB 1.4 over the same Parquet files (tests)
)

// queryPlan holds what the queries depend on.
type queryPlan struct {
	table    string // quoted identifier
	dialect  Dialect
	win      source.Window
	base     *source.Window
	interval time.Duration // series step
	topN     int
	cfg      detectors.Config
	dists    []string
	hosts    []string // report.Filter.Hosts: viewer host names, any case

	// origin and baseOrigin are the starts of the window's and the
	// baseline's first series points: interval boundaries at or before
	// their periods' starts.
	origin, baseOrigin time.Time

	auth string   // cleaned auth prefix
	apis []string // cleaned API prefixes, longest first
}

func newPlan(table string, d Dialect, win source.Window, base *source.Window, interval time.Duration, topN int, cfg detectors.Config, dists []string) *queryPlan {
	p := &queryPlan{table: table, dialect: d, win: win, base: base, interval: interval, topN: topN, cfg: cfg, dists: dists}
	p.auth = detectors.CleanPrefix(cfg.AuthPrefix)
	for _, a := range cfg.APIPrefixes {
		if a = detectors.CleanPrefix(a); !slices.Contains(p.apis, a) {
			p.apis = append(p.apis, a)
		}
	}
	// Longest first, as the detectors match them ("/api/v2" before "/api").
	slices.SortStableFunc(p.apis, func(a, b string) int { return len(b) - len(a) })
	return p
}

// str, ident and ts are short names for the dataset's SQL literals
// (dataset.SQLString, SQLIdent, SQLTimestamp), which the queries use often.
func str(s string) string   { return dataset.SQLString(s) }
func ident(s string) string { return dataset.SQLIdent(s) }
func ts(t time.Time) string { return dataset.SQLTimestamp(t) }

// epochMS is request_time in Unix milliseconds: both engines have
// date_diff, and both count whole milliseconds with it.
const epochMS = "date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00.000', request_time)"

// regex is a regular-expression match in the dialect.
func (p *queryPlan) regex(s, pattern string) string {
	if p.dialect == DuckDB {
		return "regexp_matches(" + s + ", " + str(pattern) + ")"
	}
	return "regexp_like(" + s + ", " + str(pattern) + ")"
}

// hours returns the partition hours that may hold records of w, with the
// margin the log source uses for file names (source.Window.MayHold).
func hours(w source.Window) (dataset.HourRange, bool) {
	first := w.From.UTC().Truncate(time.Hour).Add(-3 * time.Hour)
	for !w.MayHold(first) && first.Before(w.Until) {
		first = first.Add(time.Hour)
	}
	last := w.Until.UTC().Truncate(time.Hour).Add(2 * time.Hour)
	for !w.MayHold(last) && last.After(first) {
		last = last.Add(-time.Hour)
	}
	return dataset.HourRange{First: first, Last: last}, w.MayHold(first) && w.MayHold(last)
}

// partitions is the WHERE condition on the partition columns that limits a
// query to the hours of the windows (and the distributions, when given):
// what Athena's partition projection turns into the list of S3 prefixes to
// read. The hosts of report.Filter, when given, are a further condition on
// the rows.
func (p *queryPlan) partitions(windows ...source.Window) string {
	var ranges []dataset.HourRange
	for _, w := range windows {
		if r, ok := hours(w); ok {
			ranges = append(ranges, r)
		}
	}
	cond := dataset.PartitionPredicate(ranges...)
	if len(p.dists) > 0 {
		q := make([]string, len(p.dists))
		for i, d := range p.dists {
			q[i] = str(d)
		}
		cond = "distribution IN (" + strings.Join(q, ", ") + ") AND " + cond
	}
	if len(p.hosts) > 0 {
		// The local engine's match: x-host-header, else cs(Host), any case.
		q := make([]string, len(p.hosts))
		for i, h := range p.hosts {
			q[i] = str(strings.ToLower(h))
		}
		cond += " AND lower(coalesce(x_host_header, cs_host)) IN (" + strings.Join(q, ", ") + ")"
	}
	return cond
}

// windowsJoin joins each record with the periods it falls in: (0, the
// window) and (1, the baseline). A record in both (a baseline shorter
// than the window) is counted in both, as the local engine does.
func (p *queryPlan) windowsJoin() (join, cond string, all []source.Window) {
	all = []source.Window{p.win}
	rows := []string{fmt.Sprintf("(0, %s, %s, %d)", ts(p.win.From), ts(p.win.Until), p.origin.UnixMilli())}
	if p.base != nil {
		all = append(all, *p.base)
		rows = append(rows, fmt.Sprintf("(1, %s, %s, %d)", ts(p.base.From), ts(p.base.Until), p.baseOrigin.UnixMilli()))
	}
	return "CROSS JOIN (VALUES " + strings.Join(rows, ", ") + ") AS wins (w, f, u, fms)",
		"request_time >= wins.f AND request_time < wins.u", all
}

// authKey is, for the NextAuth endpoint figures, the path of a request
// that may lie under the auth prefix (detectors.ClassifyAuthPath decides),
// NULL for the others. The classifier normalises a path with %, "//" or a
// dot segment first: such a path can only land under the prefix if its
// decoded form holds the prefix's last segment.
func (p *queryPlan) authKey(path, decoded string) string {
	seg := p.auth[strings.LastIndexByte(p.auth, '/')+1:]
	return fmt.Sprintf("CASE WHEN strpos(%[1]s, '%%') > 0 OR strpos(%[1]s, '//') > 0 OR strpos(%[1]s, '/.') > 0 "+
		"THEN (CASE WHEN strpos(%[2]s, %[3]s) > 0 THEN %[1]s END) "+
		"WHEN substr(%[1]s, 1, %[4]d) = %[5]s THEN %[1]s END", path, decoded, str(seg), len(p.auth), str(p.auth))
}

// figuresSQL computes, per period, the status and result-type mix with
// the totals, the time series, and the NextAuth paths per point and per
// status, in one scan (three grouping sets, told apart by grouping()); and
// in a last row (g = setLatest) the time of the latest record of the
// partitions read, in the periods or not: how far the logs delivered so far
// reach (report.Input.LastRecord), as the local engine sees it in the same
// files.
func (p *queryPlan) figuresSQL() string {
	join, cond, all := p.windowsJoin()
	iv := p.interval.Milliseconds()
	return fmt.Sprintf(`WITH r AS (
  SELECT wins.w AS w,
    %[1]s - wins.fms AS off,
    coalesce(sc_status, -1) AS s,
    coalesce(x_edge_result_type, '') AS rt,
    coalesce(sc_bytes, 0) AS bs,
    coalesce(cs_bytes, 0) AS br,
    %[1]s AS ms,
    %[2]s AS ak
  FROM %[3]s %[4]s
  WHERE %[5]s AND %[6]s
), p AS (
  SELECT w, off - off %% %[7]d AS o, s, rt, bs, br, ms, ak FROM r
)
SELECT grouping(s, rt, o, ak) AS g, w, s, rt, o, ak,
  count(*) AS n,
  CAST(sum(bs) AS BIGINT) AS bs,
  CAST(sum(br) AS BIGINT) AS br,
  min(ms) AS first_ms,
  max(ms) AS last_ms,
  CAST(sum(CASE WHEN s BETWEEN 400 AND 499 THEN 1 ELSE 0 END) AS BIGINT) AS e4,
  CAST(sum(CASE WHEN s BETWEEN 500 AND 599 THEN 1 ELSE 0 END) AS BIGINT) AS e5,
  CAST(sum(CASE WHEN rt IN ('Hit', 'RefreshHit') THEN 1 ELSE 0 END) AS BIGINT) AS hits,
  CAST(sum(CASE WHEN rt = 'Miss' THEN 1 ELSE 0 END) AS BIGINT) AS misses
FROM p
GROUP BY GROUPING SETS ((w, s, rt), (w, o, ak), (w, ak, s))
UNION ALL
SELECT %[8]d, NULL, NULL, NULL, NULL, NULL, count(*), NULL, NULL, NULL, max(%[1]s), NULL, NULL, NULL, NULL
FROM %[3]s
WHERE %[5]s`,
		epochMS, p.authKey("coalesce(cs_uri_stem, '')", "coalesce(cs_uri_stem_decoded, '')"),
		p.table, join, p.partitions(all...), cond, iv, setLatest)
}

// nearestSQL returns the time (Unix ms) of the latest request before the
// window and of the earliest at or after its end, within reach of it (NULL
// for none): one scan of request_time over the partitions of those days.
func (p *queryPlan) nearestSQL(reach time.Duration) string {
	around := source.Window{From: p.win.From.Add(-reach), Until: p.win.Until.Add(reach)}
	return fmt.Sprintf(`SELECT
  max(CASE WHEN request_time < %[1]s THEN %[3]s END) AS before_ms,
  min(CASE WHEN request_time >= %[2]s THEN %[3]s END) AS after_ms
FROM %[4]s
WHERE %[5]s AND (request_time < %[1]s OR request_time >= %[2]s) AND request_time >= %[6]s AND request_time < %[7]s`,
		ts(p.win.From), ts(p.win.Until), epochMS, p.table, p.partitions(around), ts(around.From), ts(around.Until))
}

// Grouping sets of figuresSQL, as grouping(s, rt, o, ak) numbers them (a
// bit set for each column the set does not group by).
const (
	setStatus   = 0b0011 // (w, s, rt)
	setPoints   = 0b1100 // (w, o, ak)
	setAuthCode = 0b0110 // (w, ak, s)
	setLatest   = 0b1111 // not a grouping set: the latest record (last_ms) of the partitions
)

// pathsSQL returns, per period and status, the requests and bytes of the
// paths the report's tables may show: the window's TopN by requests and by
// errors (with some to spare, so that ties are settled as the local engine
// settles them), and with a baseline the paths whose error rate changed by
// about a percent or more.
func (p *queryPlan) pathsSQL() string {
	join, cond, all := p.windowsJoin()
	k := p.topN + 16
	changed := ""
	if p.base != nil {
		changed = `
  UNION
  SELECT c.p FROM pt c JOIN pt b ON b.p = c.p
  WHERE c.w = 0 AND b.w = 1 AND c.req >= 20
    AND abs(CAST(c.err AS DOUBLE) / c.req - CAST(b.err AS DOUBLE) / b.req) >= 0.009`
	}
	return fmt.Sprintf(`WITH r AS (
  SELECT wins.w AS w, coalesce(cs_uri_stem, '') AS p, coalesce(sc_status, 0) AS s, coalesce(sc_bytes, 0) AS b
  FROM %[1]s %[2]s
  WHERE %[3]s AND %[4]s
), ps AS (
  SELECT w, p, s, count(*) AS n, sum(b) AS b FROM r GROUP BY w, p, s
), pt AS (
  SELECT w, p, sum(n) AS req, sum(CASE WHEN s BETWEEN 400 AND 599 THEN n ELSE 0 END) AS err FROM ps GROUP BY w, p
), ranked AS (
  SELECT p, err,
    row_number() OVER (ORDER BY req DESC, p) AS rq,
    row_number() OVER (ORDER BY err DESC, p) AS re
  FROM pt WHERE w = 0
), sel AS (
  SELECT p FROM ranked WHERE rq <= %[5]d OR (re <= %[5]d AND err > 0)%[6]s
)
SELECT ps.w, ps.p, ps.s, ps.n, CAST(ps.b AS BIGINT) AS b
FROM ps JOIN sel ON sel.p = ps.p`, p.table, join, p.partitions(all...), cond, k, changed)
}

// layersSQL returns the window's failed requests (status 000 or 400–599)
// counted by what the report's attribution tells apart
// (report.FailureCount): host (x-host-header, else cs(Host)), the path when
// it may lie under the auth prefix (authKey), the API prefix the path lies
// under as logged, the reason (detectors.ReasonSQL), the status and the
// detailed result type (else the result type, else "-").
func (p *queryPlan) layersSQL() string {
	api := "''"
	if len(p.apis) > 0 {
		var b strings.Builder
		b.WriteString("CASE")
		for _, a := range p.apis {
			fmt.Fprintf(&b, " WHEN %s THEN %s", hasPrefix("p", a), str(a))
		}
		b.WriteString(" ELSE '' END")
		api = b.String()
	}
	return fmt.Sprintf(`WITH r AS (
  SELECT
    CASE WHEN coalesce(x_host_header, '') <> '' THEN x_host_header ELSE coalesce(cs_host, '') END AS h,
    coalesce(cs_uri_stem, '') AS p,
    coalesce(cs_uri_stem_decoded, '') AS d,
    %[1]s AS reason,
    sc_status AS s,
    CASE WHEN coalesce(x_edge_detailed_result_type, '') <> '' THEN x_edge_detailed_result_type
      WHEN coalesce(x_edge_result_type, '') <> '' THEN x_edge_result_type ELSE '-' END AS dt
  FROM %[2]s
  WHERE %[3]s AND request_time >= %[4]s AND request_time < %[5]s
    AND (sc_status = 0 OR sc_status BETWEEN 400 AND 599)
), k AS (
  SELECT h, %[6]s AS ak, %[7]s AS api, reason, s, dt FROM r WHERE reason <> ''
)
SELECT h, ak, api, reason, s, dt, count(*) AS n
FROM k
GROUP BY h, ak, api, reason, s, dt
ORDER BY h, ak, api, reason, s, dt`,
		detectors.ReasonSQL(), p.table, p.partitions(p.win), ts(p.win.From), ts(p.win.Until),
		p.authKey("p", "d"), api)
}

// hasPrefix is the detectors' path-prefix test (hasPathPrefix) in SQL: x is
// prefix or lies under it.
func hasPrefix(x, prefix string) string {
	n := len(prefix)
	return fmt.Sprintf("(substr(%[1]s, 1, %[2]d) = %[3]s AND (length(%[1]s) = %[2]d OR substr(%[1]s, %[4]d, 1) = '/'))",
		x, n, str(prefix), n+1)
}

// Path kinds of detectSQL.
const (
	kindStatic = 0 // the default behavior: "/*"
	kindAPI    = 1 // under an API prefix, not the auth one
	kindAuth   = 2 // under the auth prefix
	kindRaw    = 3 // needs the detectors' own normalisation: replayed as logged
)

// staticPath stands in a replay for the static paths counted in bulk: a
// path of the default behavior that is no page (it has an extension), so
// that the detectors count it for no page (method-rejected).
const staticPath = "/cfwatch.static"

// place is the detectors' placement (Engine.place) of a normalised path
// x, as the path that stands for it in a replay and its kind: an auth path
// as it is, an API path as "<prefix>/<first segment>" (its origin-errors
// group), any other path as staticPath.
func (p *queryPlan) place(x string) (path, kind string) {
	var pc, kc strings.Builder
	pc.WriteString("CASE")
	kc.WriteString("CASE")
	fmt.Fprintf(&pc, " WHEN %s THEN %s", hasPrefix(x, p.auth), x)
	fmt.Fprintf(&kc, " WHEN %s THEN %d", hasPrefix(x, p.auth), kindAuth)
	for _, a := range p.apis {
		fmt.Fprintf(&pc, " WHEN %s THEN %s || split_part(substr(%s, %d), '/', 1)", hasPrefix(x, a), str(a+"/"), x, len(a)+2)
		fmt.Fprintf(&kc, " WHEN %s THEN %d", hasPrefix(x, a), kindAPI)
	}
	fmt.Fprintf(&pc, " ELSE %s END", str(staticPath))
	fmt.Fprintf(&kc, " ELSE %d END", kindStatic)
	return pc.String(), kc.String()
}

// pathClass is what the detectors make of a path (Engine.classify): a path
// with no %, "//" or dot segment is placed as it is; one with % is placed
// by its decoded form (cs_uri_stem_decoded is logparse.Decode's), unless
// that form still needs normalising; one with "//" or a dot segment is
// normalised only when its second byte may start an API prefix or is "/"
// or "." (Engine.mayBeAPI), else it is static. Paths that need the detectors' normalisation (dot segments,
// double slashes after decoding) are replayed as logged: kindRaw.
func (p *queryPlan) pathClass(raw, dec string) (path, kind string) {
	second := map[string]bool{"'/'": true, "'.'": true} // "//" and "/." may normalise onto a prefix
	for _, a := range append([]string{p.auth}, p.apis...) {
		if len(a) > 1 {
			second[str(a[1:2])] = true
		}
	}
	seconds := slices.Sorted(func(yield func(string) bool) {
		for s := range second {
			if !yield(s) {
				return
			}
		}
	})
	// A "//" or a dot segment ("/./", "/../", or "/." or "/.." at the end):
	// needsNormalizing without its %. "/.env" is no dot segment.
	odd := func(x string) string {
		return fmt.Sprintf("(strpos(%[1]s, '//') > 0 OR strpos(%[1]s, '/./') > 0 OR strpos(%[1]s, '/../') > 0 OR %[1]s LIKE '%%/.' OR %[1]s LIKE '%%/..')", x)
	}
	rawP, rawK := p.place(raw)
	decP, decK := p.place(dec)
	path = fmt.Sprintf("CASE WHEN strpos(%[1]s, '%%') > 0 THEN (CASE WHEN strpos(%[2]s, '%%') > 0 OR %[3]s THEN %[1]s ELSE %[4]s END) "+
		"WHEN %[5]s THEN (CASE WHEN substr(%[1]s, 2, 1) IN (%[6]s) THEN %[1]s ELSE %[8]s END) ELSE %[7]s END",
		raw, dec, odd(dec), decP, odd(raw), strings.Join(seconds, ", "), rawP, str(staticPath))
	kind = fmt.Sprintf("CASE WHEN strpos(%[1]s, '%%') > 0 THEN (CASE WHEN strpos(%[2]s, '%%') > 0 OR %[3]s THEN %[8]d ELSE %[4]s END) "+
		"WHEN %[5]s THEN (CASE WHEN substr(%[1]s, 2, 1) IN (%[6]s) THEN %[8]d ELSE %[9]d END) ELSE %[7]s END",
		raw, dec, odd(dec), decK, odd(raw), strings.Join(seconds, ", "), rawK, kindRaw, kindStatic)
	return path, kind
}

// nextAuthCookie is the detectors' test for a NextAuth cookie
// (hasNextAuthCookie) on a cookie header whose separators are not encoded:
// a pair, after the blanks that follow ";", whose name is next-auth.*,
// authjs.* or better-auth.*, maybe behind __Secure- or __Host-. A count
// row keeps the library of the first such cookie (group 4), for the
// detectors' auth_library detection.
const nextAuthCookie = `(^|;)( |%20|%2520)*(__Secure-|__Host-)?(next-auth|authjs|better-auth)\.[^=;]`

// sessionChunk matches, in a cookie header whose ';' are doubled (so that
// one match's closing ';' leaves the next pair its opening one), a pair
// named as NextAuth's session token or one of its chunks, as the detectors
// count them (detectors.SessionChunks): after the blanks that follow ";",
// maybe behind __Secure- and then __Host-, the name of the token, alone or
// followed by "." and one to three digits (group 1), up to the '=' (or the
// end of a pair without one).
const sessionChunk = `(?:^|;)(?: |%20|%2520)*(?:__Secure-)?(?:__Host-)?(?:next-auth\.session-token|authjs\.session-token|better-auth\.session_token)((?:\.[0-9]{1,3})?)(?:=|;|$)`

// sessionChunks is the SQL of detectors.SessionChunks over the cookie
// header ck: how many cookies the session token is split into (0 for
// none).
func (p *queryPlan) sessionChunks(ck string) string {
	transform, greatest := "transform", "array_max"
	if p.dialect == DuckDB {
		transform, greatest = "list_transform", "list_max"
	}
	return fmt.Sprintf("coalesce(%s(%s(regexp_extract_all(replace(%s, ';', ';;'), %s, 1), c -> 1 + coalesce(CAST(nullif(substr(c, 2), '') AS INTEGER), 0))), 0)",
		greatest, transform, ck, str(sessionChunk))
}

// sizeBin is the detectors' bin of request sizes on the auth prefix
// (auth-cookie-oversize's histogram); sizeBins of them, the last holding
// the rest.
const (
	sizeBin  = 512
	sizeBins = 2*detectors.CloudFrontMaxHeaderBytes/sizeBin + 1
)

// Columns of detectSQL's rows, in order.
const (
	dcT = iota // Unix ms: the request's, or its bucket's start for a count
	dcDetail
	dcFile
	dcRow
	dcDist
	dcHostHeader
	dcHost
	dcPath
	dcMethod
	dcStatus
	dcResult
	dcDetailed
	dcResponse // x-edge-response-result-type
	dcFLE      // fle-status
	dcProtocol
	dcTTFB // detectors.TTFBClass: 0 absent, 1 zero, 2 positive, 3 negative, 4 up to detectors.EdgeOnlyTTFB (0.001), 5 from detectors.OriginReadTimeoutTTFB (27 s)
	dcContentType
	dcContentLength
	dcCookie // of a count on the auth prefix, with the session token's chunks
	dcQuery
	dcRequestID
	dcClientIP
	dcIgnorable // 1: the replay tests the path against ignore_paths
	dcBytes     // cs-bytes; of a count on the auth prefix, the most in its size bin
	dcN
	numDetectColumns
)

// detectSQL returns the window's requests in the form the detectors need,
// in the order they are to be replayed (see the package comment):
//
//   - every request that fails one of the rules (its SQL in the rule table,
//     detectors.RuleSpec.FailsSQL, within its scope), that CloudFront
//     refused (InvalidRequestMethod, which every rule reads), that is a
//     4xx on an API path (whose result types and time-to-first-byte the
//     rules tell apart) or that counts for NextAuth through a
//     *.cloudfront.net name, as it was logged (detail 1), with the fields
//     the rules read;
//   - the other requests counted per bucket of the detectors' window and
//     per everything the rules tell apart in them (detail 0): distribution,
//     host, path class, method, status, content type, cookie class. On a
//     static path that CloudFront refused a method on (a candidate page of
//     method-rejected), the path is kept, the method and status as classes
//     (GET/HEAD, a method a behavior can allow, other; success or not),
//     and the client of the first successful GET/HEAD of each of its first
//     page_min_clients clients: what the detectors need to tell whether it
//     is a page many visitors load. On the auth prefix, the size bin and
//     the session token's chunks too (sizeCols).
//
// Requests of ignore_paths are left out, matched against the path the
// detectors would see; those whose path only the detectors can normalise
// (kind 3) are marked (column o_ig) for the replay to test.
func (p *queryPlan) detectSQL() string {
	w := p.cfg.Window.Milliseconds()
	path, kind := p.pathClass("p", "d")
	rowCol, order := "0", "o_file, o_t, o_rid"
	if p.dialect == DuckDB {
		rowCol, order = "file_row_number", "o_file, o_rn, o_t"
	}
	ruleCols, ruleDetail := p.ruleFailures()
	sz := p.sizeCols()
	return fmt.Sprintf(`WITH r AS (
  SELECT "$path" AS file,
    %[1]s AS rn,
    %[2]s AS ms,
    coalesce(distribution_id, '') AS dist,
    coalesce(x_host_header, '') AS hh,
    coalesce(cs_host, '') AS ch,
    coalesce(cs_uri_stem, '') AS p,
    coalesce(cs_uri_stem_decoded, '') AS d,
    coalesce(cs_method, '') AS m,
    coalesce(sc_status, -1) AS s,
    coalesce(x_edge_result_type, '') AS rt,
    coalesce(x_edge_detailed_result_type, '') AS dt,
    coalesce(x_edge_response_result_type, '') AS rrt,
    coalesce(fle_status, '') AS fle,
    coalesce(cs_protocol, '') AS proto,
    CASE WHEN time_to_first_byte IS NULL THEN 0 WHEN time_to_first_byte = 0 THEN 1 WHEN time_to_first_byte <= CAST(0.001 AS REAL) AND time_to_first_byte > 0 THEN 4
      WHEN time_to_first_byte >= CAST(%[23]g AS REAL) THEN 5 WHEN time_to_first_byte > 0 THEN 2 ELSE 3 END AS ttfb,
    coalesce(sc_content_type, '') AS ct,
    coalesce(sc_content_len, 0) AS cl,
    coalesce(cs_bytes, 0) AS cs,
    coalesce(cs_cookie, '') AS ck,
    coalesce(cs_uri_query, '') AS q,
    coalesce(x_edge_request_id, '') AS rid,
    coalesce(c_ip, '') AS ip%[14]s
  FROM %[3]s
  WHERE %[4]s AND request_time >= %[5]s AND request_time < %[6]s
), k AS (
  SELECT r.*, %[7]s AS pk, %[8]s AS kind,
    CASE WHEN hh <> '' THEN hh ELSE ch END AS hk,
    CASE WHEN strpos(p, '%%') > 0 THEN d ELSE p END AS np
  FROM r
), f AS (
  SELECT k.*, %[17]s AS sc FROM k WHERE %[12]s
), cand AS (
  SELECT DISTINCT dist, hk, np FROM f
  WHERE kind = 0 AND dt = 'InvalidRequestMethod' AND m IN ('POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
), gc AS (
  SELECT dist, hk, np, ip, first_ms FROM (
    SELECT g.dist, g.hk, g.np, g.ip, g.first_ms, row_number() OVER (PARTITION BY g.dist, g.hk, g.np ORDER BY g.ip) AS rk
    FROM (
      SELECT f.dist, f.hk, f.np, f.ip, min(f.ms) AS first_ms
      FROM f JOIN cand ON cand.dist = f.dist AND cand.hk = f.hk AND cand.np = f.np
      WHERE f.kind = 0 AND f.m IN ('GET', 'HEAD') AND f.s BETWEEN 200 AND 399 AND f.dt <> 'InvalidRequestMethod' AND f.ip <> ''
      GROUP BY f.dist, f.hk, f.np, f.ip
    ) g
  ) ranked
  WHERE rk <= %[13]d
), x AS (
  SELECT f.*,
    CASE WHEN cand.np IS NULL THEN 0 ELSE 1 END AS cnd,
    CASE WHEN gc.ip IS NULL THEN 0 ELSE 1 END AS gip,
    CASE WHEN f.dt = 'InvalidRequestMethod'
      OR (f.kind > 0 AND f.s BETWEEN 400 AND 499 AND (f.s NOT IN (401, 404) OR f.m = 'OPTIONS'))
      OR (f.kind > 0 AND f.s BETWEEN 400 AND 499 AND (f.dt IN ('ClientGeoBlocked', 'InvalidRequestBlocked')
        OR ((f.dt = 'Error' OR (f.dt = '' AND f.rt = 'Error')) AND f.ttfb IN (1, 4))))
      OR (f.kind >= 2 AND f.hk LIKE '%%.cloudfront.net')%[15]s
    THEN 1 ELSE 0 END AS detail
  FROM f
  LEFT JOIN cand ON f.kind = 0 AND cand.dist = f.dist AND cand.hk = f.hk AND cand.np = f.np
  LEFT JOIN gc ON f.kind = 0 AND f.m IN ('GET', 'HEAD') AND f.s BETWEEN 200 AND 399
    AND gc.dist = f.dist AND gc.hk = f.hk AND gc.np = f.np AND gc.ip = f.ip AND gc.first_ms = f.ms
), y AS (
  SELECT
    %[18]s AS o_t,
    detail AS o_detail,
    CASE WHEN detail = 1 THEN file ELSE '' END AS o_file,
    CASE WHEN detail = 1 THEN rn ELSE 0 END AS o_rn,
    dist AS o_dist, hh AS o_hh, ch AS o_ch,
    CASE WHEN detail = 1 THEN p WHEN cnd = 1 THEN np ELSE pk END AS o_path,
    CASE WHEN detail = 1 OR kind > 0 THEN m WHEN m IN ('GET', 'HEAD') THEN 'GET'
      WHEN cnd = 0 OR m IN ('POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') THEN 'POST' ELSE m END AS o_m,
    CASE WHEN detail = 1 OR kind > 0 THEN s WHEN cnd = 0 OR s BETWEEN 200 AND 399 THEN 200 ELSE 404 END AS o_s,
    CASE WHEN detail = 1 THEN rt ELSE 'Miss' END AS o_rt,
    CASE WHEN detail = 1 THEN dt ELSE '' END AS o_dt,
    CASE WHEN detail = 1 THEN rrt ELSE '' END AS o_rrt,
    CASE WHEN detail = 1 THEN fle ELSE '' END AS o_fle,
    CASE WHEN detail = 1 THEN proto ELSE 'https' END AS o_proto,
    CASE WHEN detail = 1 THEN ttfb ELSE 0 END AS o_ttfb,
    CASE WHEN detail = 1 THEN ct WHEN kind = 0 OR ct = '' THEN '' WHEN strpos(ct, 'json') > 0 THEN 'application/json' WHEN lower(ct) LIKE 'text/html%%' THEN 'text/html' ELSE 'text/plain' END AS o_ct,
    CASE WHEN detail = 1 THEN cl ELSE 0 END AS o_cl,
    CASE WHEN detail = 1 OR ck = '' THEN ck
      WHEN strpos(ck, '%%3B') > 0 OR strpos(ck, '%%3b') > 0 OR strpos(ck, '%%253B') > 0 THEN ck
      WHEN %[10]s THEN %[19]s
      ELSE 'x=' END AS o_ck,
    CASE WHEN detail = 1 THEN q ELSE '' END AS o_q,
    CASE WHEN detail = 1 THEN rid ELSE '' END AS o_rid,
    CASE WHEN detail = 1 OR gip = 1 OR (kind = 3 AND m IN ('GET', 'HEAD') AND s BETWEEN 200 AND 399) THEN ip ELSE '' END AS o_ip,
    CASE WHEN kind = 3 THEN 1 ELSE 0 END AS o_ig,
    %[20]s AS o_sz,
    CASE WHEN detail = 1%[21]s THEN cs ELSE 0 END AS o_b
  FROM x
)
SELECT o_t, o_detail, o_file, o_rn, o_dist, o_hh, o_ch, o_path, o_m, o_s, o_rt, o_dt, o_rrt, o_fle, o_proto, o_ttfb, o_ct, o_cl, o_ck, o_q, o_rid, o_ip, o_ig, max(o_b) AS b, count(*) AS n
FROM y
GROUP BY o_t, o_detail, o_file, o_rn, o_dist, o_hh, o_ch, o_path, o_m, o_s, o_rt, o_dt, o_rrt, o_fle, o_proto, o_ttfb, o_ct, o_cl, o_ck, o_q, o_rid, o_ip, o_ig, o_sz
ORDER BY o_t - o_t %% %[9]d%[22]s, o_detail, %[11]s, o_dist, o_hh, o_ch, o_path, o_m, o_s, o_rt, o_dt, o_rrt, o_fle, o_proto, o_ttfb, o_ct, o_cl, o_ck, o_q, o_rid, o_ip, o_sz`,
		rowCol, epochMS, p.table, p.partitions(p.win), ts(p.win.From), ts(p.win.Until),
		path, kind, w, p.regex("ck", nextAuthCookie), order, p.notIgnored("kind", "np"), p.cfg.MethodRejected.PageMinClients,
		ruleCols, ruleDetail+sz.detail, str(nextAuthCookie), sz.chunks, sz.t, sz.cookie, sz.bin, sz.bytes, sz.order,
		detectors.OriginReadTimeoutTTFB)
}

// sizeCols are the parts of detectSQL that carry to the replay what
// auth-cookie-oversize reads of every request on the auth prefix, not only
// of those that fail it: its size (cs-bytes) and the session token's
// chunks (detectors' sizeState). The other requests on the auth prefix are
// counted, in addition, by the size bin of the rule's histogram and by
// their number of chunks: a count row replays its requests with the
// largest size of its bin (the same bin, so the same histogram and
// maximum) and a cookie with as many chunks (same library, same chunks for
// the rule). When the window does not divide an hour, those counts are
// split at the hour too, and a bucket's rows replayed hour by hour (the
// rule keeps the chunks of the first and last hour). Other requests are
// counted as before; with the rule off, nothing changes.
type sizeCols struct {
	chunks string // column sc of step f: the session token's chunks
	t      string // o_t: the replay time
	cookie string // o_ck of a count with a NextAuth cookie
	bin    string // o_sz: the size bin (a detail row's own size)
	bytes  string // condition, after "detail = 1", to keep cs-bytes in o_b
	detail string // condition, after the rules', for a detail row
	order  string // ORDER BY terms after the bucket
}

func (p *queryPlan) sizeCols() sizeCols {
	w := p.cfg.Window.Milliseconds()
	lib := "regexp_extract(ck, " + str(nextAuthCookie) + ", 4)"
	c := sizeCols{
		chunks: "0",
		t:      fmt.Sprintf("CASE WHEN detail = 1 THEN ms ELSE ms - ms %% %d END", w),
		cookie: "concat(" + lib + ", '.session-token=')",
		bin:    "CASE WHEN detail = 1 THEN cs ELSE 0 END",
	}
	if p.cfg.AuthCookieOversize.Disabled {
		return c
	}
	c.chunks = fmt.Sprintf("CASE WHEN kind >= %d AND strpos(ck, 'session') > 0 THEN %s ELSE 0 END", kindAuth, p.sessionChunks("ck"))
	if hour := time.Hour.Milliseconds(); hour%w != 0 {
		c.t = fmt.Sprintf("CASE WHEN detail = 1 THEN ms WHEN kind >= %d THEN greatest(ms - ms %% %d, ms - ms %% %d) ELSE ms - ms %% %d END", kindAuth, w, hour, w)
		c.order = fmt.Sprintf(", o_t - o_t %% %d", hour)
	}
	// A cookie of the library of the first NextAuth cookie, as the other
	// counts keep it, named as the token's sc-th chunk (….session-token.N,
	// Better Auth's ….session_token.N), or as no token for none.
	c.cookie = fmt.Sprintf("CASE WHEN kind < %[1]d THEN concat(%[2]s, '.session-token=') WHEN sc = 0 THEN concat(%[2]s, '.cookie=') "+
		"ELSE replace(concat(%[2]s, '.session-token.', CAST(sc - 1 AS VARCHAR), '='), 'better-auth.session-token.', 'better-auth.session_token.') END", kindAuth, lib)
	// The histogram's bin, the last holding the rest.
	c.bin = fmt.Sprintf("CASE WHEN detail = 1 THEN cs WHEN kind >= %d THEN least(greatest(cs, 0) - greatest(cs, 0) %% %d, %d) ELSE 0 END",
		kindAuth, sizeBin, (sizeBins-1)*sizeBin)
	c.bytes = fmt.Sprintf(" OR kind >= %d", kindAuth)
	// The rule's Go predicate with the configured warn_bytes, which may be
	// under its SQL's (the default's).
	c.detail = fmt.Sprintf("\n      OR (%s AND f.cs >= %d)", scopeKinds(detectors.ScopeAPI), p.cfg.AuthCookieOversize.WarnBytes)
	return c
}

// ruleFailures returns the columns of detectSQL's first step that tell
// whether a row fails each rule (its detectors.RuleSpec.FailsSQL, over the
// dataset's columns), and the condition on them, each within the rule's
// scope, that makes a row a detail row.
func (p *queryPlan) ruleFailures() (cols, detail string) {
	var c, d strings.Builder
	for i, r := range detectors.RuleSpecs() {
		fails := r.FailsSQL
		if p.dialect == DuckDB {
			fails = strings.ReplaceAll(fails, "regexp_like(", "regexp_matches(")
		}
		fmt.Fprintf(&c, ",\n    coalesce((%s), false) AS rf%d", fails, i)
		fmt.Fprintf(&d, "\n      OR (%s AND f.rf%d)", scopeKinds(r.Scope), i)
	}
	// origin-errors leaves out the 5xx of the edge-compute layer, whose
	// result types the replay reads: a count row would read as an origin's.
	c.WriteString(",\n    coalesce(sc_status BETWEEN 500 AND 599 OR x_edge_detailed_result_type LIKE 'Origin%Error', false) AS rf5xx")
	d.WriteString("\n      OR f.rf5xx")
	return c.String(), d.String()
}

// scopeKinds is the condition on a row's path kind that a rule of scope
// sc sees it (kindRaw: the replay decides, so any rule may).
func scopeKinds(sc detectors.Scope) string {
	var or []string
	if sc&detectors.ScopeDefault != 0 {
		or = append(or, fmt.Sprintf("f.kind IN (%d, %d)", kindStatic, kindRaw))
	}
	switch {
	case sc&detectors.ScopeAPI != 0:
		or = append(or, fmt.Sprintf("f.kind >= %d", kindAPI))
	case sc&(detectors.ScopeAuth|detectors.ScopeEndpoint) != 0:
		or = append(or, fmt.Sprintf("f.kind >= %d", kindAuth))
	}
	if len(or) == 0 {
		return "1 = 0"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// notIgnored is the condition that a request is not one of ignore_paths:
// its normalised path np (the detectors' for kinds 0-2) matches none of
// the patterns. Kind 3 paths are left to the replay.
func (p *queryPlan) notIgnored(kind, np string) string {
	if len(p.cfg.IgnorePaths) == 0 {
		return "1 = 1"
	}
	likes := make([]string, len(p.cfg.IgnorePaths))
	for i, g := range p.cfg.IgnorePaths {
		likes[i] = fmt.Sprintf("%s LIKE %s ESCAPE '\\'", np, str(detectors.LikePattern(g)))
	}
	return fmt.Sprintf("NOT (%s <> %d AND (%s))", kind, kindRaw, strings.Join(likes, " OR "))
}

package loggen

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// Field indexes (0-based) of the 33 legacy fields.
const (
	fDate = iota
	fTime
	fEdge
	fScBytes
	fIP
	fMethod
	fHost
	fStem
	fStatus
	fReferer
	fUA
	fQuery
	fCookie
	fResult
	fReqID
	fHostHeader
	fProto
	fCsBytes
	fTaken
	fXFF
	fSSLProto
	fCipher
	fRespResult
	fProtoVer
	fFLEStatus
	fFLEFields
	fPort
	fTTFB
	fDetailed
	fCType
	fCLen
	fRangeStart
	fRangeEnd
)

var t0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

type rec []string

func (r rec) when(t *testing.T) time.Time {
	ts, err := time.Parse("2006-01-02 15:04:05", r[fDate]+" "+r[fTime])
	if err != nil {
		t.Fatalf("bad date/time %q %q: %v", r[fDate], r[fTime], err)
	}
	return ts
}

// legitAPI matches the site's real /api endpoints (not scanner probes).
var legitAPI = regexp.MustCompile(`^/api/(auth/(session|csrf|providers|callback/[a-z]+|signin/[a-z]+|signout|_log)|items(/[0-9]+)?|profile)$`)

func isAuth(r rec) bool {
	return legitAPI.MatchString(r[fStem]) && strings.HasPrefix(r[fStem], "/api/auth/")
}
func isAPI(r rec) bool { return legitAPI.MatchString(r[fStem]) }

// isScannerPost reports a scanner's POST to a static path, which the
// default behavior refuses (healthy traffic has them).
func isScannerPost(r rec) bool {
	return r[fMethod] == "POST" && r[fDetailed] == "InvalidRequestMethod" && !strings.HasPrefix(r[fStem], "/api")
}

// parse splits a plain-text log into records, checking the header and the
// field count of every line.
func parse(t *testing.T, data []byte) []rec {
	t.Helper()
	s := string(data)
	if !strings.HasPrefix(s, Header) {
		t.Fatalf("output does not start with the header; got %.200q", s)
	}
	body := strings.TrimPrefix(s, Header)
	if body == "" {
		return nil
	}
	if !strings.HasSuffix(body, "\n") {
		t.Fatalf("output does not end with a newline")
	}
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	out := make([]rec, len(lines))
	for i, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != NumFields {
			t.Fatalf("line %d has %d fields: %q", i+3, len(f), l)
		}
		for j, v := range f {
			if v == "" || strings.ContainsAny(v, " \r") {
				t.Fatalf("line %d field %d empty or contains a space: %q", i+3, j, l)
			}
		}
		out[i] = f
	}
	return out
}

func generate(t *testing.T, cfg Config) ([]byte, []rec) {
	t.Helper()
	var buf bytes.Buffer
	n, err := Stream(&buf, cfg)
	if err != nil {
		t.Fatal(err)
	}
	recs := parse(t, buf.Bytes())
	if n != len(recs) {
		t.Fatalf("Stream returned %d, wrote %d records", n, len(recs))
	}
	return buf.Bytes(), recs
}

func baseCfg() Config {
	return Config{Seed: 7, Start: t0, Duration: 3 * time.Hour, RequestsPerHour: 6000}
}

func TestHeaderExact(t *testing.T) {
	want := "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"
	if Header != want {
		t.Fatalf("Header = %q", Header)
	}
	if n := len(strings.Fields(strings.TrimPrefix(strings.Split(Header, "\n")[1], "#Fields:"))); n != NumFields {
		t.Fatalf("header names %d fields", n)
	}
}

func TestStreamFormat(t *testing.T) {
	cfg := baseCfg()
	cfg.Start = time.Date(2026, 11, 20, 21, 30, 0, 0, time.UTC) // crosses midnight
	_, recs := generate(t, cfg)
	if len(recs) < 10000 {
		t.Fatalf("only %d records for 3h at 6000/h", len(recs))
	}
	end := cfg.Start.Add(cfg.Duration)
	var prev time.Time
	ids := map[string]bool{}
	reqID := regexp.MustCompile(`^[A-Za-z0-9_-]{54}==$`)
	ttime := regexp.MustCompile(`^[0-9]+\.[0-9]{3}$`)
	days := map[string]bool{}
	customHost := 0
	for i, r := range recs {
		ts := r.when(t)
		if ts.Before(cfg.Start) || !ts.Before(end) {
			t.Fatalf("record %d at %v outside window", i, ts)
		}
		if ts.Before(prev) {
			t.Fatalf("record %d at %v before previous %v", i, ts, prev)
		}
		prev = ts
		days[r[fDate]] = true
		if !reqID.MatchString(r[fReqID]) || ids[r[fReqID]] {
			t.Fatalf("bad or duplicate request id %q", r[fReqID])
		}
		ids[r[fReqID]] = true
		if r[fHost] != DefaultCloudFrontDomain {
			t.Fatalf("cs(Host) = %q", r[fHost])
		}
		if r[fHostHeader] == DefaultDomain {
			customHost++
		}
		if !ttime.MatchString(r[fTaken]) || !ttime.MatchString(r[fTTFB]) {
			t.Fatalf("bad timings %q %q", r[fTaken], r[fTTFB])
		}
		if r[fTTFB] > r[fTaken] && len(r[fTTFB]) == len(r[fTaken]) {
			t.Fatalf("ttfb %s > time-taken %s", r[fTTFB], r[fTaken])
		}
		if r[fFLEStatus] != "-" || r[fFLEFields] != "-" {
			t.Fatalf("fle fields set: %v", r)
		}
		if r[fResult] != r[fRespResult] {
			t.Fatalf("result %s != response result %s", r[fResult], r[fRespResult])
		}
		if r[fProto] == "http" && (r[fSSLProto] != "-" || r[fStatus] != "301") {
			t.Fatalf("healthy http request not a redirect: %v", r)
		}
		if strings.Contains(r[fUA], " ") {
			t.Fatalf("UA not encoded: %q", r[fUA])
		}
	}
	if len(days) != 2 {
		t.Fatalf("window across midnight covers days %v", days)
	}
	if float64(customHost) < 0.97*float64(len(recs)) {
		t.Fatalf("only %d/%d records with the custom domain in x-host-header", customHost, len(recs))
	}
}

func TestDeterminism(t *testing.T) {
	cfg := baseCfg()
	cfg.Duration = time.Hour
	cfg.CookieLogging = true
	cfg.Incidents = []Incident{{Kind: Origin5xx, From: t0.Add(20 * time.Minute), Until: t0.Add(40 * time.Minute), Rate: 0.3}}
	a, _ := generate(t, cfg)
	b, _ := generate(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatal("same Config produced different output")
	}
	cfg.Seed++
	c, _ := generate(t, cfg)
	if bytes.Equal(a, c) {
		t.Fatal("different seeds produced identical output")
	}
}

func TestWriteN(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		n    int
	}{
		{"shorter than window", baseCfg(), 5000},
		{"longer than window", Config{Seed: 3, Start: t0, Duration: 5 * time.Minute, RequestsPerHour: 2000}, 7777},
		{"zero", baseCfg(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := WriteN(&buf, tc.cfg, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			recs := parse(t, buf.Bytes())
			if n != tc.n || len(recs) != tc.n {
				t.Fatalf("WriteN(%d) returned %d and wrote %d records", tc.n, n, len(recs))
			}
			for i := 1; i < len(recs); i++ {
				if recs[i].when(t).Before(recs[i-1].when(t)) {
					t.Fatalf("record %d out of order", i)
				}
			}
		})
	}
	if _, err := WriteN(io.Discard, baseCfg(), -1); err == nil {
		t.Fatal("WriteN(-1) did not fail")
	}
}

func TestWriteFileN(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.gz")
	cfg := baseCfg()
	n, err := WriteFileN(p, cfg, 3000)
	if err != nil || n != 3000 {
		t.Fatalf("WriteFileN = %d, %v", n, err)
	}
	data := readGz(t, p)
	var want bytes.Buffer
	if _, err := WriteN(&want, cfg, 3000); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want.Bytes()) {
		t.Fatal("WriteFileN content differs from WriteN")
	}
}

func readGz(t *testing.T, p string) []byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestWriteDir(t *testing.T) {
	cfg := baseCfg()
	cfg.Start = t0.Add(30 * time.Minute) // partial first and last hours
	dir := t.TempDir()
	paths, n, err := WriteDirCount(context.Background(), dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	nameRe := regexp.MustCompile(`^[A-Z0-9]+\.(\d{4}-\d{2}-\d{2}-\d{2})\.[0-9a-f]{8}\.gz$`)
	hours := map[string]int{}
	var all []string
	for _, p := range paths {
		base := filepath.Base(p)
		m := nameRe.FindStringSubmatch(base)
		if m == nil || !strings.HasPrefix(base, DefaultDistributionID+".") {
			t.Fatalf("bad file name %q", base)
		}
		hours[m[1]]++
		recs := parse(t, readGz(t, p))
		if len(recs) == 0 {
			t.Fatalf("%s has no records", base)
		}
		for _, r := range recs {
			if h := r.when(t).Format("2006-01-02-15"); h != m[1] {
				t.Fatalf("%s holds a record of hour %s", base, h)
			}
			all = append(all, strings.Join(r, "\t"))
		}
	}
	if len(hours) != 4 {
		t.Fatalf("files cover hours %v, want 4 hours", hours)
	}
	for h, c := range hours {
		if c > cfg.WithDefaults().FilesPerHour {
			t.Fatalf("hour %s has %d files", h, c)
		}
	}
	if len(all) != n {
		t.Fatalf("WriteDirCount reported %d records, files hold %d", n, len(all))
	}
	// Same records as Stream.
	_, recs := generate(t, cfg)
	var want []string
	for _, r := range recs {
		want = append(want, strings.Join(r, "\t"))
	}
	slices.Sort(all)
	slices.Sort(want)
	if !slices.Equal(all, want) {
		t.Fatal("WriteDir records differ from Stream records")
	}
	// Deterministic names.
	paths2, err := WriteDir(context.Background(), t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range paths {
		if filepath.Base(paths[i]) != filepath.Base(paths2[i]) {
			t.Fatalf("file names differ between runs: %s vs %s", paths[i], paths2[i])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := WriteDir(ctx, t.TempDir(), cfg); err == nil {
		t.Fatal("WriteDir ignored a cancelled context")
	}
}

func TestHealthyTraffic(t *testing.T) {
	cfg := baseCfg()
	_, recs := generate(t, cfg)
	var v6, ips, scanners, api, bots int
	seenIP := map[string]bool{}
	methods := map[string]int{}
	for _, r := range recs {
		if isScannerPost(r) {
			continue // TestScannerPosts
		}
		if r[fDetailed] == "InvalidRequestMethod" {
			t.Fatalf("InvalidRequestMethod in healthy traffic: %v", r)
		}
		if isAPI(r) {
			api++
			if r[fResult] != "Miss" && r[fResult] != "Error" {
				t.Fatalf("healthy /api request with result %s: %v", r[fResult], r)
			}
		}
		if isAuth(r) && r[fStatus] == "403" {
			t.Fatalf("healthy auth 403: %v", r)
		}
		if r[fCookie] != "-" {
			t.Fatalf("cookie logged with CookieLogging off: %q", r[fCookie])
		}
		if !seenIP[r[fIP]] {
			seenIP[r[fIP]] = true
			ips++
			if strings.Count(r[fIP], ":") == 7 {
				v6++
			}
		}
		if !strings.HasPrefix(r[fStem], "/api/") || !isAPI(r) {
			if (r[fStatus] == "403" || r[fStatus] == "404") && r[fResult] == "Error" {
				scanners++
			}
		}
		if strings.Contains(r[fUA], "Googlebot") || strings.Contains(r[fUA], "bingbot") {
			bots++
		}
		methods[r[fMethod]]++
	}
	if v6 < ips/8 || v6 > ips/2 {
		t.Fatalf("%d IPv6 clients among %d", v6, ips)
	}
	if frac := float64(scanners) / float64(len(recs)); frac < 0.005 || frac > 0.03 {
		t.Fatalf("scanner errors are %.3f of the traffic", frac)
	}
	if api < len(recs)/20 || bots == 0 || methods["POST"] == 0 || methods["OPTIONS"] == 0 {
		t.Fatalf("traffic mix off: api=%d bots=%d methods=%v of %d", api, bots, methods, len(recs))
	}
	// Volume close to the configured rate (±30% for the hour-of-day swing).
	if n := len(recs); n < 3*6000*7/10 || n > 3*6000*13/10 {
		t.Fatalf("%d records for 3h at 6000/h", n)
	}
}

func TestCookieLogging(t *testing.T) {
	cfg := baseCfg()
	cfg.CookieLogging = true
	_, recs := generate(t, cfg)
	var withAuth, split, browser int
	for _, r := range recs {
		ua := r[fUA]
		bot := strings.Contains(ua, "bot") || strings.Contains(ua, "Uptime")
		if bot || !isAPI(r) && r[fResult] == "Error" {
			if r[fCookie] != "-" {
				t.Fatalf("bot/scanner request with cookies: %v", r)
			}
			continue
		}
		browser++
		c := r[fCookie]
		if strings.Contains(c, " ") || strings.Contains(c, "; ") {
			t.Fatalf("cookie not encoded: %q", c)
		}
		if strings.Contains(c, "__Secure-next-auth.session-token") {
			withAuth++
			if !strings.Contains(c, "__Host-next-auth.csrf-token=") || !strings.Contains(c, "%7C") || !strings.Contains(c, ";%20__Secure-next-auth.callback-url=https%253A%252F%252Fapp.example.com") {
				t.Fatalf("session cookie without csrf/callback-url cookies: %q", c)
			}
		}
		if strings.Contains(c, "session-token.0=") && strings.Contains(c, ";%20__Secure-next-auth.session-token.1=") {
			split++
		}
	}
	if withAuth < browser/5 || split == 0 {
		t.Fatalf("%d of %d browser requests carry a session cookie, %d split", withAuth, browser, split)
	}
}

// window of the incident tests: [1h, 2h) of a 3h trace.
var (
	inFrom  = t0.Add(time.Hour)
	inUntil = t0.Add(2 * time.Hour)
)

func incidentRun(t *testing.T, k Kind, rate float64, cookies bool) (in, out []rec) {
	t.Helper()
	cfg := baseCfg()
	cfg.CookieLogging = cookies
	cfg.Incidents = []Incident{{Kind: k, From: inFrom, Until: inUntil, Rate: rate}}
	_, recs := generate(t, cfg)
	for _, r := range recs {
		ts := r.when(t)
		if !ts.Before(inFrom) && ts.Before(inUntil) {
			in = append(in, r)
		} else {
			out = append(out, r)
		}
	}
	return in, out
}

func count(rs []rec, f func(rec) bool) int {
	n := 0
	for _, r := range rs {
		if f(r) {
			n++
		}
	}
	return n
}

func isSession(r rec) bool  { return r[fStem] == "/api/auth/session" }
func isCallback(r rec) bool { return strings.HasPrefix(r[fStem], "/api/auth/callback/") && isAPI(r) }
func originError403(r rec) bool {
	return r[fStatus] == "403" && r[fResult] == "Error" && r[fRespResult] == "Error" && r[fDetailed] == "Error" && r[fTTFB] != "0.000"
}

func TestIncidentMethodRejected(t *testing.T) {
	in, out := incidentRun(t, MethodRejected, 1, false)
	posts := 0
	for _, r := range in {
		if isScannerPost(r) {
			continue
		}
		if r[fMethod] == "POST" || r[fMethod] == "OPTIONS" || r[fMethod] == "PUT" || r[fMethod] == "DELETE" {
			posts++
			if r[fStatus] != "403" || r[fResult] != "Error" || r[fRespResult] != "Error" || r[fDetailed] != "InvalidRequestMethod" ||
				r[fTTFB] != "0.000" || r[fCType] != "text/html" || r[fCLen] != "1053" {
				t.Fatalf("non-GET request not refused: %v", r)
			}
		} else if r[fDetailed] == "InvalidRequestMethod" {
			t.Fatalf("GET refused: %v", r)
		}
	}
	if posts < 10 {
		t.Fatalf("only %d non-GET requests in the window", posts)
	}
	if n := count(out, func(r rec) bool { return r[fDetailed] == "InvalidRequestMethod" && !isScannerPost(r) }); n != 0 {
		t.Fatalf("%d InvalidRequestMethod outside the window", n)
	}
}

func TestIncidentAuthCacheHit(t *testing.T) {
	in, out := incidentRun(t, AuthCacheHit, 1, false)
	n := 0
	for _, r := range in {
		if (isSession(r) || r[fStem] == "/api/auth/csrf") && r[fMethod] == "GET" {
			n++
			if (r[fResult] != "Hit" && r[fResult] != "RefreshHit") || r[fStatus] != "200" || r[fTTFB] > "0.003" {
				t.Fatalf("session/csrf not a cache hit: %v", r)
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d session/csrf requests in the window", n)
	}
	if c := count(out, func(r rec) bool { return isAuth(r) && (r[fResult] == "Hit" || r[fResult] == "RefreshHit") }); c != 0 {
		t.Fatalf("%d auth cache hits outside the window", c)
	}
}

func TestIncidentAuth403(t *testing.T) {
	for _, tc := range []struct {
		kind  Kind
		match func(rec) bool
	}{
		{Auth403Callback, isCallback},
		{Auth403Session, func(r rec) bool { return isSession(r) || r[fStem] == "/api/auth/csrf" }},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			in, out := incidentRun(t, tc.kind, 1, true)
			n := 0
			for _, r := range in {
				if tc.match(r) {
					n++
					if !originError403(r) {
						t.Fatalf("not an origin 403: %v", r)
					}
					if r[fCookie] == "-" && strings.Contains(r[fUA], "Mozilla") && tc.kind == Auth403Callback && r[fMethod] == "GET" {
						t.Fatalf("callback lost its cookies: %v", r)
					}
				}
			}
			if n < 5 {
				t.Fatalf("only %d matching requests in the window", n)
			}
			if c := count(out, func(r rec) bool { return tc.match(r) && r[fStatus] == "403" }); c != 0 {
				t.Fatalf("%d 403s outside the window", c)
			}
			other := count(in, func(r rec) bool { return isAPI(r) && !tc.match(r) && r[fStatus] == "403" })
			if other != 0 {
				t.Fatalf("%d other /api requests got 403", other)
			}
		})
	}
}

func TestIncidentCookieMissing(t *testing.T) {
	in, out := incidentRun(t, AuthCookieMissing, 1, true)
	var n, othersWithCookies int
	for _, r := range in {
		if isSession(r) || isCallback(r) {
			n++
			if strings.Contains(r[fCookie], "next-auth") || !originError403(r) {
				t.Fatalf("session/callback still has next-auth cookies or no 403: %v", r)
			}
		} else if strings.Contains(r[fCookie], "next-auth.session-token") {
			othersWithCookies++
		}
	}
	if n < 50 || othersWithCookies < 100 {
		t.Fatalf("matching=%d, other requests with session cookies=%d", n, othersWithCookies)
	}
	if c := count(out, func(r rec) bool { return isAuth(r) && r[fStatus] == "403" }); c != 0 {
		t.Fatalf("%d auth 403s outside the window", c)
	}
}

func TestIncidentCORS(t *testing.T) {
	in, out := incidentRun(t, CORSPreflightRejected, 0.5, false)
	rejected := count(in, func(r rec) bool {
		return r[fMethod] == "OPTIONS" && r[fStatus] == "403" && r[fResult] == "Error" && r[fCLen] == "0"
	})
	api := count(in, func(r rec) bool { return isAPI(r) && r[fMethod] != "OPTIONS" })
	if f := float64(rejected) / float64(api); f < 0.3 || f > 0.7 {
		t.Fatalf("%d rejected preflights for %d /api requests", rejected, api)
	}
	if c := count(out, func(r rec) bool { return r[fMethod] == "OPTIONS" && r[fStatus] != "204" }); c != 0 {
		t.Fatalf("%d failed preflights outside the window", c)
	}
}

func TestIncidentAPIOrigin403(t *testing.T) {
	in, out := incidentRun(t, APIOrigin403, 1, false)
	n := 0
	for _, r := range in {
		if isAPI(r) {
			n++
			if !originError403(r) || r[fCType] != "application/json" || r[fCLen] != "23" {
				t.Fatalf("/api request not a 403 from API Gateway: %v", r)
			}
		} else if r[fStatus] == "403" && !strings.HasPrefix(r[fCType], "application/xml") && !isScannerPost(r) {
			t.Fatalf("non-API 403: %v", r)
		}
	}
	if n < 100 {
		t.Fatalf("only %d /api requests", n)
	}
	if c := count(out, func(r rec) bool { return isAPI(r) && r[fStatus] == "403" }); c != 0 {
		t.Fatalf("%d /api 403s outside the window", c)
	}
}

func TestIncidentOrigin5xx(t *testing.T) {
	in, out := incidentRun(t, Origin5xx, 0.3, false)
	details := map[string]int{}
	fails := 0
	api := 0
	for _, r := range in {
		if !isAPI(r) {
			if r[fStatus] >= "500" {
				t.Fatalf("non-API 5xx: %v", r)
			}
			continue
		}
		api++
		if r[fStatus] >= "500" {
			fails++
			details[r[fDetailed]]++
			if r[fResult] != "Error" {
				t.Fatalf("5xx not Error: %v", r)
			}
		}
	}
	if f := float64(fails) / float64(api); f < 0.2 || f > 0.4 {
		t.Fatalf("%d/%d /api requests failed", fails, api)
	}
	for d := range details {
		if !slices.Contains([]string{"OriginConnectError", "OriginCommError", "OriginReadError", "OriginDnsError", "Error"}, d) {
			t.Fatalf("unexpected detailed type %q", d)
		}
	}
	if len(details) < 4 {
		t.Fatalf("detailed types %v", details)
	}
	if c := count(out, func(r rec) bool { return r[fStatus] >= "500" }); c != 0 {
		t.Fatalf("%d 5xx outside the window", c)
	}
}

func TestIncidentInsecureScheme(t *testing.T) {
	in, out := incidentRun(t, InsecureScheme, 1, true)
	var httpOK, cfHost, n int
	for _, r := range in {
		if !isAuth(r) {
			continue
		}
		n++
		h := r[fProto] == "http"
		c := r[fHostHeader] == DefaultCloudFrontDomain
		if !h && !c {
			t.Fatalf("auth request neither http nor via the cloudfront.net name: %v", r)
		}
		if h {
			if r[fStatus] == "301" || r[fSSLProto] != "-" {
				t.Fatalf("http auth request redirected or with TLS: %v", r)
			}
			if r[fStatus] == "200" {
				httpOK++
			}
		}
		if c {
			cfHost++
		}
	}
	if n < 50 || httpOK == 0 || cfHost == 0 {
		t.Fatalf("auth=%d http200=%d cfhost=%d", n, httpOK, cfHost)
	}
	if c := count(out, func(r rec) bool { return isAuth(r) && (r[fProto] == "http" || r[fHostHeader] != DefaultDomain) }); c != 0 {
		t.Fatalf("%d insecure auth requests outside the window", c)
	}
}

func TestIncidentScannerFlood(t *testing.T) {
	in, out := incidentRun(t, ScannerFlood, 2, false)
	probe := func(r rec) bool {
		return !isAPI(r) && (r[fStatus] == "403" || r[fStatus] == "404" || r[fStatus] == "301") && r[fResult] != "Hit"
	}
	pin, pout := count(in, probe), count(out, probe)
	// The window is one hour; out covers two.
	if pin < 2*len(out)/2*8/10 {
		t.Fatalf("flood too small: %d probes in the window, %d records per normal hour", pin, len(out)/2)
	}
	if pout > len(out)/20 {
		t.Fatalf("%d probes outside the window", pout)
	}
	if c := count(in, func(r rec) bool { return isAuth(r) && r[fStatus] >= "400" && r[fStatus] != "401" }); c != 0 {
		t.Fatalf("%d auth endpoint errors during the flood", c)
	}
	if c := count(in, func(r rec) bool { return strings.HasPrefix(r[fStem], "/api/auth/") && !isAPI(r) }); c == 0 {
		t.Fatal("no /api/auth/ traversal probes in the flood")
	}
}

func TestIncidentCountNoise(t *testing.T) {
	for _, tc := range []struct {
		kind  Kind
		rate  float64
		match func(rec) bool
	}{
		{Stray403, 3, func(r rec) bool { return isSession(r) && r[fStatus] == "403" }},
		{Origin403Post, 5, func(r rec) bool {
			return r[fMethod] == "POST" && r[fStem] == "/api/items" && originError403(r)
		}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			in, out := incidentRun(t, tc.kind, tc.rate, false)
			if c := count(in, tc.match); c != int(tc.rate) {
				t.Fatalf("%d events in the window, want %v", c, tc.rate)
			}
			if c := count(out, tc.match); c != 0 {
				t.Fatalf("%d events outside the window", c)
			}
			if c := count(append(in, out...), func(r rec) bool { return r[fDetailed] == "InvalidRequestMethod" && !isScannerPost(r) }); c != 0 {
				t.Fatal("noise produced InvalidRequestMethod")
			}
		})
	}
}

// Healthy traffic has scanners POSTing to static paths, from a few
// scanner IPs, refused by CloudFront with the signature of a method the
// default behavior does not allow; a scanner flood has more.
func TestScannerPosts(t *testing.T) {
	uas := map[string]bool{}
	for _, ua := range scannerUAs {
		uas[urlEncodeCF(ua)] = true
	}
	check := func(t *testing.T, recs []rec) (posts int, ips, paths map[string]bool) {
		ips, paths = map[string]bool{}, map[string]bool{}
		for _, r := range recs {
			if r[fDetailed] != "InvalidRequestMethod" || r[fMethod] != "POST" {
				continue
			}
			posts++
			ips[r[fIP]] = true
			paths[r[fStem]] = true
			if !isScannerPost(r) || r[fStatus] != "403" || r[fResult] != "Error" || r[fRespResult] != "Error" ||
				r[fCType] != "text/html" || r[fCLen] != "1053" || r[fTTFB] != "0.000" || r[fReferer] != "-" ||
				r[fCookie] != "-" || !uas[r[fUA]] || !strings.HasPrefix(r[fStem], "/") {
				t.Fatalf("not a refused scanner POST: %v", r)
			}
			if !strings.HasSuffix(r[fStem], ".php") && !strings.HasSuffix(r[fStem], ".exe") && r[fStem] != "/plugin/add" {
				t.Fatalf("scanner POST to %s", r[fStem])
			}
		}
		return posts, ips, paths
	}
	cfg := baseCfg()
	_, recs := generate(t, cfg)
	posts, ips, paths := check(t, recs)
	if frac := float64(posts) / float64(len(recs)); frac < 0.001 || frac > 0.004 {
		t.Errorf("%d scanner POSTs of %d requests", posts, len(recs))
	}
	if len(ips) < 2 || len(ips) > 6 {
		t.Errorf("scanner POSTs from %d IPs", len(ips))
	}
	for _, p := range []string{"/xmlrpc.php", "/wp-login.php", "/plugin/add"} {
		if !paths[p] {
			t.Errorf("no POST %s among %d paths", p, len(paths))
		}
	}

	cfg.Incidents = []Incident{{Kind: ScannerFlood, From: t0, Until: t0.Add(3 * time.Hour), Rate: 2}}
	_, flood := generate(t, cfg)
	if fp, _, _ := check(t, flood); fp < posts*5 {
		t.Errorf("%d scanner POSTs with a flood, %d without", fp, posts)
	}

	// They draw nothing from the main random stream: without them, the
	// rest of the traffic is the same, byte for byte.
	lines := func(noPosts bool) []string {
		g := newGen(baseCfg().WithDefaults())
		g.noScanPosts = noPosts
		var out []string
		if _, err := g.run(context.Background(), -1, func(_ int64, _ uint32, line []byte) error {
			out = append(out, string(line))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	with, without := lines(false), lines(true)
	kept := slices.DeleteFunc(slices.Clone(with), func(l string) bool {
		return isScannerPost(strings.Split(strings.TrimSuffix(l, "\n"), "\t"))
	})
	if len(with) == len(kept) || !slices.Equal(kept, without) {
		t.Errorf("%d lines, %d without the scanner POSTs; %d generated without them, not the same", len(with), len(kept), len(without))
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds() {
		got, err := ParseKind(string(k))
		if err != nil || got != k {
			t.Fatalf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if len(Kinds()) != 21 {
		t.Fatalf("%d kinds", len(Kinds()))
	}
	var noise []Kind
	for _, k := range Kinds() {
		if k.Noise() {
			noise = append(noise, k)
		}
	}
	if !slices.Equal(noise, []Kind{ScannerFlood, Stray403, Origin403Post, GeoRestricted, WAFNoise}) {
		t.Fatalf("noise kinds %v", noise)
	}
	if _, err := ParseKind("nope"); err == nil {
		t.Fatal("ParseKind accepted an unknown name")
	}
}

func TestValidate(t *testing.T) {
	bad := []Config{
		{DistributionID: "e2qwr"},
		{Domain: "bad domain"},
		{RequestsPerHour: -1},
		{Incidents: []Incident{{Kind: "x", From: t0, Until: t0.Add(time.Hour), Rate: 1}}},
		{Incidents: []Incident{{Kind: MethodRejected, From: t0, Until: t0, Rate: 1}}},
		{Incidents: []Incident{{Kind: MethodRejected, From: t0, Until: t0.Add(time.Hour), Rate: 2}}},
		{Incidents: []Incident{{Kind: MethodRejected, From: t0, Until: t0.Add(time.Hour), Rate: 0}}},
	}
	for i, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("config %d accepted", i)
		}
		if _, err := Stream(io.Discard, c); err == nil {
			t.Errorf("Stream accepted config %d", i)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkWriteN(b *testing.B) {
	const n = 100_000
	cfg := Config{Seed: 1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WriteN(io.Discard, cfg, n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

package loggen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/logparse"
)

// parsedRun generates k over [1h, 2h) of the 3h trace and reads the output
// back with logparse: every line must parse, with the raw fields and the
// typed record agreeing. It returns the raw records split by window.
func parsedRun(t *testing.T, k Kind, rate float64, cookies bool) (in, out []rec) {
	t.Helper()
	cfg := baseCfg()
	cfg.CookieLogging = cookies
	cfg.Incidents = []Incident{{Kind: k, From: inFrom, Until: inUntil, Rate: rate}}
	data, recs := generate(t, cfg)
	rd := logparse.NewReader(bytes.NewReader(data))
	var lr logparse.Record
	i := 0
	for {
		err := rd.Read(&lr)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: logparse: %v", k, err)
		}
		r := recs[i]
		i++
		if lr.Status != atoi(t, r[fStatus]) || lr.EdgeResultType != r[fResult] || lr.EdgeResponseResultType != r[fRespResult] ||
			lr.EdgeDetailedResultType != r[fDetailed] || lr.URIStem != r[fStem] || lr.BytesReceived != int64(atoi(t, r[fCsBytes])) {
			t.Fatalf("%s: logparse read %+v from %v", k, lr, r)
		}
		if r[fCType] != "-" && lr.ContentType != r[fCType] || r[fCLen] != "-" && lr.ContentLength != int64(atoi(t, r[fCLen])) {
			t.Fatalf("%s: content type/length %q %d from %v", k, lr.ContentType, lr.ContentLength, r)
		}
	}
	if i != len(recs) || rd.Skipped() != 0 {
		t.Fatalf("%s: logparse read %d of %d records, skipped %d", k, i, len(recs), rd.Skipped())
	}
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

func atoi(t *testing.T, s string) int {
	t.Helper()
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func ttfbMs(t *testing.T, r rec) int {
	t.Helper()
	f, err := strconv.ParseFloat(r[fTTFB], 64)
	if err != nil {
		t.Fatal(err)
	}
	return int(f*1000 + 0.5)
}

func errorTypes(r rec) bool {
	return r[fResult] == "Error" && r[fRespResult] == "Error" && r[fDetailed] == "Error"
}

// atLeast fails unless n >= min.
func atLeast(t *testing.T, what string, n, min int) {
	t.Helper()
	if n < min {
		t.Fatalf("only %d %s (want >= %d)", n, what, min)
	}
}

func TestIncidentAPIRoutedToStatic(t *testing.T) {
	in, out := parsedRun(t, APIRoutedToStatic, 1, false)
	var s403, s404, cached, refused int
	for _, r := range in {
		if !isAPI(r) {
			continue
		}
		if r[fMethod] != "GET" && r[fMethod] != "HEAD" {
			refused++
			if r[fStatus] != "403" || r[fResult] != "Error" || r[fDetailed] != "InvalidRequestMethod" || r[fTTFB] != "0.000" || r[fCType] != "text/html" || r[fCLen] != "1053" {
				t.Fatalf("%s not refused by the edge: %v", r[fMethod], r)
			}
			continue
		}
		if !errorTypes(r) || r[fCType] != "application/xml" {
			t.Fatalf("GET not an S3 XML error: %v", r)
		}
		switch r[fStatus] {
		case "403":
			s403++
			if r[fCLen] != "243" {
				t.Fatalf("AccessDenied body: %v", r)
			}
		case "404":
			s404++
			if atoi(t, r[fCLen]) != s3NoSuchKeyBase+len(r[fStem])-1 {
				t.Fatalf("NoSuchKey body: %v", r)
			}
		default:
			t.Fatalf("S3 status: %v", r)
		}
		if ttfbMs(t, r) < 4 {
			cached++
		}
	}
	atLeast(t, "S3 403s", s403, 200)
	atLeast(t, "S3 404s", s404, 30)
	atLeast(t, "cached errors", cached, 30)
	atLeast(t, "refused POST/PUT/DELETE/OPTIONS", refused, 20)
	if cached > (s403+s404)/2 {
		t.Fatalf("%d of %d S3 errors from the cache", cached, s403+s404)
	}
	if c := count(in, func(r rec) bool { return isAuth(r) && r[fCType] == "application/xml" }); c < 100 {
		t.Fatalf("only %d /api/auth/* answered by S3", c)
	}
	if c := count(in, func(r rec) bool { return !isAPI(r) && r[fCType] == "application/xml" && r[fStatus] == "404" }); c != 0 {
		t.Fatalf("%d non-API S3 404s", c)
	}
	if c := count(out, func(r rec) bool { return isAPI(r) && r[fCType] == "application/xml" }); c != 0 {
		t.Fatalf("%d /api S3 answers outside the window", c)
	}
}

func TestIncidentEdgeFunctionError(t *testing.T) {
	for _, tc := range []struct {
		kind  Kind
		types map[string]string // detailed -> status
	}{
		{EdgeFunctionError, map[string]string{"LambdaExecutionError": "503", "LambdaValidationError": "502", "LambdaLimitExceeded": "503"}},
		{CloudFrontFunctionError, map[string]string{"FunctionExecutionError": "503", "FunctionThrottledError": "503"}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			in, out := parsedRun(t, tc.kind, 0.3, false)
			seen := map[string]int{}
			var fails, api, auth, timeouts int
			for _, r := range in {
				if !isAPI(r) {
					if r[fStatus] >= "500" {
						t.Fatalf("non-API 5xx: %v", r)
					}
					continue
				}
				api++
				st, ok := tc.types[r[fDetailed]]
				if !ok {
					if r[fStatus] >= "500" {
						t.Fatalf("5xx of another kind: %v", r)
					}
					continue
				}
				fails++
				seen[r[fDetailed]]++
				if isAuth(r) {
					auth++
				}
				if r[fStatus] != st || r[fRespResult] != r[fDetailed] || r[fCType] != "text/html" || atoi(t, r[fCLen]) < 900 {
					t.Fatalf("bad %s: %v", r[fDetailed], r)
				}
				// AWS documents LambdaExecutionError in x-edge-result-type;
				// the other values come with Error.
				if wantRes := map[bool]string{true: "LambdaExecutionError", false: "Error"}[r[fDetailed] == "LambdaExecutionError"]; r[fResult] != wantRes {
					t.Fatalf("x-edge-result-type %q: %v", r[fResult], r)
				}
				ms := ttfbMs(t, r)
				switch {
				case ms >= 5000:
					timeouts++
					if r[fDetailed] != "LambdaExecutionError" {
						t.Fatalf("timeout not an execution error: %v", r)
					}
				case strings.HasPrefix(r[fDetailed], "Function") || r[fDetailed] == "LambdaLimitExceeded":
					if ms > 5 {
						t.Fatalf("throttled/function error after %d ms: %v", ms, r)
					}
				}
			}
			if f := float64(fails) / float64(api); f < 0.2 || f > 0.4 {
				t.Fatalf("%d/%d /api requests failed", fails, api)
			}
			if len(seen) != len(tc.types) || auth < 20 {
				t.Fatalf("types %v, %d on auth paths", seen, auth)
			}
			if tc.kind == EdgeFunctionError && timeouts == 0 {
				t.Fatal("no Lambda@Edge timeout")
			}
			if c := count(out, func(r rec) bool { return r[fStatus] >= "500" }); c != 0 {
				t.Fatalf("%d 5xx outside the window", c)
			}
		})
	}
}

var chunkRe = regexp.MustCompile(`__Secure-next-auth\.session-token\.([0-9]+)=`)

func chunks(r rec) int {
	m := chunkRe.FindAllStringSubmatch(r[fCookie], -1)
	if strings.Contains(r[fCookie], "__Secure-next-auth.session-token=") {
		return 1
	}
	return len(m)
}

func TestIncidentAuthCookieOversize(t *testing.T) {
	in, out := parsedRun(t, AuthCookieOversize, 0.5, true)
	// Quarters of the window: the chunk count and cs-bytes of the session
	// requests must rise.
	var maxChunks, maxBytes [4]int
	var refused int
	for _, r := range in {
		if !isAuth(r) || !strings.Contains(r[fCookie], "session-token") {
			continue
		}
		q := int(r.when(t).Sub(inFrom) * 4 / inUntil.Sub(inFrom))
		maxChunks[q] = max(maxChunks[q], chunks(r))
		cs := atoi(t, r[fCsBytes])
		if cs > cloudFrontMaxRq {
			t.Fatalf("logged a request of %d bytes: %.300v", cs, r)
		}
		maxBytes[q] = max(maxBytes[q], cs)
		if r[fStatus] == "431" {
			refused++
			if !errorTypes(r) || r[fCType] != "-" || r[fCLen] != "-" || r[fTTFB] == "0.000" || cs <= nodeMaxHeader {
				t.Fatalf("bad 431: %.300v", r)
			}
		}
	}
	for q := 1; q < 4; q++ {
		if maxChunks[q] < maxChunks[q-1] || maxBytes[q] <= maxBytes[q-1] {
			t.Fatalf("no growth: chunks %v, cs-bytes %v", maxChunks, maxBytes)
		}
	}
	if maxChunks[3] < 4 || maxBytes[3] < 18000 || maxBytes[0] > 11000 {
		t.Fatalf("chunks %v, cs-bytes %v", maxChunks, maxBytes)
	}
	atLeast(t, "431 refusals", refused, 5)
	if c := count(out, func(r rec) bool { return chunks(r) > 2 || r[fStatus] == "431" }); c != 0 {
		t.Fatalf("%d grown cookies or 431s outside the window", c)
	}
	// The chunks are well formed: .0 to .N-1, each 3933 bytes but the last.
	for _, r := range in {
		if n := chunks(r); n >= 3 {
			for _, c := range strings.Split(r[fCookie], ";%20") {
				name, v, _ := strings.Cut(c, "=")
				if m := chunkRe.FindStringSubmatch(name + "="); m != nil && atoi(t, m[1]) < n-1 && len(v) != nextAuthChunk {
					t.Fatalf("chunk %s has %d bytes", name, len(v))
				}
			}
			break
		}
	}
}

func TestIncidentAuthHTMLResponse(t *testing.T) {
	in, out := parsedRun(t, AuthHTMLResponse, 1, false)
	json := func(r rec) bool {
		return r[fMethod] == "GET" && (isSession(r) || r[fStem] == "/api/auth/csrf" || r[fStem] == "/api/auth/providers")
	}
	n := 0
	for _, r := range in {
		if json(r) {
			n++
			if r[fStatus] != "200" || !errorTypes(r) || r[fCType] != "text/html" || atoi(t, r[fCLen]) < 6000 || r[fTTFB] == "0.000" {
				t.Fatalf("not the SPA page: %v", r)
			}
		} else if isAPI(r) && r[fCType] == "text/html" && r[fStatus] == "200" {
			t.Fatalf("other API answered HTML: %v", r)
		}
	}
	atLeast(t, "session/csrf/providers requests", n, 200)
	if c := count(out, func(r rec) bool { return isAuth(r) && r[fCType] == "text/html" }); c != 0 {
		t.Fatalf("%d HTML auth answers outside the window", c)
	}
}

func TestIncidentPostSignatureRejected(t *testing.T) {
	in, out := parsedRun(t, PostSignatureRejected, 1, false)
	var posts, gets, short, long int
	for _, r := range in {
		if !isAPI(r) {
			continue
		}
		switch r[fMethod] {
		case "POST", "PUT":
			posts++
			if r[fStatus] != "403" || !errorTypes(r) || r[fCType] != "application/json" || ttfbMs(t, r) < 8 {
				t.Fatalf("POST/PUT not refused by the origin: %v", r)
			}
			switch atoi(t, r[fCLen]) {
			case len(`{"Message":"Forbidden"}`):
				short++
			case lambdaURLSignature:
				long++
			default:
				t.Fatalf("body: %v", r)
			}
		case "GET":
			gets++
			if r[fStatus] == "403" {
				t.Fatalf("GET refused: %v", r)
			}
		}
	}
	atLeast(t, "POST/PUT", posts, 30)
	atLeast(t, "GET", gets, 500)
	atLeast(t, "signature-mismatch bodies", long, 3)
	if short < long {
		t.Fatalf("%d Forbidden, %d signature bodies", short, long)
	}
	if c := count(out, func(r rec) bool { return isAPI(r) && r[fStatus] == "403" }); c != 0 {
		t.Fatalf("%d /api 403s outside the window", c)
	}
}

func TestIncidentEdgeRefusalsOnAuth(t *testing.T) {
	in, out := parsedRun(t, EdgeRefusalsOnAuth, 0.3, false)
	var waf, geo, signed, auth int
	for _, r := range in {
		if !isAuth(r) {
			if r[fStatus] == "403" && r[fTTFB] == "0.000" && !isScannerPost(r) {
				t.Fatalf("edge refusal off the auth paths: %v", r)
			}
			continue
		}
		auth++
		if r[fStatus] != "403" {
			continue
		}
		if r[fTTFB] != "0.000" || r[fResult] != "Error" || r[fRespResult] != "Error" {
			t.Fatalf("auth 403 not an edge refusal: %v", r)
		}
		switch {
		case r[fDetailed] == "ClientGeoBlocked" && r[fCType] == "text/html" && r[fCLen] == strconv.Itoa(cfGeoPage):
			geo++
		case r[fDetailed] == "Error" && r[fCType] == "text/html" && r[fCLen] == strconv.Itoa(cfWAFPage):
			waf++
		case r[fDetailed] == "Error" && r[fCType] == "text/xml" && (r[fCLen] == strconv.Itoa(signedMissingKey) || r[fCLen] == strconv.Itoa(signedAccessDenied)):
			signed++
		default:
			t.Fatalf("unexpected refusal: %v", r)
		}
	}
	if f := float64(waf+geo+signed) / float64(auth); f < 0.2 || f > 0.4 {
		t.Fatalf("%d+%d+%d refusals of %d auth requests", waf, geo, signed, auth)
	}
	if waf < geo || waf < signed || geo == 0 || signed == 0 {
		t.Fatalf("waf %d geo %d signed %d", waf, geo, signed)
	}
	if c := count(out, func(r rec) bool { return isAuth(r) && r[fStatus] == "403" }); c != 0 {
		t.Fatalf("%d auth refusals outside the window", c)
	}
}

func TestIncidentGeoRestricted(t *testing.T) {
	in, out := parsedRun(t, GeoRestricted, 0.12, true)
	blockedIP := map[string]bool{}
	var blocked, auth, authBlocked int
	for _, r := range in {
		if isAuth(r) {
			auth++
		}
		if r[fDetailed] != "ClientGeoBlocked" {
			continue
		}
		blocked++
		blockedIP[r[fIP]] = true
		if isAuth(r) {
			authBlocked++
		}
		if r[fStatus] != "403" || r[fResult] != "Error" || r[fRespResult] != "Error" || r[fTTFB] != "0.000" ||
			r[fCType] != "text/html" || r[fCLen] != strconv.Itoa(cfGeoPage) || r[fRangeStart] != "-" {
			t.Fatalf("bad geo refusal: %v", r)
		}
	}
	if f := float64(blocked) / float64(len(in)); f < 0.06 || f > 0.2 {
		t.Fatalf("%d of %d requests geo-blocked", blocked, len(in))
	}
	if authBlocked == 0 || float64(authBlocked)/float64(auth) > 0.3 {
		t.Fatalf("%d of %d auth requests geo-blocked", authBlocked, auth)
	}
	// A blocked viewer is blocked for every request in the window.
	if c := count(in, func(r rec) bool { return blockedIP[r[fIP]] && r[fDetailed] != "ClientGeoBlocked" && !isScannerPost(r) }); c != 0 {
		t.Fatalf("%d requests of blocked viewers served", c)
	}
	if c := count(out, func(r rec) bool { return r[fDetailed] == "ClientGeoBlocked" }); c != 0 {
		t.Fatalf("%d geo refusals outside the window", c)
	}
}

func TestIncidentWAFNoise(t *testing.T) {
	in, out := parsedRun(t, WAFNoise, 0.5, false)
	isWAF := func(r rec) bool {
		return r[fStatus] == "403" && errorTypes(r) && r[fTTFB] == "0.000" && r[fCType] == "text/html" && r[fCLen] == strconv.Itoa(cfWAFPage)
	}
	var waf, paths int
	seen := map[string]bool{}
	for _, r := range in {
		if isWAF(r) {
			waf++
			if isAPI(r) {
				t.Fatalf("WAF blocked a site request: %v", r)
			}
			if !seen[r[fStem]] {
				seen[r[fStem]] = true
				paths++
			}
		}
	}
	if f := float64(waf) / float64(len(in)); waf < 20 || f > 0.03 {
		t.Fatalf("%d WAF blocks in %d requests", waf, len(in))
	}
	atLeast(t, "distinct blocked paths", paths, 10)
	if c := count(in, func(r rec) bool { return isAuth(r) && r[fStatus] == "403" }); c != 0 {
		t.Fatalf("%d auth 403s", c)
	}
	if c := count(out, isWAF); c != 0 {
		t.Fatalf("%d WAF blocks outside the window", c)
	}
}

// TestNewKindsDeterministic: the issue-16 kinds, together, give the same
// bytes for the same Config, and the output parses.
func TestNewKindsDeterministic(t *testing.T) {
	cfg := baseCfg()
	cfg.Duration = 2 * time.Hour
	cfg.CookieLogging = true
	for _, k := range allKinds[12:] {
		cfg.Incidents = append(cfg.Incidents, Incident{Kind: k, From: t0.Add(30 * time.Minute), Until: t0.Add(90 * time.Minute), Rate: k.DefaultRate()})
	}
	a, _ := generate(t, cfg)
	b, _ := generate(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatal("same Config produced different output")
	}
}

// TestKindsDocumented: docs/loggen.md lists every kind.
func TestKindsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "loggen.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		if !bytes.Contains(doc, []byte("`"+string(k)+"`")) {
			t.Errorf("docs/loggen.md does not list `%s`", k)
		}
	}
}

// TestExistingKindsUnchanged: the kinds that existed before issue 16 still
// give the same bytes (the report's golden files depend on them): SHA-256
// of two hours with each kind over the second, and of all of them at once.
func TestExistingKindsUnchanged(t *testing.T) {
	for _, tc := range []struct {
		kind    Kind
		cookies bool
		sum     string
	}{
		{"", false, "4902010253c22f7eaea911cbf5b53a143fbe4580809d027e98204ae85bd89f42"},
		{"", true, "8875c1c9d4ce0e422d24c295ba8ba19ee2fdc3c60b06965aea692c51d7c970fd"},
		{Kind("auth-cache-hit"), true, "65cd6061a45d5a1e9428684664dc68e593bdef2a9fb4291df2f094651b1caebe"},
		{Kind("method-rejected"), true, "dfb8a4f099434cbfb9ea74d139f31e13403fb4f6a2210adb5037915f05b30a28"},
		{Kind("auth-403-callback"), true, "c988f37376bf1a247bf019203b943095a4f5090b72a5f0ee8bdad8077be5d293"},
		{Kind("auth-403-session"), true, "fd0dad105c24c191b021f1601ed074d2be5a7aefe28b2f2effd2cab548b546b4"},
		{Kind("auth-cookie-missing"), true, "ec9654949a07e87b23912b70c9f286b5f0afd4c74736fa0c81980607c6d84036"},
		{Kind("cors-preflight-rejected"), true, "dcce13e863d25e955a7e543528c9bca88416f204c93180f87b6be35051cf702c"},
		{Kind("api-origin-403"), true, "245e9bbf20e54f94dbc991faf86602b8b43fad7ba7ea32bc94cb570d75ffad5f"},
		{Kind("origin-5xx"), true, "2a0d82d167791e65f98ed4d957da802cfeb3aa7ddd739f74ef7bf8fd5fd5d57f"},
		{Kind("insecure-scheme"), true, "8a1709838c26f3dcc85e3a8589027f98170febb4cf9390b761ded723a3da8525"},
		{Kind("scanner-flood"), true, "4cbe63f803846c425a0b7c074fee0adf0481c6d544e92de6e905838c45d9d0cb"},
		{Kind("stray-403"), true, "c00f41c8b18fa78deb8d8b919008c75ca50be1a24a195a05a14e894f40b72d10"},
		{Kind("origin-403-post"), true, "1c8e2e9ba83901b3efd85c1ffab65b9ad24846737bbc9a51b8f2acfb2cd02846"},
	} {
		cfg := Config{Seed: 3, Start: t0, Duration: 2 * time.Hour, RequestsPerHour: 4000, CookieLogging: tc.cookies}
		if tc.kind != "" {
			cfg.Incidents = []Incident{{Kind: tc.kind, From: t0.Add(time.Hour), Until: t0.Add(2 * time.Hour), Rate: tc.kind.DefaultRate()}}
		}
		if got := sha(t, cfg); got != tc.sum {
			t.Errorf("%q (cookies %v): output changed: sha256 %s", tc.kind, tc.cookies, got)
		}
	}
	cfg := Config{Seed: 5, Start: t0, Duration: 2 * time.Hour, RequestsPerHour: 4000, CookieLogging: true}
	for _, k := range allKinds[:12] {
		cfg.Incidents = append(cfg.Incidents, Incident{Kind: k, From: t0.Add(30 * time.Minute), Until: t0.Add(90 * time.Minute), Rate: k.DefaultRate()})
	}
	if got := sha(t, cfg); got != "bc60cccceed4dd277f069eb9deec8d258b71ee4af3e20959c01989be36c0ca9c" {
		t.Errorf("all older kinds together: output changed: sha256 %s", got)
	}
}

func sha(t *testing.T, cfg Config) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Stream(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(buf.Bytes()))
}

// TestAuthCookieOversizeAll: with every signed-in viewer affected, the
// requests past 20 KB of headers are missing from the log (and generation
// still ends).
func TestAuthCookieOversizeAll(t *testing.T) {
	cfg := baseCfg()
	cfg.CookieLogging = true
	cfg.Incidents = []Incident{{Kind: AuthCookieOversize, From: inFrom, Until: inUntil, Rate: 1}}
	g := newGen(cfg.WithDefaults())
	var logged, big int
	_, err := g.run(context.Background(), -1, func(_ int64, _ uint32, line []byte) error {
		logged++
		f := strings.Split(string(line), "\t")
		if cs := atoi(t, f[fCsBytes]); cs > cloudFrontMaxRq {
			t.Fatalf("logged a request of %d bytes", cs)
		} else if cs > 19000 {
			big++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d requests not logged, %d logged, %d over 19000 bytes", g.dropped, logged, big)
	if g.dropped < 20 || g.dropped > logged/20 || big < 20 {
		t.Fatalf("%d requests not logged, %d logged, %d over 19000 bytes", g.dropped, logged, big)
	}
}

package detectors

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/logparse"
)

// A layerCase is one logged request and the reason Classify must give it.
type layerCase struct {
	status        string
	rt, rrt, d    string // x-edge-result-type, x-edge-response-result-type, x-edge-detailed-result-type
	ttfb          string
	ctype, clen   string
	query, cookie string
	fle, path     string
	want          Reason
}

// awsDetailedValues is the complete list of x-edge-detailed-result-type
// values in AWS's standard logging reference (see layer.go), plus the
// other two fields' values; layerCases must hold every one.
var awsDetailedValues = []string{
	"OriginShieldHit", "MissGeneratedResponse", "AbortedOrigin", "ClientCommError", "ClientGeoBlocked",
	"ClientHungUpRequest", "Error", "InvalidRequest", "InvalidRequestBlocked", "InvalidRequestCertificate",
	"InvalidRequestHeader", "InvalidRequestMethod", "OriginCommError", "OriginConnectError",
	"OriginContentRangeLengthError", "OriginDnsError", "OriginError", "OriginHeaderTooBigError",
	"OriginInvalidResponseError", "OriginReadError", "OriginWriteError", "OriginZeroSizeObjectError",
	"SlowReaderOriginError",
	"Hit", "RefreshHit", "Miss", "LimitExceeded", "CapacityExceeded", "Redirect", "LambdaExecutionError",
	// Seen in real logs, not on AWS's page.
	"LambdaValidationError", "LambdaLimitExceeded", "FunctionExecutionError", "FunctionThrottledError",
	"FunctionGeneratedResponse", "LambdaGeneratedResponse",
}

// ec is an Error/Error/detailed case with the usual CloudFront error page.
func ec(status, d, ttfb string, want Reason) layerCase {
	return layerCase{status: status, rt: "Error", rrt: "Error", d: d, ttfb: ttfb, ctype: "text/html", clen: "915", want: want}
}

// origin is a generic Error the origin answered after a round trip.
func origin(status, ctype, clen string, want Reason) layerCase {
	return layerCase{status: status, rt: "Error", rrt: "Error", d: "Error", ttfb: "0.052", ctype: ctype, clen: clen, want: want}
}

var layerCases = []layerCase{
	// Not failures.
	{status: "200", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.120", ctype: "application/json", clen: "120"},
	{status: "302", rt: "Redirect", rrt: "Redirect", d: "Redirect", ttfb: "0.000", ctype: "text/html", clen: "167"},
	{status: "200", rt: "Error", rrt: "Miss", d: "Error", ttfb: "0.834"},  // client left mid-download
	{status: "-", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.000"},   // status unknown
	{status: "600", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.000"}, // not an HTTP failure status
	{status: "304", rt: "RefreshHit", rrt: "RefreshHit", d: "OriginShieldHit", ttfb: "0.004"},
	{status: "200", rt: "Miss", rrt: "Miss", d: "MissGeneratedResponse", ttfb: "0.010"},

	// Viewer.
	{status: "000", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.238", ctype: "application/json", clen: "0", want: ReasonViewerHungUp},
	{status: "000", rt: "Error", rrt: "Error", d: "OriginCommError", ttfb: "-", want: ReasonViewerHungUp},
	ec("400", "ClientHungUpRequest", "0.000", ReasonViewerHungUp),
	ec("400", "ClientCommError", "0.000", ReasonViewerCommError),
	ec("400", "ClientSomethingNew", "0.000", ReasonViewerCommError),

	// Edge, by configuration.
	ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
	{status: "403", rt: "Error", rrt: "Error", d: "InvalidRequestMethod", ttfb: "0.000", ctype: "text/html", clen: "1053", path: "/api/auth/callback/credentials", want: ReasonInvalidMethod},
	ec("403", "InvalidRequestBlocked", "0.000", ReasonAccessBlocked),
	{status: "403", rt: "Error", rrt: "Error", d: "InvalidRequestBlocked", ttfb: "0.000", query: "Expires=1700000000&Signature=abc&Key-Pair-Id=K2JCJMDEHXQW5F", want: ReasonSignedURL},
	ec("421", "InvalidRequestCertificate", "0.000", ReasonCertificateMismatch),
	ec("400", "InvalidRequest", "0.000", ReasonInvalidRequest),
	ec("400", "InvalidRequestHeader", "0.000", ReasonInvalidRequest),
	ec("400", "InvalidRequestSomethingNew", "0.000", ReasonInvalidRequest),
	{status: "400", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.020", fle: "MalformedInputClientError", want: ReasonFieldEncryption},
	{status: "400", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.020", fle: "RejectedByContentType", want: ReasonFieldEncryption},
	{status: "413", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.020", fle: "RequestLengthLimitClientError", want: ReasonFieldEncryption},
	{status: "500", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.020", fle: "ServerError", want: ReasonApp},

	// Edge refusal, origin not asked (AWS WAF logs only a generic Error).
	ec("403", "Error", "0.000", ReasonEdgeRefusal),
	ec("403", "Error", "0.001", ReasonEdgeRefusal),
	ec("405", "Error", "0.001", ReasonEdgeRefusal), // a WAF rule's custom status
	ec("429", "Error", "0.000", ReasonEdgeRefusal), // a WAF rate-based rule's custom status
	ec("503", "Error", "0.000", ReasonCachedError), // an origin 503 served again from the cache
	{status: "502", rt: "Error", rrt: "Error", ttfb: "0.001", query: "Key-Pair-Id=K1", want: ReasonCachedError},
	{status: "403", rt: "Error", rrt: "Error", ttfb: "0.000", want: ReasonEdgeRefusal}, // no detailed type (older logs)
	{status: "403", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.000", cookie: "CloudFront-Policy=p;%20CloudFront-Signature=s;%20CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F", want: ReasonSignedURL},
	{status: "403", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.000", query: "Key-Pair-Id=K2JCJMDEHXQW5F&Signature=x", ctype: "text/xml", clen: "146", want: ReasonSignedURL},
	// A signed URL refusal without the credential (MissingKey): CloudFront's
	// own text/xml error document, not S3's nor WAF's.
	{status: "403", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.000", ctype: "text/xml", clen: "146", want: ReasonSignedURL},
	// S3's error document served again from the error cache: still S3's.
	{status: "403", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.000", ctype: "application/xml", clen: "243", want: ReasonS3XMLError},
	{status: "404", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.001", ctype: "application/xml", clen: "290", want: ReasonS3XMLError},

	// Edge compute, in whichever field it shows.
	{status: "503", rt: "LambdaExecutionError", rrt: "LambdaExecutionError", d: "LambdaExecutionError", ttfb: "0.000", want: ReasonLambdaEdgeError},
	{status: "503", rt: "Error", rrt: "LambdaExecutionError", d: "Error", ttfb: "0.300", want: ReasonLambdaEdgeError},
	ec("502", "LambdaValidationError", "0.100", ReasonLambdaEdgeError),
	ec("503", "LambdaLimitExceeded", "0.000", ReasonLambdaEdgeThrottled),
	ec("503", "LambdaSomethingNewExceeded", "0.000", ReasonLambdaEdgeThrottled),
	{status: "503", rt: "Error", rrt: "FunctionThrottledError", d: "Error", ttfb: "0.000", want: ReasonFunctionThrottled},
	{status: "503", rt: "Error", rrt: "FunctionSomethingThrottled", d: "Error", ttfb: "0.000", want: ReasonFunctionThrottled},
	{status: "500", rt: "Error", rrt: "FunctionExecutionError", d: "Error", ttfb: "0.000", want: ReasonFunctionError},
	{status: "500", rt: "Error", rrt: "FunctionValidationError", d: "Error", ttfb: "0.000", want: ReasonFunctionError},
	{status: "403", rt: "Error", rrt: "FunctionGeneratedResponse", d: "Error", ttfb: "0.000", want: ReasonFunctionResponse},
	{status: "403", rt: "Miss", rrt: "Miss", d: "MissGeneratedResponse", ttfb: "0.020", want: ReasonLambdaEdgeResponse},
	{status: "401", rt: "Error", rrt: "LambdaGeneratedResponse", d: "Error", ttfb: "0.004", want: ReasonLambdaEdgeResponse},

	// CloudFront capacity.
	{status: "503", rt: "CapacityExceeded", rrt: "CapacityExceeded", d: "CapacityExceeded", ttfb: "0.000", want: ReasonCapacityExceeded},
	{status: "429", rt: "LimitExceeded", rrt: "LimitExceeded", d: "Error", ttfb: "0.000", want: ReasonLimitExceeded},

	// Origin connection.
	{status: "502", rt: "Error", rrt: "Error", d: "OriginDnsError", ttfb: "0.102", ctype: "text/html", clen: "507", want: ReasonOriginDNS},
	ec("502", "OriginConnectError", "10.003", ReasonOriginConnect),
	ec("504", "OriginCommError", "30.015", ReasonOriginTimeout),
	ec("502", "OriginReadError", "1.200", ReasonOriginRead),
	ec("502", "OriginWriteError", "0.200", ReasonOriginWrite),
	ec("502", "OriginError", "0.200", ReasonOriginInvalidResponse),
	ec("502", "OriginInvalidResponseError", "0.200", ReasonOriginInvalidResponse),
	ec("502", "OriginContentRangeLengthError", "0.200", ReasonOriginInvalidResponse),
	ec("502", "OriginZeroSizeObjectError", "0.200", ReasonOriginInvalidResponse),
	ec("502", "OriginHeaderTooBigError", "0.200", ReasonOriginHeaderTooBig),
	ec("502", "AbortedOrigin", "0.200", ReasonOriginAborted),
	ec("502", "SlowReaderOriginError", "0.200", ReasonSlowReader),
	ec("502", "OriginSomethingNewError", "0.200", ReasonOriginOther),

	// Origin answered.
	origin("403", "application/json", "23", ReasonAPIGatewayJSON403),
	origin("403", "Application/JSON;charset=UTF-8", "16", ReasonAPIGatewayJSON403),
	origin("403", "application/json", "42", ReasonAPIGatewayJSON403),
	origin("403", "application/json", "57", ReasonApp),
	origin("401", "application/json", "23", ReasonApp),
	origin("403", "application/xml", "243", ReasonS3XMLError),
	origin("404", "application/xml", "301", ReasonS3XMLError),
	origin("400", "application/xml", "412", ReasonS3XMLError),
	origin("500", "application/xml", "230", ReasonApp),
	origin("404", "text/html", "0", ReasonApp),
	origin("500", "text/html", "180", ReasonApp),
	origin("599", "-", "-", ReasonApp),
	ec("403", "Error", "0.002", ReasonApp),
	ec("403", "Error", "-", ReasonApp),                                                  // no time-to-first-byte: not known to be the edge's
	{status: "403", ttfb: "0.000", want: ReasonApp},                                     // no result types at all
	{status: "403", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.000", want: ReasonApp}, // Miss: the origin was asked
	{status: "404", rt: "Hit", rrt: "Hit", d: "Hit", ttfb: "0.000", want: ReasonCachedError},
	{status: "404", rt: "RefreshHit", rrt: "RefreshHit", d: "RefreshHit", ttfb: "0.030", want: ReasonCachedError},
	{status: "403", rt: "Hit", rrt: "Hit", d: "OriginShieldHit", ttfb: "0.010", want: ReasonCachedError},
	{status: "404", rt: "Hit", rrt: "Hit", ttfb: "0.000", want: ReasonCachedError},
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// layerLog renders cases as a standard log, request IDs L0000…; every
// path is /api/auth/session unless the case says otherwise.
func layerLog(cases []layerCase) string {
	var b strings.Builder
	b.WriteString(loggen.Header)
	for i, c := range cases {
		path := c.path
		if path == "" {
			path = "/api/auth/session"
		}
		fields := []string{"2026-11-20", fmt.Sprintf("12:%02d:%02d", i/60%60, i%60), "FRA56-P5", "1403", "203.0.113.7", "GET",
			"d111111abcdef8.cloudfront.net", path, c.status, "-", "Mozilla/5.0", orDash(c.query), orDash(c.cookie),
			orDash(c.rt), fmt.Sprintf("L%04d", i), "app.example.com", "https", "320", "0.001", "-", "TLSv1.3",
			"TLS_AES_128_GCM_SHA256", orDash(c.rrt), "HTTP/2.0", orDash(c.fle), "-", "50294", c.ttfb, orDash(c.d),
			orDash(c.ctype), orDash(c.clen), "-", "-"}
		b.WriteString(strings.Join(fields, "\t"))
		b.WriteByte('\n')
	}
	return b.String()
}

// readAll parses log into records.
func readAll(t *testing.T, log string) []logparse.Record {
	t.Helper()
	r := logparse.NewReader(strings.NewReader(log))
	defer r.Close()
	var out []logparse.Record
	for {
		var rec logparse.Record
		err := r.Read(&rec)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

func TestClassifyLayers(t *testing.T) {
	recs := readAll(t, layerLog(layerCases))
	if len(recs) != len(layerCases) {
		t.Fatalf("%d records, want %d", len(recs), len(layerCases))
	}
	for i, c := range layerCases {
		rec := &recs[i]
		if got := Classify(rec); got != c.want {
			t.Errorf("case %d %s %s/%s/%s ttfb %s %s %s: %q, want %q", i, c.status, c.rt, c.rrt, c.d, c.ttfb, c.ctype, c.clen, got, c.want)
		}
		if got, want := ClassifyLayer(rec), c.want.Layer(); got != want {
			t.Errorf("case %d: layer %q, want %q", i, got, want)
		}
		if IsFailure(rec) != (c.want != ReasonNone) {
			t.Errorf("case %d: IsFailure %v", i, IsFailure(rec))
		}
	}
}

// The cases cover every reason, every layer and every value AWS documents.
func TestLayerCasesCoverEverything(t *testing.T) {
	reasons := map[Reason]bool{}
	values := map[string]bool{}
	for _, c := range layerCases {
		reasons[c.want] = true
		values[c.rt], values[c.rrt], values[c.d] = true, true, true
	}
	for r := ReasonNone + 1; r < numReasons; r++ {
		if !reasons[r] {
			t.Errorf("no case for reason %s", r)
		}
		if r.String() == "" || r.Title() == "" || r.Layer() == LayerNone {
			t.Errorf("reason %d: id %q, title %q, layer %q", r, r, r.Title(), r.Layer())
		}
	}
	for _, v := range awsDetailedValues {
		if !values[v] {
			t.Errorf("no case with the value %s", v)
		}
	}
	seen := map[string]bool{}
	for _, l := range Layers() {
		if l.String() == "" || l.Title() == "" || seen[l.String()] {
			t.Errorf("layer %d: %q %q", l, l, l.Title())
		}
		seen[l.String()] = true
	}
	if len(seen) != 7 {
		t.Errorf("%d layers, want 7", len(seen))
	}
}

func TestClassifyLayersAllocatesNothing(t *testing.T) {
	recs := readAll(t, layerLog(layerCases))
	allocs := testing.AllocsPerRun(20, func() {
		for i := range recs {
			Classify(&recs[i])
			S3ErrorOnAPI(&recs[i], []string{"/api"})
			JSONEndpointHTML(&recs[i], "/api/auth")
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per pass, want 0", allocs)
	}
}

func TestSignaturePredicates(t *testing.T) {
	cases := []layerCase{
		origin("403", "application/xml", "243", ReasonS3XMLError),
		origin("404", "application/xml", "301", ReasonS3XMLError),
		origin("404", "application/xml", "301", ReasonS3XMLError),
		origin("404", "application/xml", "301", ReasonS3XMLError),
		{status: "200", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.010", ctype: "text/html;%20charset=utf-8", clen: "1200"},
		{status: "200", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.010", ctype: "application/json", clen: "120"},
		{status: "200", rt: "Hit", rrt: "Hit", d: "Hit", ttfb: "0.000", ctype: "TEXT/HTML", clen: "1200"},
		{status: "404", rt: "Error", rrt: "Error", d: "Error", ttfb: "0.030", ctype: "text/html", clen: "1200"},
		ec("503", "LambdaLimitExceeded", "0.000", ReasonLambdaEdgeThrottled),
		{status: "403", rt: "Error", rrt: "FunctionGeneratedResponse", d: "Error", ttfb: "0.000", want: ReasonFunctionResponse},
		ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
		ec("403", "InvalidRequestMethod", "0.000", ReasonInvalidMethod),
	}
	paths := []string{"/api/auth/session", "/apix/a.js", "/_next/static/a.js", "/api", "/api/auth/session", "/api/auth/providers",
		"/api/auth/csrf", "/api/auth/signin", "/api/x", "/api/x", "/api/auth/session", "/api/auth/session"}
	for i := range cases {
		cases[i].path = paths[i]
	}
	recs := readAll(t, layerLog(cases))
	type want struct{ s3api, fn, html, cfg bool }
	wants := []want{{s3api: true}, {}, {}, {s3api: true}, {html: true}, {}, {html: true}, {}, {fn: true}, {}, {cfg: true}, {}}
	for i, w := range wants {
		rec := &recs[i]
		got := want{S3ErrorOnAPI(rec, []string{"/api"}), EdgeFunctionFailure(rec), JSONEndpointHTML(rec, "/api/auth"), ConfiguredRefusal(rec)}
		if got != w {
			t.Errorf("case %d %s %s: %+v, want %+v", i, rec.URIStem, rec.ContentType, got, w)
		}
	}
}

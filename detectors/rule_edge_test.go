package detectors

import (
	"github.com/cfwatch/cfwatch/logparse"
	"strings"
	"testing"
	"time"
)

// AWS documents LambdaExecutionError in x-edge-result-type and
// x-edge-response-result-type; the detailed type may say only Error. A
// CloudFront Function's failure on a static path is a warning. Neither is
// an origin error.
func TestEdgeFunctionErrorSignatures(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	for i := range 200 {
		at := time.Duration(i) * time.Second
		r := s.rec(at, "GET", "/api/items/1", 200, i)
		if i%5 == 0 {
			r = s.rec(at, "GET", "/api/items/1", 503, i)
			r.EdgeResultType, r.EdgeResponseResultType, r.EdgeDetailedResultType = "LambdaExecutionError", "LambdaExecutionError", "Error"
			r.TimeToFirstByte = 5.0
		}
		e.Observe(r, "E1")
		r = s.rec(at, "GET", "/about", 200, i)
		if i%4 == 0 {
			r = s.rec(at, "GET", "/about", 503, i)
			r.EdgeResultType, r.EdgeResponseResultType, r.EdgeDetailedResultType = "Error", "FunctionThrottledError", "Error"
			r.ContentType = "text/html"
		}
		e.Observe(r, "E1")
	}
	fs := e.Findings()
	if n := len(ruleFindings(fs, RuleOriginErrors)); n != 0 {
		t.Errorf("%d origin-errors findings on edge-compute failures", n)
	}
	got := map[string]Finding{}
	for _, f := range ruleFindings(fs, RuleEdgeFunctionError) {
		got[f.Group] = f
	}
	api, static := got["/api/*"], got["/*"]
	if api.Severity != SeverityCritical || api.Evidence["LambdaExecutionError"] != 40 || !strings.Contains(api.Remedy, "/aws/lambda/us-east-1.") {
		t.Errorf("/api/*: %+v", api)
	}
	if static.Severity != SeverityWarning || static.Evidence["FunctionThrottledError"] != 50 || !strings.Contains(static.Remedy, "/aws/cloudfront/function/") || strings.Contains(static.Remedy, "Lambda@Edge:") {
		t.Errorf("/*: %+v", static)
	}
}

// origin-errors' cause tells read timeouts (504 near the origin response
// timeout, even without OriginReadError), connection and DNS failures apart.
func TestOriginErrorsKinds(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	for i := range 200 {
		at := time.Duration(i) * time.Second
		r := s.rec(at, "GET", "/api/items/1", 200, i)
		switch i % 10 {
		case 0, 1:
			r = s.rec(at, "GET", "/api/items/1", 504, i)
			r.TimeToFirstByte = 30.01
		case 2:
			r = s.rec(at, "GET", "/api/items/1", 502, i)
			r.EdgeDetailedResultType = "OriginConnectError"
		case 3:
			r = s.rec(at, "GET", "/api/items/1", 502, i)
			r.EdgeDetailedResultType = "OriginDnsError"
		}
		e.Observe(r, "E1")
	}
	fs := ruleFindings(e.Findings(), RuleOriginErrors)
	if len(fs) != 1 {
		t.Fatalf("%d origin-errors findings", len(fs))
	}
	f := fs[0]
	for _, want := range []string{"read timeouts ×40", "connection failures ×20", "DNS failures ×20"} {
		if !strings.Contains(f.Cause, want) {
			t.Errorf("cause lacks %q: %s", want, f.Cause)
		}
	}
	if !strings.HasPrefix(f.Remedy, "Read timeouts: raise the origin response timeout") {
		t.Errorf("remedy does not start with the read timeouts: %s", f.Remedy)
	}
}

// Observe stays free of allocations on the new rules' requests.
func TestObserveAllocsEdgeRules(t *testing.T) {
	s := newSynth()
	e := mustNew(t, DefaultConfig())
	lambda := s.rec(0, "GET", "/api/auth/session", 503, 1)
	lambda.EdgeDetailedResultType = "LambdaLimitExceeded"
	geo := s.rec(0, "GET", "/api/auth/csrf", 403, 2)
	geo.EdgeDetailedResultType, geo.TimeToFirstByte = "ClientGeoBlocked", 0
	big := s.rec(0, "GET", "/api/auth/session", 431, 3)
	big.BytesReceived = 17000
	big.Cookie = "__Secure-next-auth.session-token.0=x;%20__Secure-next-auth.session-token.4=y"
	recs := []*logparse.Record{lambda, geo, big, s.rec(0, "GET", "/api/auth/session", 200, 4)}
	for _, r := range recs {
		e.Observe(r, "E1")
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, r := range recs {
			e.Observe(r, "E1")
		}
	}); n != 0 {
		t.Errorf("Observe allocates %.1f times per round", n)
	}
}

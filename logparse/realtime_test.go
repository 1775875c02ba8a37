package logparse

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/testenv"
)

// rtLine joins values with tabs, as CloudFront writes a real-time record.
func rtLine(vals ...string) string { return strings.Join(vals, "\t") }

func TestRealtimeLayoutCanonicalOrder(t *testing.T) {
	// Configured in a different order: delivery is in AWS's order.
	l, err := NewRealtimeLayout([]string{"x-edge-result-type", "sc-status", "cs-uri-stem", "cs-method", "c-ip", "timestamp", "cs-host"})
	if err != nil {
		t.Fatal(err)
	}
	want := "timestamp,c-ip,sc-status,cs-method,cs-host,cs-uri-stem,x-edge-result-type"
	if got := strings.Join(l.Names(), ","); got != want {
		t.Fatalf("order %s, want %s", got, want)
	}
}

func TestRealtimeLayoutRefused(t *testing.T) {
	for name, fields := range map[string][]string{
		"unknown":   {"timestamp", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "x-edge-result-type", "cs(Host)"},
		"duplicate": {"timestamp", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "x-edge-result-type", "c-ip"},
		"missing":   {"timestamp", "c-ip", "cs-method", "cs-uri-stem", "x-edge-result-type"},
		"v2 name":   {"timestamp(ms)", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "x-edge-result-type"},
	} {
		_, err := NewRealtimeLayout(fields)
		if !errors.Is(err, ErrRealtimeFields) {
			t.Errorf("%s: err %v, want ErrRealtimeFields", name, err)
		}
	}
	_, err := NewRealtimeLayout([]string{"timestamp", "c-ip", "cs-method", "cs-uri-stem", "x-edge-result-type"})
	if err == nil || !strings.Contains(err.Error(), "sc-status") {
		t.Errorf("missing field not named: %v", err)
	}
	if _, err := ParseRealtimeFields(" , "); !errors.Is(err, ErrRealtimeFields) {
		t.Errorf("empty list: %v", err)
	}
}

func TestRealtimeParseRecommended(t *testing.T) {
	l, err := NewRealtimeLayout(RealtimeRecommendedFields)
	if err != nil {
		t.Fatal(err)
	}
	p := NewRealtimeParser(l)
	// timestamp c-ip ttfb status bytes method proto cs-host uri x-edge-location
	// reqid x-host-header time-taken proto-ver UA cookie query resp-result
	// result content-type content-len detailed
	line := rtLine("1731699951.183", "2001:db8::1", "0.012", "403", "512", "POST", "https",
		"app.example.com", "/api/auth/callback/google?code=abc&state=xyz", "SOF50-P2",
		"reqid==", "d111111abcdef8.cloudfront.net", "0.013", "HTTP/2.0",
		"Mozilla/5.0%20X", "next-auth.csrf-token=1", "-", "Error", "Error",
		"application/json", "23", "Error") + "\n"
	var rec Record
	if err := p.Parse(line, &rec); err != nil {
		t.Fatal(err)
	}
	if want := time.UnixMilli(1731699951183).UTC(); !rec.Time.Equal(want) {
		t.Errorf("time %v, want %v", rec.Time, want)
	}
	if rec.ClientIP != netip.MustParseAddr("2001:db8::1") || rec.Status != 403 || rec.Method != "POST" {
		t.Errorf("ip/status/method %v %d %s", rec.ClientIP, rec.Status, rec.Method)
	}
	// The swap: real-time cs-host is the viewer's Host, x-host-header the distribution.
	if rec.HostHeader != "app.example.com" || rec.Host != "d111111abcdef8.cloudfront.net" {
		t.Errorf("HostHeader %q Host %q", rec.HostHeader, rec.Host)
	}
	if rec.URIStem != "/api/auth/callback/google" || rec.Query != "code=abc&state=xyz" || !rec.Has(FieldQuery) {
		t.Errorf("stem %q query %q", rec.URIStem, rec.Query)
	}
	if rec.TimeToFirstByte != 0.012 || !rec.Has(FieldTimeToFirstByte) || rec.ContentLength != 23 {
		t.Errorf("ttfb %v len %d", rec.TimeToFirstByte, rec.ContentLength)
	}
	if rec.Cookie != "next-auth.csrf-token=1" || rec.EdgeDetailedResultType != "Error" || rec.UserAgent != "Mozilla/5.0%20X" {
		t.Errorf("cookie %q detailed %q ua %q", rec.Cookie, rec.EdgeDetailedResultType, rec.UserAgent)
	}

	// A bad number is a field error, the record kept.
	bad := strings.Replace(line, "\t23\t", "\tx\t", 1)
	if err := p.Parse(bad, &rec); err != nil {
		t.Fatal(err)
	}
	if len(p.FieldErrors()) != 1 || !rec.Invalid(FieldContentLength) {
		t.Errorf("field errors %v", p.FieldErrors())
	}
	// A bad timestamp loses the line.
	if err := p.Parse(strings.Replace(line, "1731699951.183", "yesterday", 1), &rec); !errors.Is(err, ErrTime) {
		t.Errorf("bad time: %v", err)
	}
}

func TestRealtimeParseColumnMismatch(t *testing.T) {
	l, err := NewRealtimeLayout(RealtimeRequiredFields)
	if err != nil {
		t.Fatal(err)
	}
	p := NewRealtimeParser(l)
	var rec Record
	ok := rtLine("1731699951.183", "192.0.2.1", "GET", "/", "200", "Hit")
	if err := p.Parse(ok, &rec); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		rtLine("1731699951.183", "192.0.2.1", "GET", "/", "200"),             // one short
		rtLine("1731699951.183", "192.0.2.1", "GET", "/", "200", "Hit", "x"), // one more
		"1731699951.183 192.0.2.1 GET / 200 Hit",                             // not TSV
	} {
		err := p.Parse(line, &rec)
		if !errors.Is(err, ErrRealtimeFields) {
			t.Errorf("%q: err %v, want ErrRealtimeFields", line, err)
		}
	}
}

// TestRealtimeRealRecord reads a real real-time record (40 fields, the 2020
// default list), whose fixture gives the expected values.
func TestRealtimeRealRecord(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RealLogsDir(t), "claygregory_node-cloudfront-log-parser__test__fixtures__kinesis-1-0.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	var data string
	for line := range strings.Lines(string(b)) {
		switch {
		case strings.HasPrefix(line, "#Fields:"):
			fields = strings.Fields(strings.TrimPrefix(line, "#Fields:"))
		case !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "":
			data = line
		}
	}
	l, err := NewRealtimeLayout(fields)
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	if err := NewRealtimeParser(l).Parse(data, &rec); err != nil {
		t.Fatal(err)
	}
	if want := time.Unix(1607374321, 541e6).UTC(); !rec.Time.Equal(want) {
		t.Errorf("time %v want %v", rec.Time, want)
	}
	if rec.ClientIP.String() != "127.0.0.1" || rec.Status != 200 || rec.TimeToFirstByte != 0.042 {
		t.Errorf("got %v %d %v", rec.ClientIP, rec.Status, rec.TimeToFirstByte)
	}
	if rec.URIStem != "/i" || !strings.HasPrefix(rec.Query, "stm=1607374321563") {
		t.Errorf("stem %q query %.20q", rec.URIStem, rec.Query)
	}
	if got := Decode(rec.UserAgent); got != "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:83.0) Gecko/20100101 Firefox/83.0" {
		t.Errorf("user agent %q", got)
	}
}

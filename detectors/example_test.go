package detectors_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
)

// A log of two POSTs that CloudFront refused itself: the behavior does not
// allow POST.
func Example() {
	const log = "#Version: 1.0\n" +
		"#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n" +
		"2026-11-20\t14:02:11\tFRA56-P5\t1400\t192.0.2.10\tPOST\td111111abcdef8.cloudfront.net\t/api/auth/callback/credentials\t403\t-\tMozilla/5.0\t-\t-\tError\tEXAMPLE1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa==\tapp.example.com\thttps\t900\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tError\tHTTP/2.0\t-\t-\t50000\t0.000\tInvalidRequestMethod\ttext/html\t1053\t-\t-\n" +
		"2026-11-20\t14:05:42\tFRA56-P5\t1400\t192.0.2.11\tPOST\td111111abcdef8.cloudfront.net\t/api/items\t403\t-\tMozilla/5.0\t-\t-\tError\tEXAMPLE2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa==\tapp.example.com\thttps\t900\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tError\tHTTP/2.0\t-\t-\t50001\t0.000\tInvalidRequestMethod\ttext/html\t1053\t-\t-\n"

	eng, err := detectors.New(detectors.DefaultConfig())
	if err != nil {
		fmt.Println(err) // an invalid configuration
		return
	}
	r := logparse.NewReader(strings.NewReader(log))
	var rec logparse.Record
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err) // a *logparse.ParseError skips one line; others end the input
			return
		}
		eng.Observe(&rec, "E2QWRUHEXAMPLE") // the distribution ID from the object key
	}
	for _, f := range eng.Findings() {
		fmt.Println(f.Severity, f.Key)
		fmt.Println(f.Summary())
		fmt.Println(f.Examples)
	}
	for _, c := range eng.Checks() {
		fmt.Println(c.Name, c.Status)
	}
	// Output:
	// critical method-rejected|E2QWRUHEXAMPLE|app.example.com|/api/*
	// 2 of 2 non-GET/HEAD requests (100%) from 2 clients, 2026-11-20 14:02–14:05 UTC
	// [EXAMPLE1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa== EXAMPLE2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa==]
	// csrf-ok no-data
	// session-ok no-data
	// callback-redirects fail
	// auth-never-cached pass
}

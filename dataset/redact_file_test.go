package dataset_test

import (
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/parquettest"
	"github.com/cfwatch/cfwatch/loggen"
)

// TestRedactedInFile: the secrets the redaction missed before (token_hash,
// *_code, *_key, bearer credentials, a code in an encoded fragment, a JWT in
// the user agent) reach neither a column nor the file's bytes (statistics,
// dictionaries, page index), read back with arrow-go; their names stay.
func TestRedactedInFile(t *testing.T) {
	eachEncoder(t, func(t *testing.T, enc dataset.Encoder) {
		const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJTRUNSRVQxIn0.c2lnU0VDUkVUMg"
		secrets := []string{"SECRETHASH1", "SECRETCODE2", "SECRETKEY3", "SECRETBEARER4", "SECRETFRAG5", "SECRETREF6", jwt,
			"eyJzdWIiOiJTRUNSRVQxIn0"}
		line := func(ua, query, referrer string) string {
			return strings.Join([]string{"2026-11-20", "12:00:00", "IAD89-C1", "500", "192.0.2.1", "GET",
				"d111111abcdef8.cloudfront.net", "/api/auth/callback/cognito", "302", referrer, ua, query, "-", "Miss",
				"req1", "app.example.com", "https", "100", "0.010", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Miss",
				"HTTP/2.0", "-", "-", "443", "0.010", "Miss", "text/html", "10", "-", "-"}, "\t") + "\n"
		}
		log := loggen.Header +
			line("MyApp/2.1%20(token%20"+jwt+")", "token_hash=SECRETHASH1&type=email", "-") +
			line("Mozilla/5.0", "otp_code=SECRETCODE2&private_key=SECRETKEY3", "-") +
			line("Mozilla/5.0", "authorization=Bearer%20SECRETBEARER4&page=2", "-") +
			line("Mozilla/5.0", "callbackUrl=https%3A%2F%2Fapp%2Fcb%23code%3DSECRETFRAG5", "https://app.example.com/cb#code=SECRETREF6")
		recs := parquettest.ParseLog(t, []byte(log))
		if len(recs) != 4 {
			t.Fatalf("%d records", len(recs))
		}
		data := writeParquet(t, recs, "E1", dataset.Options{Encoder: enc})
		values := parquettest.CheckTable(t, parquettest.ReadTable(t, data), recs, "E1", "")
		for name, vals := range values {
			for r, v := range vals {
				s, _ := v.(string)
				for _, secret := range secrets {
					if strings.Contains(s, secret) {
						t.Errorf("row %d column %s holds %q: %q", r, name, secret, s)
					}
				}
			}
		}
		for _, secret := range secrets {
			if strings.Contains(string(data), secret) {
				t.Errorf("the file's bytes hold %q", secret)
			}
		}
		for col, want := range map[string]string{
			"cs_user_agent":         "MyApp/2.1%20(token%20[redacted])",
			"cs_user_agent_decoded": "MyApp/2.1 (token [redacted])",
			"cs_uri_query":          "token_hash=[redacted]&type=email",
		} {
			if got := values[col][0]; got != want {
				t.Errorf("%s = %q, want %q", col, got, want)
			}
		}
		if got := values["cs_referrer"][3]; got != "https://app.example.com/cb#code=[redacted]" {
			t.Errorf("cs_referrer = %q", got)
		}
	})
}

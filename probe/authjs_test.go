package probe

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const testAuthSecret = "cfwatch-probe-test-secret-0123456789abcdef0123456789"

// startAuthJS starts the real Auth.js test app (testdata/authjs-app) on
// 127.0.0.1 and returns its URL. It skips when node or the app's
// node_modules are missing (npm ci in probe/testdata/authjs-app; .ci/run
// does it), unless CI=true, where it fails.
func startAuthJS(t *testing.T) *url.URL {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "authjs-app"))
	if err != nil {
		t.Fatal(err)
	}
	missing := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %s", why)
		}
		t.Skip(why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node not found: the probe tests run a real Auth.js app (Node.js 20+)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@auth", "core")); err != nil {
		missing("the Auth.js test app is not installed: run npm ci in " + dir)
	}
	cmd := exec.Command(node, "--max-http-header-size=65536", "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AUTH_SECRET="+testAuthSecret, "CORS_ORIGINS=https://other.example.test")
	cmd.Stderr = &testWriter{t: t}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the Auth.js app: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if after, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				lines <- after
			}
		}
	}()
	select {
	case addr := <-lines:
		u, err := url.Parse(addr)
		if err != nil {
			t.Fatal(err)
		}
		return u
	case <-time.After(15 * time.Second):
		t.Fatal("the Auth.js app did not start within 15 s")
	}
	return nil
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Logf("authjs-app: %s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func failing(rep *Report) map[string]string {
	m := map[string]string{}
	for _, c := range rep.Checks {
		if c.Status == StatusFail {
			m[c.ID] = c.Rule
		}
	}
	return m
}

// TestProbeAuthJSBehindCloudFront runs the probe against real Auth.js
// behind each CloudFront setup: the healthy one passes every check, each
// broken one fails exactly the checks of its rule.
func TestProbeAuthJSBehindCloudFront(t *testing.T) {
	app := startAuthJS(t)
	for _, tc := range []struct {
		mode string
		want map[string]string // failing check → rule
	}{
		{cfHealthy, map[string]string{}},
		{cfMethods, map[string]string{CheckSigninPost: "method-rejected", CheckPreflight: "method-rejected"}},
		{cfCached, map[string]string{CheckNeverCached: "auth-cache-hit"}},
		{cfNoCookies, map[string]string{CheckSigninPost: "auth-403-burst"}},
		{cfNoQuery, map[string]string{CheckSigninPost: "auth-403-burst"}},
		{cfAPIGWHost, map[string]string{CheckAPIHost: "api-origin-forbidden"}},
		{cfHeaderLimit, map[string]string{CheckLargeCookie: "auth-cookie-oversize"}},
		{cfNoCORS, map[string]string{CheckPreflight: "cors-preflight-rejected"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			srv := newCFProxy(t, app, tc.mode)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			rep, err := Run(ctx, Options{URL: srv.URL, Origin: "https://other.example.test", APIPath: "/api/health", Timeout: 5 * time.Second, Version: "test"})
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			if err := WriteText(&text, rep); err != nil {
				t.Fatal(err)
			}
			got := failing(rep)
			if len(got) != len(tc.want) {
				t.Errorf("failing checks %v, want %v\n%s", got, tc.want, text.String())
			}
			for id, rule := range tc.want {
				if got[id] != rule {
					t.Errorf("%s: rule %q, want %q\n%s", id, got[id], rule, text.String())
				}
			}
			if rep.Summary.Skipped != 0 {
				t.Errorf("%d checks skipped\n%s", rep.Summary.Skipped, text.String())
			}
			for _, c := range rep.Checks {
				if c.Status == StatusFail && (c.Remedy == "" || c.Cause == "" || c.Severity == "") {
					t.Errorf("%s failed without cause, remedy or severity: %+v", c.ID, c)
				}
				n := len(c.Requests)
				switch c.ID {
				case CheckNeverCached:
					if n != 2 {
						t.Errorf("never-cached made %d requests, want 2", n)
					}
				case CheckLargeCookie:
					if n < 2 || n > 6 {
						t.Errorf("large-cookie made %d requests, want 2 to 6", n)
					}
				default:
					if n != 1 {
						t.Errorf("%s made %d requests, want 1", c.ID, n)
					}
				}
			}
			assertNoSecrets(t, rep, text.String())
			checkFormats(t, rep)
			if tc.mode == cfHeaderLimit {
				lc := rep.Checks[slices.IndexFunc(rep.Checks, func(c Check) bool { return c.ID == CheckLargeCookie })]
				sl := lc.SizeLimit
				if sl == nil || sl.RefusedBy != byS3 || sl.RefusedStatus != 400 || sl.LargestAnswered > 8192 || sl.SmallestRefused <= 8192 || sl.SmallestRefused-sl.LargestAnswered > 2048 {
					t.Errorf("size limit %+v, want S3's 400 between answered ≤8192 and refused >8192 within 2 KB", sl)
				}
				if lc.Severity != "critical" {
					t.Errorf("severity %q, want critical (refused at 12 KB)", lc.Severity)
				}
			}
			if tc.mode == cfHealthy {
				lc := rep.Checks[len(rep.Checks)-1]
				if sl := lc.SizeLimit; sl == nil || sl.RefusedStatus != 494 || sl.RefusedBy != byCloudFront || !strings.Contains(sl.Limit, "20,480") {
					t.Errorf("healthy size limit %+v, want CloudFront's 494 over 20,480 bytes", lc.SizeLimit)
				}
			}
		})
	}
}

// assertNoSecrets checks that no cookie value or CSRF token appears in
// the report: the values are long runs of hex or x.
func assertNoSecrets(t *testing.T, rep *Report, text string) {
	t.Helper()
	if strings.Contains(text, "xxxxxxxxxxxxxxxx") {
		t.Error("the padding cookie's value is printed")
	}
	for _, c := range rep.Checks {
		for _, ex := range c.Requests {
			for _, h := range ex.Headers {
				if strings.EqualFold(h.Name, "set-cookie") || strings.EqualFold(h.Name, "cookie") {
					t.Errorf("cookie header value recorded: %s", h.Name)
				}
			}
		}
	}
}

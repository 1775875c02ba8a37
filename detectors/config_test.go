package detectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultConfigValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.AuthPrefix != "/api/auth" || !reflect.DeepEqual(c.APIPrefixes, []string{"/api"}) || c.Window != 5*time.Minute {
		t.Errorf("defaults: %+v", c)
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "detectors.json")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadConfigOverlay(t *testing.T) {
	path := writeConfig(t, `{
		"auth_prefix": "/auth",
		"api_prefixes": ["/api", "/trpc"],
		"window": "10m",
		"reorder": "2h",
		"auth_403_burst": {"min_count": 8, "baseline_factor": 3},
		"origin_errors": {"critical_rate": 0.5},
		"checks": {"min_failures": 10}
	}`)
	got, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.AuthPrefix = "/auth"
	want.APIPrefixes = []string{"/api", "/trpc"}
	want.Window = 10 * time.Minute
	want.Reorder = 2 * time.Hour
	want.Auth403Burst.MinCount = 8
	want.Auth403Burst.BaselineFactor = 3
	want.OriginErrors.CriticalRate = 0.5
	want.Checks.MinFailures = 10
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LoadConfig:\n got %+v\nwant %+v", got, want)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for name, text := range map[string]string{
		"unknown key":        `{"auth_prefx": "/auth"}`,
		"unknown nested key": `{"auth_403_burst": {"min_cnt": 3}}`,
		"bad duration":       `{"window": "5 minutes"}`,
		"number duration":    `{"window": 300}`,
		"invalid rate":       `{"cors_preflight_rejected": {"min_rate": 1.5}}`,
		"zero count":         `{"method_rejected": {"min_count": 0}}`,
		"relative prefix":    `{"auth_prefix": "api/auth"}`,
		"root api prefix":    `{"api_prefixes": ["/*"]}`,
		"too many buckets":   `{"window": "1m", "lookback": "1h", "reorder": "1h"}`,
		"huge lookback":      `{"lookback": "2000000h"}`,
		"short lookback":     `{"window": "10m", "lookback": "5m"}`,
		"negative reorder":   `{"reorder": "-1m"}`,
		"not JSON":           `auth_prefix = "/auth"`,
		"trailing data":      `{} {}`,
	} {
		if _, err := LoadConfig(writeConfig(t, text)); err == nil {
			t.Errorf("%s: LoadConfig(%s) succeeded", name, text)
		}
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("LoadConfig of a missing file succeeded")
	}
}

func TestConfigSet(t *testing.T) {
	c := DefaultConfig()
	for _, kv := range [][2]string{
		{"window", "10m"},
		{"auth_prefix", "/auth"},
		{"api_prefixes", "/api, /trpc"},
		{"auth_403_burst.min_count", "7"},
		{"auth_403_burst.min_rate", "0.3"},
		{"max_hosts", "8"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%q, %q): %v", kv[0], kv[1], err)
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Window != 10*time.Minute || c.AuthPrefix != "/auth" || !reflect.DeepEqual(c.APIPrefixes, []string{"/api", "/trpc"}) ||
		c.Auth403Burst.MinCount != 7 || c.Auth403Burst.MinRate != 0.3 || c.MaxHosts != 8 ||
		c.Auth403Burst.BaselineFactor != DefaultConfig().Auth403Burst.BaselineFactor {
		t.Errorf("after Set: %+v", c)
	}
	for _, kv := range [][2]string{{"nope", "1"}, {"auth_403_burst.nope", "1"}, {"a.b.c", "1"}, {"", "1"}, {"max_hosts", "many"}, {"window", "soon"}} {
		if err := c.Set(kv[0], kv[1]); err == nil {
			t.Errorf("Set(%q, %q) succeeded", kv[0], kv[1])
		}
	}
}

// The JSON form of a Config reads back as the same Config.
func TestConfigJSONRoundTrip(t *testing.T) {
	c := DefaultConfig()
	c.Window = 7 * time.Minute
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"window":"7m0s"`) {
		t.Errorf("durations are not strings: %s", data)
	}
	got, err := LoadConfig(writeConfig(t, string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
	}
}

func TestNewPanicsOnInvalidConfig(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(Config{}) did not panic")
		}
	}()
	New(Config{})
}

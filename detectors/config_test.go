package detectors

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

func TestNewRejectsInvalidConfig(t *testing.T) {
	e, err := New(Config{})
	if err == nil || e != nil {
		t.Fatalf("New(Config{}) = %v, %v; want an error", e, err)
	}
	if !strings.HasPrefix(err.Error(), "detectors: ") || strings.Count(err.Error(), "detectors:") != 1 {
		t.Errorf("error %q: want it to say once where it happened", err)
	}
}

// Every setting's key, derived from Config: the ones documented, the
// durations, and the members of the thresholds (embedded ones flattened).
func TestSettingNames(t *testing.T) {
	names := SettingNames()
	for _, want := range []string{
		"auth_prefix", "api_prefixes", "window", "lookback", "reorder", "max_hosts",
		"auth_403_burst", "auth_403_burst.min_count", "auth_403_burst.min_rate", "auth_403_burst.baseline_factor",
		"origin_errors.critical_rate", "checks.min_failures",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("SettingNames lacks %q: %v", want, names)
		}
	}
	for _, n := range names {
		if strings.ContainsAny(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") || strings.Contains(n, "Threshold") {
			t.Errorf("SettingNames has a Go name: %q", n)
		}
	}
}

// Errors name the setting as the user wrote it, suggest the nearest key,
// and say what a value should be without Go's type names.
func TestSettingErrors(t *testing.T) {
	for _, c := range []struct {
		key, value string
		want       string
	}{
		{"auth-403-burst.min_count", "8", `unknown setting "auth-403-burst.min_count": did you mean auth_403_burst.min_count?`},
		{"auth-403-burst", `{"min_count": 8}`, `did you mean auth_403_burst?`},
		{"auth_403_burst.min_cout", "8", `did you mean auth_403_burst.min_count?`},
		{"Window", "10m", `did you mean window?`},
		{"colour", "red", `unknown setting "colour" (settings: auth_prefix, api_prefixes,`},
		{"window.size", "1", `window is a single setting`},
		{"auth_403_burst.min_count", "x", `auth_403_burst.min_count: want a whole number, got "x"`},
		{"auth_403_burst.min_count", "1.5", `auth_403_burst.min_count: want a whole number, got 1.5`},
		{"auth_403_burst.min_rate", "high", `auth_403_burst.min_rate: want a number, got "high"`},
		{"window", "soon", `window: want a duration such as "5m" or "1h30m", got "soon"`},
		{"max_hosts", "many", `max_hosts: want a whole number, got "many"`},
		{"auth_403_burst", "8", `auth_403_burst: want an object of settings (auth_403_burst.enabled, auth_403_burst.min_count, auth_403_burst.min_rate,`},
		{"auth_prefix", "3", `auth_prefix: want text, got 3`},
	} {
		cfg := DefaultConfig()
		err := cfg.Set(c.key, c.value)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%q, %q) = %v, want %q", c.key, c.value, err, c.want)
			continue
		}
		for _, goName := range []string{"int64", "float64", "Go struct", "json:", "Threshold", "unmarshal"} {
			if strings.Contains(err.Error(), goName) {
				t.Errorf("Set(%q, %q): %q speaks Go (%s)", c.key, c.value, err, goName)
			}
		}
	}
	// A group takes an object of its members.
	cfg := DefaultConfig()
	if err := cfg.Set("auth_403_burst", `{"min_count": 9}`); err != nil || cfg.Auth403Burst.MinCount != 9 {
		t.Errorf("Set of a group: %v, min_count %d", err, cfg.Auth403Burst.MinCount)
	}
}

// A configuration file's errors are in the same terms, with the file.
func TestLoadConfigMessages(t *testing.T) {
	for text, want := range map[string]string{
		`{"auth_prefx": "/auth"}`:                      `unknown setting "auth_prefx": did you mean auth_prefix?`,
		`{"auth_403_burst": {"min_cnt": 3}}`:           `unknown setting "auth_403_burst.min_cnt": did you mean auth_403_burst.min_count?`,
		`{"auth-403-burst": {"min_count": 3}}`:         `did you mean auth_403_burst?`,
		`{"window": 300}`:                              `window: want a duration such as "5m" or "1h30m", got 300`,
		`{"api_prefixes": "/api"}`:                     `api_prefixes: want a list of text`,
		`{"api_prefixes": ["/api", 3]}`:                `api_prefixes[1]: want text, got 3`,
		`{"origin_errors": {"critical_rate": "high"}}`: `origin_errors.critical_rate: want a number, got "high"`,
		`[1, 2]`:      `want a JSON object of settings, got a list`,
		`{"window": `: `not valid JSON`,
	} {
		path := writeConfig(t, text)
		_, err := LoadConfig(path)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("LoadConfig(%s) = %v, want %q and the file", text, err, want)
		}
	}
}

// Every rule has "enabled" (default true) under its key or under "rules";
// ignore_paths is a list; the method_rejected static settings are flat keys.
func TestConfigSwitchesAndIgnorePaths(t *testing.T) {
	c := DefaultConfig()
	for _, th := range []Threshold{c.AuthCacheHit, c.Auth403Burst.Threshold, c.MethodRejected.Threshold, c.CORSPreflightRejected,
		c.AuthCookieMissing, c.AuthInsecureScheme, c.APIOriginForbidden, c.OriginErrors.Threshold} {
		if th.Disabled {
			t.Fatalf("a rule is off by default: %+v", th)
		}
	}
	if len(c.IgnorePaths) != 0 {
		t.Fatalf("ignore_paths by default: %q", c.IgnorePaths)
	}
	for _, kv := range []string{
		"rules.method_rejected.enabled=false",
		"auth_cache_hit.enabled=false",
		"rules.origin_errors.critical_rate=0.4",
		`rules.auth_403_burst={"enabled": false, "baseline_factor": 2}`,
		"ignore_paths=/xmlrpc.php, /wp-*",
		"method_rejected.static_min_count=20",
		"method_rejected.page_min_clients=3",
	} {
		if err := c.SetAll([]string{kv}); err != nil {
			t.Fatalf("%s: %v", kv, err)
		}
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.MethodRejected.Disabled || !c.AuthCacheHit.Disabled || !c.Auth403Burst.Disabled || c.OriginErrors.Disabled ||
		c.OriginErrors.CriticalRate != 0.4 || c.Auth403Burst.BaselineFactor != 2 || c.Auth403Burst.MinCount != 5 ||
		!reflect.DeepEqual(c.IgnorePaths, []string{"/xmlrpc.php", "/wp-*"}) || c.MethodRejected.StaticMinCount != 20 ||
		c.MethodRejected.PageMinClients != 3 || c.MethodRejected.MinCount != 1 || c.MethodRejected.StaticMinClients != 5 {
		t.Errorf("after Set: %+v", c)
	}
	// The JSON form keeps all of it; "rules" reads the same.
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"method_rejected":{"enabled":false,"min_count":1,"min_rate":0,"static_min_count":20,"static_min_clients":5,"static_min_rate":0.001,"page_min_clients":3}`,
		`"ignore_paths":["/xmlrpc.php","/wp-*"]`, `"auth_cache_hit":{"enabled":false,`, `"origin_errors":{"enabled":true,`} {
		if !strings.Contains(string(data), s) {
			t.Errorf("JSON lacks %s: %s", s, data)
		}
	}
	got, err := ParseConfig(data, "round trip")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, c)
	}
	viaRules, err := ParseConfig([]byte(`{"rules": {"method_rejected": {"enabled": false}, "auth_cache_hit": {"enabled": false, "min_count": 4}}}`), "rules")
	if err != nil {
		t.Fatal(err)
	}
	if !viaRules.MethodRejected.Disabled || !viaRules.AuthCacheHit.Disabled || viaRules.AuthCacheHit.MinCount != 4 ||
		viaRules.AuthCacheHit.MinRate != DefaultConfig().AuthCacheHit.MinRate {
		t.Errorf("rules object: %+v", viaRules)
	}
	// An empty value clears the list.
	if err := c.Set("ignore_paths", ""); err != nil || len(c.IgnorePaths) != 0 || c.Validate() != nil {
		t.Errorf("ignore_paths= : %v %q", err, c.IgnorePaths)
	}

	for _, kv := range []string{"rules.window=5m", "rules.nope.enabled=false", "rules.method_rejected.a.b=1", "method_rejected.enabled=maybe",
		"method_rejected.enabld=false"} {
		c := DefaultConfig()
		if err := c.SetAll([]string{kv}); err == nil {
			t.Errorf("%s accepted", kv)
		}
	}
	for name, text := range map[string]string{
		"unknown rule":           `{"rules": {"nope": {}}}`,
		"unknown key in rules":   `{"rules": {"method_rejected": {"enable": false}}}`,
		"relative pattern":       `{"ignore_paths": ["wp-login.php"]}`,
		"empty pattern":          `{"ignore_paths": [""]}`,
		"control in pattern":     `{"ignore_paths": ["/a\u001b[31m"]}`,
		"page_min_clients 0":     `{"method_rejected": {"page_min_clients": 0}}`,
		"page_min_clients large": `{"method_rejected": {"page_min_clients": 101}}`,
		"static_min_rate":        `{"method_rejected": {"static_min_rate": 2}}`,
		"static_min_count":       `{"method_rejected": {"static_min_count": 0}}`,
		"static_min_clients":     `{"method_rejected": {"static_min_clients": 0}}`,
		"enabled not bool":       `{"origin_errors": {"enabled": "no"}}`,
	} {
		if _, err := ParseConfig([]byte(text), name); err == nil {
			t.Errorf("%s: %s accepted", name, text)
		}
	}
	many := make([]string, 65)
	for i := range many {
		many[i] = "/p"
	}
	c = DefaultConfig()
	c.IgnorePaths = many
	if c.Validate() == nil {
		t.Error("65 ignore_paths accepted")
	}
}

// docs/settings.md shows the defaults: its JSON is DefaultConfig.
func TestSettingsDocDefaults(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "settings.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n## The defaults\n")
	if !ok {
		t.Fatal("docs/settings.md has no \"The defaults\" section")
	}
	_, block, ok := strings.Cut(section, "```json\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("docs/settings.md's defaults section has no JSON block")
	}
	got, err := ParseConfig([]byte(block), "docs/settings.md")
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.IgnorePaths = []string{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("docs/settings.md's settings are not the defaults:\n got %+v\nwant %+v", got, want)
	}
}

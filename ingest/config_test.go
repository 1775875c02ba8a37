package ingest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/dataset"
)

// The Lambda's environment reaches every detector setting: rules switched
// off and ignore_paths in CFWATCH_CONFIG_JSON, ignore_paths through its
// shortcut too (which wins, as the other shortcuts do).
func TestConfigFromEnvDetectorSwitches(t *testing.T) {
	env := map[string]string{
		EnvConfigJSON: `{"rules": {"method_rejected": {"enabled": false}}, "origin_errors": {"enabled": false}, "ignore_paths": ["/xmlrpc.php"]}`,
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	d := c.Detectors
	if !d.MethodRejected.Disabled || !d.OriginErrors.Disabled || d.AuthCacheHit.Disabled || !reflect.DeepEqual(d.IgnorePaths, []string{"/xmlrpc.php"}) {
		t.Errorf("detectors: %+v", d)
	}
	env[EnvIgnorePaths] = " /wp-*, *.php "
	if c, err = ConfigFromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Detectors.IgnorePaths, []string{"/wp-*", "*.php"}) || !c.Detectors.MethodRejected.Disabled {
		t.Errorf("with %s: %+v", EnvIgnorePaths, c.Detectors)
	}
	env[EnvIgnorePaths] = "wp-login.php"
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "ignore_paths") {
		t.Errorf("a pattern without / accepted: %v", err)
	}
}

// CFWATCH_PARQUET_ENCODER chooses the dataset's encoder; a value that names
// none is an error that names the variable, so the Lambda's init fails
// instead of writing with an encoder nobody chose.
func TestConfigFromEnvParquetEncoder(t *testing.T) {
	for v, want := range map[string]dataset.Encoder{"": dataset.EncoderNative, "native": dataset.EncoderNative,
		"parquet-go": dataset.EncoderParquetGo, " Parquet-Go ": dataset.EncoderParquetGo} {
		c, err := ConfigFromEnv(func(k string) string {
			if k == EnvParquetEncoder {
				return v
			}
			return ""
		})
		if err != nil || c.ParquetEncoder != want {
			t.Errorf("%s=%q: %q, %v; want %q", EnvParquetEncoder, v, c.ParquetEncoder, err, want)
		}
	}
	_, err := ConfigFromEnv(func(k string) string {
		if k == EnvParquetEncoder {
			return "arrow"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), EnvParquetEncoder) || !strings.Contains(err.Error(), "native or parquet-go") {
		t.Errorf("%s=arrow: %v", EnvParquetEncoder, err)
	}
}

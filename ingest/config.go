package ingest

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
)

// Environment variables read by ConfigFromEnv: the Lambda's configuration
// (template.yaml sets them), also honoured by local runs.
const (
	EnvOutputBucket     = "CFWATCH_OUTPUT_BUCKET"     // dataset bucket (required in the Lambda)
	EnvOutputPrefix     = "CFWATCH_OUTPUT_PREFIX"     // dataset prefix, default DefaultOutputPrefix
	EnvStateBucket      = "CFWATCH_STATE_BUCKET"      // alert state bucket, default the output bucket
	EnvStatePrefix      = "CFWATCH_STATE_PREFIX"      // alert state prefix, default DefaultStatePrefix
	EnvLogLevel         = "CFWATCH_LOG_LEVEL"         // debug, info, warn, error; default info
	EnvConfigJSON       = "CFWATCH_CONFIG_JSON"       // detector settings, JSON as report --config reads
	EnvAuthPrefix       = "CFWATCH_AUTH_PREFIX"       // shortcut for the auth_prefix setting
	EnvAPIPrefixes      = "CFWATCH_API_PREFIXES"      // shortcut for api_prefixes, comma-separated
	EnvIgnorePaths      = "CFWATCH_IGNORE_PATHS"      // shortcut for ignore_paths, comma-separated glob patterns
	EnvMetricsNamespace = "CFWATCH_METRICS_NAMESPACE" // CloudWatch namespace of the EMF metrics, default DefaultNamespace
	EnvParquetEncoder   = "CFWATCH_PARQUET_ENCODER"   // native (default) or parquet-go: see dataset.Encoder
)

// Defaults of the configuration.
const (
	DefaultOutputPrefix = "cloudfront/"
	DefaultStatePrefix  = "cfwatch-state/"
	DefaultNamespace    = "cfwatch"
)

// Config is the ingest configuration.
type Config struct {
	OutputBucket     string
	OutputPrefix     string
	StateBucket      string
	StatePrefix      string
	LogLevel         slog.Level
	Detectors        detectors.Config
	MetricsNamespace string
	// ParquetEncoder encodes the dataset's columns: dataset.EncoderNative,
	// or dataset.EncoderParquetGo should the native encoder ever write a
	// file a reader gets wrong (an option flip, not a release).
	ParquetEncoder dataset.Encoder
}

// ConfigFromEnv reads the configuration from the environment (getenv is
// os.Getenv, or a map's lookup in tests). Missing values take their
// defaults; CFWATCH_OUTPUT_BUCKET may be empty here, and callers that need
// it say so.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		OutputBucket:     strings.TrimSpace(getenv(EnvOutputBucket)),
		OutputPrefix:     DefaultOutputPrefix,
		StatePrefix:      DefaultStatePrefix,
		MetricsNamespace: DefaultNamespace,
		Detectors:        detectors.DefaultConfig(),
		ParquetEncoder:   dataset.EncoderNative,
	}
	if v, ok := lookup(getenv, EnvOutputPrefix); ok {
		c.OutputPrefix = v
	}
	c.StateBucket = c.OutputBucket
	if v, ok := lookup(getenv, EnvStateBucket); ok {
		c.StateBucket = v
	}
	if v, ok := lookup(getenv, EnvStatePrefix); ok {
		c.StatePrefix = v
	}
	if v, ok := lookup(getenv, EnvMetricsNamespace); ok {
		c.MetricsNamespace = v
	}
	if v, ok := lookup(getenv, EnvLogLevel); ok {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return Config{}, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, v)
		}
	}
	if v, ok := lookup(getenv, EnvParquetEncoder); ok {
		e, err := dataset.ParseEncoder(v)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvParquetEncoder, err)
		}
		c.ParquetEncoder = e
	}
	if v, ok := lookup(getenv, EnvConfigJSON); ok {
		d, err := detectors.ParseConfig([]byte(v), EnvConfigJSON)
		if err != nil {
			return Config{}, err
		}
		c.Detectors = d
	}
	for _, sc := range [...]struct{ env, key string }{
		{EnvAuthPrefix, "auth_prefix"}, {EnvAPIPrefixes, "api_prefixes"}, {EnvIgnorePaths, "ignore_paths"},
	} {
		env, key := sc.env, sc.key
		if v, ok := lookup(getenv, env); ok {
			if err := c.Detectors.Set(key, v); err != nil {
				return Config{}, fmt.Errorf("%s: %w", env, err)
			}
		}
	}
	if err := c.Detectors.Validate(); err != nil {
		return Config{}, fmt.Errorf("detector settings from the environment: %w", err)
	}
	return c, nil
}

// lookup returns the trimmed value of an environment variable that is set
// to something other than blanks.
func lookup(getenv func(string) string, name string) (string, bool) {
	v := strings.TrimSpace(getenv(name))
	return v, v != ""
}

package deploy

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"sync"
	"testing"

	"github.com/cfwatch/cfwatch/internal/cfntemplate"
	"github.com/cfwatch/cfwatch/internal/testenv"
)

// The template's reader and evaluator, under their short names.
type (
	Template = cfntemplate.Template
	Stack    = cfntemplate.Stack
)

// The pseudo parameters Resolve uses.
const (
	AccountID = cfntemplate.AccountID
	Region    = cfntemplate.Region
	StackName = cfntemplate.StackName
)

var (
	loadOnce sync.Once
	loaded   *Template
	loadErr  error
)

// repoRoot returns the repository's root, where template.yaml and the
// Makefile are.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatalf("repository root: %v", err)
	}
	return root
}

// load returns template.yaml, read once.
func load(t testing.TB) *Template {
	t.Helper()
	loadOnce.Do(func() {
		root, err := testenv.RepoRoot()
		if err != nil {
			loadErr = err
			return
		}
		loaded, loadErr = cfntemplate.Load(filepath.Join(root, "template.yaml"))
	})
	if loadErr != nil {
		t.Fatalf("loading template.yaml: %v", loadErr)
	}
	return loaded
}

// A scenario is a set of parameter values a user deploys with.
type scenario struct {
	name   string
	params map[string]string
}

const (
	slackSecret = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:cfwatch/slack-AbCdEf"
	slackKey    = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	alarmTopic  = "arn:aws:sns:eu-west-1:111122223333:ops-alerts"
	// The key of an SSE-KMS log bucket, in a central logging account.
	logKey = "arn:aws:kms:eu-west-1:444455556666:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)

// scenarios covers both ways of every condition of the template.
var scenarios = []scenario{
	// sam deploy --guided, accepting every default: buckets created here.
	{"defaults", map[string]string{}},
	// Existing buckets, Slack with a customer managed key, every option set.
	{"existing", map[string]string{
		"LogBucketName":              "acme-cloudfront-logs",
		"LogPrefix":                  "cf/",
		"LogBucketKmsKeyArn":         logKey,
		"OutputBucketName":           "acme-lake",
		"OutputPrefix":               "cfwatch/cloudfront/",
		"StatePrefix":                "cfwatch/state/",
		"Distributions":              "E2QWRUHEXAMPLE,E1ABCDEFGHIJKL",
		"ProjectionFirstDay":         "2026-01-01",
		"SlackSecretArn":             slackSecret,
		"SlackSecretKmsKeyArn":       slackKey,
		"SlackChannel":               "#sign-in-alerts",
		"AlertCooldown":              "30m",
		"AuthPrefix":                 "/auth",
		"ApiPrefixes":                "/api,/trpc",
		"Auth403BurstMinCount":       "8",
		"Auth403BurstMinRate":        "0.3",
		"OriginErrorsMinCount":       "20",
		"OriginErrorsMinRate":        "0.1",
		"OriginErrorsCriticalRate":   "0.5",
		"DetectorSettings":           `"max_hosts":128,"cors_preflight_rejected":{"min_count":10}`,
		"Architecture":               "x86_64",
		"ReservedConcurrency":        "10",
		"MaxConcurrency":             "10",
		"LogLevel":                   "debug",
		"ParquetEncoder":             "parquet-go",
		"LogRetentionDays":           "90",
		"MetricsNamespace":           "acme/cfwatch",
		"GlueDatabaseName":           "acme_logs",
		"BytesScannedCutoffPerQuery": "1000000000",
		"AlarmTopicArn":              alarmTopic,
		"DatasetRetentionDays":       "365", // no effect: the dataset bucket is not the stack's
		"RawLogRetentionDays":        "30",  // no effect: the log bucket is not the stack's
	}},
	// Created buckets with every bucket option: no prefix on the log
	// bucket, dataset retention.
	{"created-options", map[string]string{
		"LogPrefix":            "",
		"DatasetRetentionDays": "400",
		"RawLogRetentionDays":  "14",
		"ReservedConcurrency":  "0",
		"SlackSecretArn":       slackSecret,
	}},
	// One existing bucket for the logs and the dataset, apart by prefix
	// (reading that bucket whole is refused: see TestRules).
	{"one-bucket", map[string]string{
		"LogBucketName":    "acme-shared",
		"OutputBucketName": "acme-shared",
		"LogPrefix":        "cloudfront-raw/",
	}},
	// An existing log bucket read whole, a created dataset bucket.
	{"existing-logs-whole-bucket", map[string]string{
		"LogBucketName": "acme-cf-only",
		"LogPrefix":     "",
	}},
}

// eachScenario runs f on every scenario's stack.
func eachScenario(t *testing.T, f func(t *testing.T, sc scenario, s *Stack)) {
	t.Helper()
	tmpl := load(t)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			s, err := tmpl.Resolve(sc.params)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			f(t, sc, s)
		})
	}
}

// get walks generic JSON: get(v, "A", "B", 0, "C").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// jsonEq reports whether two values have the same JSON.
func jsonEq(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	var x, y any
	json.Unmarshal(ja, &x)
	json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// list returns v as a list of strings (a string is a list of one).
func list(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	case []string:
		return v
	}
	return nil
}

func sorted(l []string) []string {
	out := append([]string(nil), l...)
	sort.Strings(out)
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// logBucket and outputBucket return the log and dataset buckets a stack
// uses, as the resolved template names them.
func logBucket(s *Stack) string {
	if v := s.Params["LogBucketName"]; v != "" {
		return v
	}
	return "{LogBucket}"
}

func outputBucket(s *Stack) string {
	if v := s.Params["OutputBucketName"]; v != "" {
		return v
	}
	return "{OutputBucket}"
}

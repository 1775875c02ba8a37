package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/intrinsics"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/ingest"
)

// The resources each scenario creates, by type: nothing more, nothing less.
func TestResources(t *testing.T) {
	always := map[string]string{
		"IngestQueue":                      "AWS::SQS::Queue",
		"DeadLetterQueue":                  "AWS::SQS::Queue",
		"IngestQueuePolicy":                "AWS::SQS::QueuePolicy",
		"IngestLogGroup":                   "AWS::Logs::LogGroup",
		"IngestRole":                       "AWS::IAM::Role",
		"IngestFunction":                   "AWS::Lambda::Function",
		"IngestEventSource":                "AWS::Lambda::EventSourceMapping",
		"GlueDatabase":                     "AWS::Glue::Database",
		"CloudFrontLogsTable":              "AWS::Glue::Table",
		"AthenaResultsBucket":              "AWS::S3::Bucket",
		"AthenaResultsBucketPolicy":        "AWS::S3::BucketPolicy",
		"AthenaWorkGroup":                  "AWS::Athena::WorkGroup",
		"IngestErrorsAlarm":                "AWS::CloudWatch::Alarm",
		"DeadLetterQueueAlarm":             "AWS::CloudWatch::Alarm",
		"CriticalFindingsAlarm":            "AWS::CloudWatch::Alarm",
		"FailedFilesAlarm":                 "AWS::CloudWatch::Alarm",
		"QueryBytesServed":                 "AWS::Athena::NamedQuery",
		"QueryRequestsByStatus":            "AWS::Athena::NamedQuery",
		"QueryTopUris":                     "AWS::Athena::NamedQuery",
		"QueryCacheResults":                "AWS::Athena::NamedQuery",
		"QueryTopClientIps":                "AWS::Athena::NamedQuery",
		"QueryErrorsByHour":                "AWS::Athena::NamedQuery",
		"QuerySlowestPaths":                "AWS::Athena::NamedQuery",
		"QueryRuleAuthCacheHit":            "AWS::Athena::NamedQuery",
		"QueryRuleAuth403Burst":            "AWS::Athena::NamedQuery",
		"QueryRuleMethodRejected":          "AWS::Athena::NamedQuery",
		"QueryRuleCorsPreflightRejected":   "AWS::Athena::NamedQuery",
		"QueryRuleAuthCookieMissing":       "AWS::Athena::NamedQuery",
		"QueryRuleAuthInsecureScheme":      "AWS::Athena::NamedQuery",
		"QueryRuleApiOriginForbidden":      "AWS::Athena::NamedQuery",
		"QueryRuleOriginErrors":            "AWS::Athena::NamedQuery",
		"QueryRuleEdgeFunctionError":       "AWS::Athena::NamedQuery",
		"QueryRuleAPIRoutedToStaticOrigin": "AWS::Athena::NamedQuery",
		"QueryRulePostSignatureRejected":   "AWS::Athena::NamedQuery",
		"QueryRuleAuthHTMLResponse":        "AWS::Athena::NamedQuery",
		"QueryRuleEdgeRefusalsOnAuth":      "AWS::Athena::NamedQuery",
		"QueryRuleAuthCookieOversize":      "AWS::Athena::NamedQuery",
	}
	newLogBucket := map[string]string{"LogBucket": "AWS::S3::Bucket", "LogBucketPolicy": "AWS::S3::BucketPolicy"}
	existingLogBucket := map[string]string{"LogObjectCreatedRule": "AWS::Events::Rule"}
	newOutputBucket := map[string]string{"OutputBucket": "AWS::S3::Bucket", "OutputBucketPolicy": "AWS::S3::BucketPolicy"}
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		want := maps.Clone(always)
		if s.Params["LogBucketName"] == "" {
			maps.Copy(want, newLogBucket)
		} else {
			maps.Copy(want, existingLogBucket)
		}
		if s.Params["OutputBucketName"] == "" {
			maps.Copy(want, newOutputBucket)
		}
		got := map[string]string{}
		for name, r := range s.CFN.Resources {
			got[name] = r.AWSCloudFormationType()
		}
		if !maps.Equal(got, want) {
			t.Errorf("resources:\n got %v\nwant %v", got, want)
		}
	})
}

// goformation's own NoProcess reading cannot give a typed template (a
// {"Ref": …} object where goformation wants a string or a number), which is
// why Load and Resolve exist. Should a goformation update read it, this
// test fails to say that Resolve's typed decoding could go.
func TestGoformationNoProcess(t *testing.T) {
	_, err := goformation.OpenWithOptions(filepath.Join(repoRoot(t), "template.yaml"), &intrinsics.ProcessorOptions{NoProcess: true})
	if err == nil {
		t.Error("goformation now reads the template with its intrinsic functions unresolved: see whether Resolve is still needed")
	} else {
		t.Logf("goformation with NoProcess: %v", err)
	}
}

// Every parameter is documented, and its default satisfies its own
// constraints (Resolve checks them).
func TestParameters(t *testing.T) {
	tmpl := load(t)
	if _, err := tmpl.Resolve(nil); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	raw, _ := json.Marshal(tmpl.Raw["Resources"])
	outs, _ := json.Marshal(tmpl.Raw["Outputs"])
	conds, _ := json.Marshal(tmpl.Raw["Conditions"])
	for name, p := range tmpl.Parameters {
		if deref(p.Description) == "" {
			t.Errorf("parameter %s has no description", name)
		}
		ref := `"` + name + `"`
		sub := "${" + name + "}"
		used := false
		for _, b := range [][]byte{raw, outs, conds} {
			if bytes.Contains(b, []byte(ref)) || bytes.Contains(b, []byte(sub)) {
				used = true
			}
		}
		if !used {
			t.Errorf("parameter %s is not used", name)
		}
	}
}

// Values CloudFormation must refuse: constraints and rules.
func TestRules(t *testing.T) {
	tmpl := load(t)
	bad := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"same prefix for dataset and state", map[string]string{"StatePrefix": "cloudfront/"}, "OutputPrefix and StatePrefix"},
		{"one bucket, whole bucket read", map[string]string{"LogBucketName": "bkt", "OutputBucketName": "bkt", "LogPrefix": ""}, "own output"},
		{"one bucket, logs where the dataset goes", map[string]string{"LogBucketName": "bkt", "OutputBucketName": "bkt", "LogPrefix": "cloudfront/"}, "own output"},
		{"one bucket, logs where the state goes", map[string]string{"LogBucketName": "bkt", "OutputBucketName": "bkt", "LogPrefix": "cfwatch-state/"}, "own output"},
		{"secret ARN without its suffix", map[string]string{"SlackSecretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:cfwatch/slack"}, "SlackSecretArn"},
		{"secret as a name", map[string]string{"SlackSecretArn": "cfwatch/slack-AbCdEf"}, "SlackSecretArn"},
		{"prefix without slash", map[string]string{"OutputPrefix": "cloudfront"}, "OutputPrefix"},
		{"prefix from the root", map[string]string{"OutputPrefix": "/cloudfront/"}, "OutputPrefix"},
		{"architecture", map[string]string{"Architecture": "amd64"}, "Architecture"},
		{"rate above 1", map[string]string{"Auth403BurstMinRate": "1.5"}, "Auth403BurstMinRate"},
		{"rate as .2", map[string]string{"Auth403BurstMinRate": ".2"}, "Auth403BurstMinRate"},
		{"count 0", map[string]string{"OriginErrorsMinCount": "0"}, "OriginErrorsMinCount"},
		{"auth prefix with a quote", map[string]string{"AuthPrefix": `/api/"auth`}, "AuthPrefix"},
		{"distribution list with spaces", map[string]string{"Distributions": "E1, E2"}, "Distributions"},
		{"bucket name with capitals", map[string]string{"LogBucketName": "MyLogs"}, "LogBucketName"},
		{"cooldown without unit", map[string]string{"AlertCooldown": "60"}, "AlertCooldown"},
		{"scan limit below Athena's minimum", map[string]string{"BytesScannedCutoffPerQuery": "1000"}, "BytesScannedCutoffPerQuery"},
		{"retention CloudWatch does not offer", map[string]string{"LogRetentionDays": "10"}, "LogRetentionDays"},
		{"max concurrency 1", map[string]string{"MaxConcurrency": "1"}, "MaxConcurrency"},
		{"detector settings not JSON members", map[string]string{"DetectorSettings": "{\"max_hosts\":1}"}, "DetectorSettings"},
	}
	for _, tc := range bad {
		if _, err := tmpl.Resolve(tc.params); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// The ingest function: built by SAM from this repository, on
// provided.al2023, sized from the benchmarks, logging JSON to its own log
// group.
func TestFunction(t *testing.T) {
	tmpl := load(t)
	rawFn := get(tmpl.Raw, "Resources", "IngestFunction").(map[string]any)
	if got := get(rawFn, "Metadata", "BuildMethod"); got != "makefile" {
		t.Errorf("Metadata.BuildMethod = %v, want makefile (sam build runs make build-IngestFunction)", got)
	}
	if got := get(rawFn, "Properties", "Code"); got != "." {
		t.Errorf("Code = %v, want \".\" (the repository, where the Makefile is)", got)
	}
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		fn, err := s.CFN.GetLambdaFunctionWithName("IngestFunction")
		if err != nil {
			t.Fatal(err)
		}
		if deref(fn.Runtime) != "provided.al2023" || deref(fn.Handler) != "bootstrap" {
			t.Errorf("runtime %q handler %q, want provided.al2023 and bootstrap", deref(fn.Runtime), deref(fn.Handler))
		}
		if !slices.Equal(fn.Architectures, []string{s.Params["Architecture"]}) {
			t.Errorf("Architectures = %v, want [%s]", fn.Architectures, s.Params["Architecture"])
		}
		// 1 M records ≈ 1.5 s of one core and < 200 MB: 1024 MB (0.58
		// vCPU) holds five times the peak; 300 s covers a batch of 10.
		if deref(fn.MemorySize) != 1024 || deref(fn.Timeout) != 300 {
			t.Errorf("memory %d MB, timeout %d s, want 1024 and 300", deref(fn.MemorySize), deref(fn.Timeout))
		}
		if fn.Role != "{IngestRole.Arn}" {
			t.Errorf("Role = %q", fn.Role)
		}
		switch rc := s.Params["ReservedConcurrency"]; rc {
		case "-1":
			if fn.ReservedConcurrentExecutions != nil {
				t.Errorf("ReservedConcurrentExecutions = %d, want none", *fn.ReservedConcurrentExecutions)
			}
		default:
			if fn.ReservedConcurrentExecutions == nil || strconv.Itoa(*fn.ReservedConcurrentExecutions) != rc {
				t.Errorf("ReservedConcurrentExecutions = %v, want %s", fn.ReservedConcurrentExecutions, rc)
			}
		}
		lc := fn.LoggingConfig
		if lc == nil || deref(lc.LogFormat) != "JSON" || deref(lc.LogGroup) != "{IngestLogGroup}" {
			t.Fatalf("LoggingConfig = %s, want JSON to IngestLogGroup", js(lc))
		}
		// Lambda counts a JSON line without "level" (an EMF metrics line)
		// as INFO and drops lines below ApplicationLogLevel (INFO when
		// unset): above INFO the metrics would be lost, at INFO the debug
		// logs CFWATCH_LOG_LEVEL=debug asks for.
		if l := deref(lc.ApplicationLogLevel); l != "DEBUG" && l != "TRACE" {
			t.Errorf("ApplicationLogLevel = %q, want DEBUG: the function filters its own logs", l)
		}
		lg, err := s.CFN.GetLogsLogGroupWithName("IngestLogGroup")
		if err != nil {
			t.Fatal(err)
		}
		if strconv.Itoa(deref(lg.RetentionInDays)) != s.Params["LogRetentionDays"] {
			t.Errorf("log retention %d days, want %s", deref(lg.RetentionInDays), s.Params["LogRetentionDays"])
		}
		if deref(lg.LogGroupName) != "/aws/lambda/"+StackName+"-ingest" {
			t.Errorf("log group %q", deref(lg.LogGroupName))
		}
	})
}

// The function's environment is the contract with cmd/ingest: the exact
// variables, each with the parameter's value, read without error by
// ingest.ConfigFromEnv (which validates the detector settings).
func TestFunctionEnvironment(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		fn, err := s.CFN.GetLambdaFunctionWithName("IngestFunction")
		if err != nil {
			t.Fatal(err)
		}
		env := fn.Environment.Variables
		want := map[string]string{
			"CFWATCH_OUTPUT_BUCKET":     outputBucket(s),
			"CFWATCH_OUTPUT_PREFIX":     s.Params["OutputPrefix"],
			"CFWATCH_STATE_PREFIX":      s.Params["StatePrefix"],
			"CFWATCH_LOG_LEVEL":         s.Params["LogLevel"],
			"CFWATCH_PARQUET_ENCODER":   s.Params["ParquetEncoder"],
			"CFWATCH_ALERT_COOLDOWN":    s.Params["AlertCooldown"],
			"CFWATCH_METRICS_NAMESPACE": s.Params["MetricsNamespace"],
			"SLACK_SECRET_ARN":          s.Params["SlackSecretArn"],
			"SLACK_CHANNEL":             s.Params["SlackChannel"],
			"CFWATCH_CONFIG_JSON":       env["CFWATCH_CONFIG_JSON"],
			// Real-time logs are off in these scenarios (realtime_test.go).
			"CFWATCH_REALTIME_FIELDS":          "",
			"CFWATCH_REALTIME_DISTRIBUTION_ID": s.Params["RealtimeDistributionId"],
		}
		if !maps.Equal(env, want) {
			t.Errorf("environment:\n got %v\nwant %v", env, want)
		}
		if !json.Valid([]byte(env["CFWATCH_CONFIG_JSON"])) {
			t.Fatalf("CFWATCH_CONFIG_JSON is not JSON: %s", env["CFWATCH_CONFIG_JSON"])
		}
		cfg, err := ingest.ConfigFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("ingest.ConfigFromEnv: %v", err)
		}
		if cfg.OutputPrefix != s.Params["OutputPrefix"] || cfg.StatePrefix != s.Params["StatePrefix"] ||
			cfg.MetricsNamespace != s.Params["MetricsNamespace"] || cfg.LogLevel.String() != strings.ToUpper(s.Params["LogLevel"]) ||
			string(cfg.ParquetEncoder) != s.Params["ParquetEncoder"] {
			t.Errorf("ingest config %+v does not match the parameters", cfg)
		}
		d := cfg.Detectors
		num := func(name string) float64 {
			f, err := strconv.ParseFloat(s.Params[name], 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		if d.AuthPrefix != s.Params["AuthPrefix"] || !slices.Equal(d.APIPrefixes, strings.Split(s.Params["ApiPrefixes"], ",")) {
			t.Errorf("auth prefix %q, api prefixes %q", d.AuthPrefix, d.APIPrefixes)
		}
		if float64(d.Auth403Burst.MinCount) != num("Auth403BurstMinCount") || d.Auth403Burst.MinRate != num("Auth403BurstMinRate") {
			t.Errorf("auth_403_burst = %+v", d.Auth403Burst.Threshold)
		}
		if float64(d.OriginErrors.MinCount) != num("OriginErrorsMinCount") || d.OriginErrors.MinRate != num("OriginErrorsMinRate") ||
			d.OriginErrors.CriticalRate != num("OriginErrorsCriticalRate") {
			t.Errorf("origin_errors = %+v", d.OriginErrors)
		}
		// What the parameters do not set stays at its default, or takes
		// the value DetectorSettings gives it.
		def := detectors.DefaultConfig()
		if d.Auth403Burst.BaselineFactor != def.Auth403Burst.BaselineFactor || d.Window != def.Window {
			t.Errorf("settings the parameters leave alone changed: %+v", d)
		}
		if sc.name == "existing" {
			if d.MaxHosts != 128 || d.CORSPreflightRejected.MinCount != 10 || d.CORSPreflightRejected.MinRate != def.CORSPreflightRejected.MinRate {
				t.Errorf("DetectorSettings not applied: max_hosts %d, cors %+v", d.MaxHosts, d.CORSPreflightRejected)
			}
		}
		if s.Params["DetectorSettings"] == "" && d.MaxHosts != def.MaxHosts {
			t.Errorf("max_hosts = %d, want the default %d", d.MaxHosts, def.MaxHosts)
		}
		if _, err := time.ParseDuration(env["CFWATCH_ALERT_COOLDOWN"]); err != nil {
			t.Errorf("CFWATCH_ALERT_COOLDOWN: %v", err)
		}
	})
}

// A later member of DetectorSettings replaces what the parameters set:
// detectors.ParseConfig decodes members in order.
func TestDetectorSettingsOverride(t *testing.T) {
	s, err := load(t).Resolve(map[string]string{"DetectorSettings": `"auth_403_burst":{"min_count":9}`})
	if err != nil {
		t.Fatal(err)
	}
	fn, _ := s.CFN.GetLambdaFunctionWithName("IngestFunction")
	cfg, err := detectors.ParseConfig([]byte(fn.Environment.Variables["CFWATCH_CONFIG_JSON"]), "CFWATCH_CONFIG_JSON")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Auth403Burst.MinCount != 9 || cfg.Auth403Burst.MinRate != 0.2 {
		t.Errorf("auth_403_burst = %+v, want min_count 9 from DetectorSettings and min_rate 0.2 from its parameter", cfg.Auth403Burst.Threshold)
	}
}

// SQS → Lambda with partial batch responses, a dead-letter queue, and a
// visibility timeout six times the function's.
func TestQueues(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		q, err := s.CFN.GetSQSQueueWithName("IngestQueue")
		if err != nil {
			t.Fatal(err)
		}
		fn, _ := s.CFN.GetLambdaFunctionWithName("IngestFunction")
		if deref(q.VisibilityTimeout) < 6*deref(fn.Timeout) {
			t.Errorf("visibility timeout %d s, want at least 6 × %d s", deref(q.VisibilityTimeout), deref(fn.Timeout))
		}
		if !jsonEq(q.RedrivePolicy, map[string]any{"deadLetterTargetArn": "{DeadLetterQueue.Arn}", "maxReceiveCount": 5}) {
			t.Errorf("RedrivePolicy = %s", js(q.RedrivePolicy))
		}
		dlq, _ := s.CFN.GetSQSQueueWithName("DeadLetterQueue")
		if deref(dlq.MessageRetentionPeriod) != 1209600 || deref(dlq.MessageRetentionPeriod) <= deref(q.MessageRetentionPeriod) {
			t.Errorf("DLQ retention %d s, queue %d s", deref(dlq.MessageRetentionPeriod), deref(q.MessageRetentionPeriod))
		}
		if !deref(q.SqsManagedSseEnabled) || !deref(dlq.SqsManagedSseEnabled) {
			t.Error("queues not encrypted")
		}
		esm, err := s.CFN.GetLambdaEventSourceMappingWithName("IngestEventSource")
		if err != nil {
			t.Fatal(err)
		}
		if deref(esm.EventSourceArn) != "{IngestQueue.Arn}" || esm.FunctionName != "{IngestFunction}" {
			t.Errorf("event source %s → %s", deref(esm.EventSourceArn), esm.FunctionName)
		}
		if !slices.Equal(esm.FunctionResponseTypes, []string{"ReportBatchItemFailures"}) {
			t.Errorf("FunctionResponseTypes = %v", esm.FunctionResponseTypes)
		}
		if b := deref(esm.BatchSize); b < 1 || b > 10 {
			t.Errorf("BatchSize = %d", b)
		}
		if esm.ScalingConfig == nil || strconv.Itoa(deref(esm.ScalingConfig.MaximumConcurrency)) != s.Params["MaxConcurrency"] {
			t.Errorf("ScalingConfig = %s, want MaximumConcurrency %s", js(esm.ScalingConfig), s.Params["MaxConcurrency"])
		}
	})
}

// Triggering: S3 notifications from a bucket the stack creates,
// EventBridge Object Created from an existing one, both to IngestQueue,
// whose policy lets in exactly those senders.
func TestTriggers(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		prefix := s.Params["LogPrefix"]
		qp, err := s.CFN.GetSQSQueuePolicyWithName("IngestQueuePolicy")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(qp.Queues, []string{"{IngestQueue}"}) {
			t.Errorf("queue policy on %v", qp.Queues)
		}
		stmts := statements(qp.PolicyDocument)
		bySid := map[string]map[string]any{}
		for _, st := range stmts {
			bySid[st["Sid"].(string)] = st
		}
		bucketName := s.Params["LogBucketName"]
		if bucketName == "" {
			b, err := s.CFN.GetS3BucketWithName("LogBucket")
			if err != nil {
				t.Fatal(err)
			}
			bucketName = deref(b.BucketName)
			// The fixed name: lowercase, at most 63 characters.
			if len(bucketName) > 63 || strings.ToLower(bucketName) != bucketName || !strings.HasPrefix(bucketName, "cfwatch-logs-"+AccountID+"-"+Region+"-") {
				t.Errorf("log bucket name %q", bucketName)
			}
			if !slices.Contains(b.AWSCloudFormationDependsOn, "IngestQueuePolicy") {
				t.Error("LogBucket must depend on IngestQueuePolicy: S3 checks its permission to send when the notification is set")
			}
			nc := b.NotificationConfiguration
			if nc == nil || len(nc.QueueConfigurations) != 1 {
				t.Fatalf("LogBucket notifications = %s", js(nc))
			}
			qc := nc.QueueConfigurations[0]
			if qc.Event != "s3:ObjectCreated:*" || qc.Queue != "{IngestQueue.Arn}" {
				t.Errorf("queue configuration %s", js(qc))
			}
			if prefix == "" {
				if qc.Filter != nil {
					t.Errorf("filter %s with no prefix", js(qc.Filter))
				}
			} else if qc.Filter == nil || qc.Filter.S3Key == nil || !jsonEq(qc.Filter.S3Key.Rules, []any{map[string]any{"Name": "prefix", "Value": prefix}}) {
				t.Errorf("filter %s, want prefix %s", js(qc.Filter), prefix)
			}
			if _, ok := bySid["EventBridgeObjectCreated"]; ok {
				t.Error("EventBridge statement without an EventBridge rule")
			}
		} else {
			rule, err := s.CFN.GetEventsRuleWithName("LogObjectCreatedRule")
			if err != nil {
				t.Fatal(err)
			}
			detail := map[string]any{"bucket": map[string]any{"name": []any{bucketName}}}
			if prefix != "" {
				detail["object"] = map[string]any{"key": []any{map[string]any{"prefix": prefix}}}
			}
			wantPattern := map[string]any{"source": []any{"aws.s3"}, "detail-type": []any{"Object Created"}, "detail": detail}
			if !jsonEq(rule.EventPattern, wantPattern) {
				t.Errorf("event pattern %s, want %s", js(rule.EventPattern), js(wantPattern))
			}
			if deref(rule.State) != "ENABLED" || len(rule.Targets) != 1 || rule.Targets[0].Arn != "{IngestQueue.Arn}" {
				t.Errorf("rule state %q targets %s", deref(rule.State), js(rule.Targets))
			}
			eb := bySid["EventBridgeObjectCreated"]
			if eb == nil || !jsonEq(eb["Principal"], map[string]any{"Service": "events.amazonaws.com"}) ||
				!jsonEq(eb["Condition"], map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": "{LogObjectCreatedRule.Arn}"}}) {
				t.Errorf("EventBridge statement %s", js(eb))
			}
		}
		s3 := bySid["S3EventNotifications"]
		wantCond := map[string]any{
			"ArnEquals":    map[string]any{"aws:SourceArn": "arn:aws:s3:::" + bucketName},
			"StringEquals": map[string]any{"aws:SourceAccount": AccountID},
		}
		if s3 == nil || !jsonEq(s3["Principal"], map[string]any{"Service": "s3.amazonaws.com"}) || !jsonEq(s3["Condition"], wantCond) {
			t.Errorf("S3 statement %s, want conditions %s", js(s3), js(wantCond))
		}
		for _, st := range stmts {
			if st["Effect"] != "Allow" || !jsonEq(st["Action"], "sqs:SendMessage") || st["Resource"] != "{IngestQueue.Arn}" || st["Condition"] == nil {
				t.Errorf("queue policy statement %s: want only conditioned sqs:SendMessage on the queue", js(st))
			}
		}
	})
}

// A log bucket the stack creates is ready for both kinds of CloudFront
// standard logging: ACLs on (legacy), the log delivery policy (v2).
func TestLogBucket(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		if s.Params["LogBucketName"] != "" {
			return
		}
		b, err := s.CFN.GetS3BucketWithName("LogBucket")
		if err != nil {
			t.Fatal(err)
		}
		checkPrivateBucket(t, s, "LogBucket", "BucketOwnerPreferred")
		if b.AWSCloudFormationDeletionPolicy != "Retain" {
			t.Errorf("DeletionPolicy %q: a log bucket is not deleted with the stack", b.AWSCloudFormationDeletionPolicy)
		}
		rules := b.LifecycleConfiguration.Rules
		if len(rules) != 1 || strconv.Itoa(deref(rules[0].ExpirationInDays)) != s.Params["RawLogRetentionDays"] ||
			deref(rules[0].Prefix) != s.Params["LogPrefix"] || rules[0].Status != "Enabled" {
			t.Errorf("lifecycle %s, want expiry after %s days under %q", js(rules), s.Params["RawLogRetentionDays"], s.Params["LogPrefix"])
		}
		pol, err := s.CFN.GetS3BucketPolicyWithName("LogBucketPolicy")
		if err != nil {
			t.Fatal(err)
		}
		bySid := map[string]map[string]any{}
		for _, st := range statements(pol.PolicyDocument) {
			bySid[st["Sid"].(string)] = st
		}
		checkDenyInsecure(t, bySid["DenyInsecureTransport"], "{LogBucket.Arn}")
		sourceArn := "arn:aws:logs:us-east-1:" + AccountID + ":*"
		w := bySid["AWSLogDeliveryWrite"]
		want := map[string]any{
			"Sid": "AWSLogDeliveryWrite", "Effect": "Allow",
			"Principal": map[string]any{"Service": "delivery.logs.amazonaws.com"},
			"Action":    "s3:PutObject",
			"Resource":  "{LogBucket.Arn}/" + s.Params["LogPrefix"] + "*",
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": AccountID, "s3:x-amz-acl": "bucket-owner-full-control"},
				"ArnLike":      map[string]any{"aws:SourceArn": sourceArn},
			},
		}
		if !jsonEq(w, want) {
			t.Errorf("v2 log delivery statement\n got %s\nwant %s", js(w), js(want))
		}
		acl := bySid["AWSLogDeliveryAclCheck"]
		if acl == nil || acl["Resource"] != "{LogBucket.Arn}" ||
			!jsonEq(get(acl, "Condition", "StringEquals", "aws:SourceAccount"), AccountID) ||
			!jsonEq(get(acl, "Condition", "ArnLike", "aws:SourceArn"), sourceArn) {
			t.Errorf("v2 ACL check statement %s", js(acl))
		}
		if len(bySid) != 3 {
			t.Errorf("log bucket policy has %d statements, want 3", len(bySid))
		}
	})
}

// A dataset bucket the stack creates, and the Athena results bucket.
func TestOutputBuckets(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		checkPrivateBucket(t, s, "AthenaResultsBucket", "BucketOwnerEnforced")
		if s.Params["OutputBucketName"] != "" {
			return
		}
		b := checkPrivateBucket(t, s, "OutputBucket", "BucketOwnerEnforced")
		if b.AWSCloudFormationDeletionPolicy != "Retain" {
			t.Errorf("DeletionPolicy %q: the dataset is not deleted with the stack", b.AWSCloudFormationDeletionPolicy)
		}
		rules := b.LifecycleConfiguration.Rules
		var expire []string
		for _, r := range rules {
			if r.ExpirationInDays != nil {
				expire = append(expire, fmt.Sprintf("%s after %d", deref(r.Prefix), *r.ExpirationInDays))
			}
		}
		var want []string
		if d := s.Params["DatasetRetentionDays"]; d != "0" {
			want = []string{s.Params["OutputPrefix"] + " after " + d}
		}
		if !slices.Equal(expire, want) {
			t.Errorf("expiry %v, want %v (the alert state never expires)", expire, want)
		}
		pol, err := s.CFN.GetS3BucketPolicyWithName("OutputBucketPolicy")
		if err != nil {
			t.Fatal(err)
		}
		st := statements(pol.PolicyDocument)
		if len(st) != 1 {
			t.Fatalf("dataset bucket policy: %s", js(st))
		}
		checkDenyInsecure(t, st[0], "{OutputBucket.Arn}")
	})
}

func checkPrivateBucket(t *testing.T, s *Stack, name, ownership string) *s3Bucket {
	t.Helper()
	b, err := s.CFN.GetS3BucketWithName(name)
	if err != nil {
		t.Fatal(err)
	}
	if b.OwnershipControls == nil || len(b.OwnershipControls.Rules) != 1 || deref(b.OwnershipControls.Rules[0].ObjectOwnership) != ownership {
		t.Errorf("%s: ownership %s, want %s", name, js(b.OwnershipControls), ownership)
	}
	bpa := b.PublicAccessBlockConfiguration
	if bpa == nil || !deref(bpa.BlockPublicAcls) || !deref(bpa.BlockPublicPolicy) || !deref(bpa.IgnorePublicAcls) || !deref(bpa.RestrictPublicBuckets) {
		t.Errorf("%s: public access block %s", name, js(bpa))
	}
	enc := b.BucketEncryption
	if enc == nil || len(enc.ServerSideEncryptionConfiguration) != 1 || enc.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm != "AES256" {
		t.Errorf("%s: encryption %s, want SSE-S3", name, js(enc))
	}
	return b
}

func checkDenyInsecure(t *testing.T, st map[string]any, arn string) {
	t.Helper()
	want := map[string]any{
		"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		"Resource":  []any{arn, arn + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}
	if !jsonEq(st, want) {
		t.Errorf("TLS statement %s, want %s", js(st), js(want))
	}
}

// The alarms, and that the EMF metrics cmd/ingest writes are the ones the
// alarms watch.
func TestAlarms(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		type alarm struct {
			Namespace, Metric, Statistic, Comparison string
			Dimensions                               map[string]string
			Threshold                                float64
		}
		want := map[string]alarm{
			"IngestErrorsAlarm":     {"AWS/Lambda", "Errors", "Sum", "GreaterThanOrEqualToThreshold", map[string]string{"FunctionName": "{IngestFunction}"}, 1},
			"DeadLetterQueueAlarm":  {"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "GreaterThanThreshold", map[string]string{"QueueName": "{DeadLetterQueue.QueueName}"}, 0},
			"CriticalFindingsAlarm": {s.Params["MetricsNamespace"], "Findings", "Sum", "GreaterThanOrEqualToThreshold", map[string]string{"Severity": "critical"}, 1},
			"FailedFilesAlarm":      {s.Params["MetricsNamespace"], "FailedFiles", "Sum", "GreaterThanOrEqualToThreshold", map[string]string{}, 1},
		}
		for name, w := range want {
			a, err := s.CFN.GetCloudWatchAlarmWithName(name)
			if err != nil {
				t.Fatal(err)
			}
			dims := map[string]string{}
			for _, d := range a.Dimensions {
				dims[d.Name] = d.Value
			}
			got := alarm{deref(a.Namespace), deref(a.MetricName), deref(a.Statistic), a.ComparisonOperator, dims, deref(a.Threshold)}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("%s = %+v, want %+v", name, got, w)
			}
			if deref(a.TreatMissingData) != "notBreaching" || a.EvaluationPeriods != 1 || deref(a.Period) != 300 {
				t.Errorf("%s: missing data %q, %d periods of %d s", name, deref(a.TreatMissingData), a.EvaluationPeriods, deref(a.Period))
			}
			var actions []string
			if topic := s.Params["AlarmTopicArn"]; topic != "" {
				actions = []string{topic}
			}
			if !slices.Equal(a.AlarmActions, actions) || !slices.Equal(a.OKActions, actions) {
				t.Errorf("%s: actions %v / %v, want %v", name, a.AlarmActions, a.OKActions, actions)
			}
		}
	})

	// What ingest writes for a file with a critical finding, decoded as
	// CloudWatch does.
	var buf bytes.Buffer
	m := ingest.NewMetrics(&buf, "acme/cfwatch")
	err := m.File(&ingest.Result{Name: "s3://b/k", Status: ingest.StatusFailed, Findings: []detectors.Finding{
		{Rule: "method-rejected", Severity: detectors.SeverityCritical},
	}})
	if err != nil {
		t.Fatal(err)
	}
	type metric struct {
		ns, name string
		dims     string
	}
	emitted := map[metric]float64{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("EMF line %q: %v", line, err)
		}
		for _, d := range get(doc, "_aws", "CloudWatchMetrics").([]any) {
			ns := get(d, "Namespace").(string)
			for _, set := range get(d, "Dimensions").([]any) {
				var dims []string
				for _, k := range list(set) {
					dims = append(dims, k+"="+doc[k].(string))
				}
				for _, mm := range get(d, "Metrics").([]any) {
					name := get(mm, "Name").(string)
					emitted[metric{ns, name, strings.Join(sorted(dims), ",")}] = doc[name].(float64)
				}
			}
		}
	}
	for _, w := range []metric{{"acme/cfwatch", "Findings", "Severity=critical"}, {"acme/cfwatch", "FailedFiles", ""}} {
		if v, ok := emitted[w]; !ok || v < 1 {
			t.Errorf("ingest emits no %+v ≥ 1, which an alarm watches; it emits %v", w, emitted)
		}
	}
}

// The Athena workgroup: results in the stack's bucket, the scan limit,
// the settings enforced.
func TestAthenaWorkGroup(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		wg, err := s.CFN.GetAthenaWorkGroupWithName("AthenaWorkGroup")
		if err != nil {
			t.Fatal(err)
		}
		c := wg.WorkGroupConfiguration
		if c == nil || !deref(c.EnforceWorkGroupConfiguration) || !deref(c.PublishCloudWatchMetricsEnabled) {
			t.Fatalf("workgroup configuration %s", js(c))
		}
		if strconv.Itoa(deref(c.BytesScannedCutoffPerQuery)) != s.Params["BytesScannedCutoffPerQuery"] {
			t.Errorf("BytesScannedCutoffPerQuery = %d, want %s", deref(c.BytesScannedCutoffPerQuery), s.Params["BytesScannedCutoffPerQuery"])
		}
		rc := c.ResultConfiguration
		if rc == nil || deref(rc.OutputLocation) != "s3://{AthenaResultsBucket}/results/" || rc.EncryptionConfiguration == nil ||
			rc.EncryptionConfiguration.EncryptionOption != "SSE_S3" {
			t.Errorf("results %s", js(rc))
		}
		if c.EngineVersion == nil || deref(c.EngineVersion.SelectedEngineVersion) != "Athena engine version 3" {
			t.Errorf("engine %s", js(c.EngineVersion))
		}
		if wg.Name != StackName || deref(wg.State) != "ENABLED" {
			t.Errorf("workgroup %q %q", wg.Name, deref(wg.State))
		}
	})
}

func TestOutputs(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		want := map[string]any{
			"LogBucket":           logBucket(s),
			"LogPrefix":           s.Params["LogPrefix"],
			"DatasetBucket":       outputBucket(s),
			"DatasetLocation":     "s3://" + outputBucket(s) + "/" + s.Params["OutputPrefix"],
			"GlueDatabase":        "{GlueDatabase}",
			"GlueTable":           "{GlueDatabase}.{CloudFrontLogsTable}",
			"AthenaWorkGroup":     "{AthenaWorkGroup}",
			"AthenaResultsBucket": "{AthenaResultsBucket}",
			"IngestQueueUrl":      "{IngestQueue}",
			"IngestQueueArn":      "{IngestQueue.Arn}",
			"DeadLetterQueueUrl":  "{DeadLetterQueue}",
			"IngestFunctionName":  "{IngestFunction}",
			"IngestLogGroupName":  "{IngestLogGroup}",
			"IngestRoleArn":       "{IngestRole.Arn}",
		}
		got := map[string]any{}
		for name, o := range s.CFN.Outputs {
			got[name] = o.Value
			if deref(o.Description) == "" {
				t.Errorf("output %s has no description", name)
			}
		}
		if !jsonEq(got, want) {
			t.Errorf("outputs\n got %v\nwant %v", got, want)
		}
	})
}

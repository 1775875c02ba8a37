package deploy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/ingest"
	"github.com/cfwatch/cfwatch/logparse"
)

var realtimeResources = []string{
	"RealtimeStream", "RealtimeLogRole", "RealtimeLogConfig", "RealtimeFailureQueue",
	"RealtimeEventSource", "RealtimeIteratorAgeAlarm", "RealtimeFailedRecordsAlarm",
}

// TestRealtimeOffByDefault: no scenario that leaves EnableRealtimeLogs at
// its default creates any real-time resource or grant.
func TestRealtimeOffByDefault(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		for _, name := range realtimeResources {
			if s.Resource(name) != nil {
				t.Errorf("%s created with real-time logs off", name)
			}
		}
		if strings.Contains(js(s.Resource("IngestRole")), "kinesis:") {
			t.Error("the ingest role has Kinesis permissions with real-time logs off")
		}
	})
}

func realtimeStack(t *testing.T, params map[string]string) *Stack {
	t.Helper()
	p := map[string]string{"EnableRealtimeLogs": "true", "RealtimeDistributionId": "E2QWRUHEXAMPLE", "AlarmTopicArn": alarmTopic}
	for k, v := range params {
		p[k] = v
	}
	s, err := load(t).Resolve(p)
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	return s
}

// TestRealtimeResources: on, the stream, the configuration, the roles and
// the subscription are there, wired together, with least privilege.
func TestRealtimeResources(t *testing.T) {
	s := realtimeStack(t, nil)
	for _, name := range realtimeResources {
		if s.Resource(name) == nil {
			t.Fatalf("%s not created", name)
		}
	}
	if m := get(s.Resource("RealtimeStream"), "Properties", "StreamModeDetails", "StreamMode"); m != "ON_DEMAND" {
		t.Errorf("stream mode %v, want ON_DEMAND by default", m)
	}
	if c := get(s.Resource("RealtimeStream"), "Properties", "ShardCount"); c != nil {
		t.Errorf("ShardCount %v with ON_DEMAND", c)
	}

	// One field list: the configuration's Fields and the function's
	// environment come from the same parameter, and the function reads it.
	cfgFields := list(get(s.Resource("RealtimeLogConfig"), "Properties", "Fields"))
	fn, err := s.CFN.GetLambdaFunctionWithName("IngestFunction")
	if err != nil {
		t.Fatal(err)
	}
	env := fn.Environment.Variables
	if env[ingest.EnvRealtimeFields] != strings.Join(cfgFields, ",") {
		t.Errorf("function fields %q, configuration %q", env[ingest.EnvRealtimeFields], cfgFields)
	}
	if env[ingest.EnvRealtimeDistribution] != "E2QWRUHEXAMPLE" {
		t.Errorf("distribution %q", env[ingest.EnvRealtimeDistribution])
	}
	rt, err := ingest.RealtimeFromEnv(func(k string) string { return env[k] }, detectors.DefaultConfig())
	if err != nil || rt == nil {
		t.Fatalf("the function refuses the template's field list: %v", err)
	}
	if !slices.Equal(cfgFields, logparse.RealtimeRecommendedFields) {
		t.Errorf("default fields %v, want logparse.RealtimeRecommendedFields", cfgFields)
	}
	if r := get(s.Resource("RealtimeLogConfig"), "Properties", "SamplingRate"); js(r) != "100" {
		t.Errorf("sampling rate %v", r)
	}
	ep := get(s.Resource("RealtimeLogConfig"), "Properties", "EndPoints").([]any)
	if len(ep) != 1 || get(ep[0], "StreamType") != "Kinesis" ||
		get(ep[0], "KinesisStreamConfig", "StreamArn") != "{RealtimeStream.Arn}" ||
		get(ep[0], "KinesisStreamConfig", "RoleArn") != "{RealtimeLogRole.Arn}" {
		t.Errorf("endpoints %s", js(ep))
	}

	// CloudFront's role: the four documented actions on that stream only,
	// assumable by CloudFront of this account.
	role := s.Resource("RealtimeLogRole")
	trust := statements(get(role, "Properties", "AssumeRolePolicyDocument"))
	if len(trust) != 1 || !jsonEq(trust[0]["Principal"], map[string]any{"Service": "cloudfront.amazonaws.com"}) || trust[0]["Condition"] == nil {
		t.Errorf("CloudFront role trust %s", js(trust))
	}
	pols := get(role, "Properties", "Policies").([]any)
	if len(pols) != 1 {
		t.Fatalf("%d policies", len(pols))
	}
	sts := statements(get(pols[0], "PolicyDocument"))
	if len(sts) != 1 || !slices.Equal(sorted(list(sts[0]["Action"])), []string{"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:PutRecord", "kinesis:PutRecords"}) ||
		!slices.Equal(list(sts[0]["Resource"]), []string{"{RealtimeStream.Arn}"}) {
		t.Errorf("CloudFront role grants %s", js(sts))
	}

	// The function's role: read that stream, send to the failure queue; nothing more.
	ingestRole, err := s.CFN.GetIAMRoleWithName("IngestRole")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, st := range statements(ingestRole.Policies[0].PolicyDocument) {
		for _, a := range list(st["Action"]) {
			if strings.HasPrefix(a, "kinesis:") || st["Sid"] == "RealtimeFailures" {
				got[a] = strings.Join(list(st["Resource"]), ",")
			}
		}
	}
	want := map[string]string{
		"kinesis:DescribeStream": "{RealtimeStream.Arn}", "kinesis:DescribeStreamSummary": "{RealtimeStream.Arn}",
		"kinesis:GetRecords": "{RealtimeStream.Arn}", "kinesis:GetShardIterator": "{RealtimeStream.Arn}",
		"kinesis:ListShards": "{RealtimeStream.Arn}", "sqs:SendMessage": "{RealtimeFailureQueue.Arn}",
	}
	if !jsonEq(got, want) {
		t.Errorf("ingest role real-time grants %s", js(got))
	}

	// The subscription: tumbling window, partial batch responses, bisect,
	// bounded retries, failures parked.
	esm := get(s.Resource("RealtimeEventSource"), "Properties")
	for path, v := range map[string]any{
		"EventSourceArn": "{RealtimeStream.Arn}", "TumblingWindowInSeconds": 60.0,
		"BisectBatchOnFunctionError": true, "MaximumRetryAttempts": 2.0,
		"StartingPosition": "LATEST",
	} {
		if g := get(esm, path); !jsonEq(g, v) {
			t.Errorf("event source %s = %v, want %v", path, g, v)
		}
	}
	if !slices.Equal(list(get(esm, "FunctionResponseTypes")), []string{"ReportBatchItemFailures"}) {
		t.Errorf("FunctionResponseTypes %v", get(esm, "FunctionResponseTypes"))
	}
	if d := get(esm, "DestinationConfig", "OnFailure", "Destination"); d != "{RealtimeFailureQueue.Arn}" {
		t.Errorf("on-failure destination %v", d)
	}
	if a := get(s.Resource("RealtimeIteratorAgeAlarm"), "Properties", "MetricName"); a != "IteratorAge" {
		t.Errorf("iterator age alarm watches %v", a)
	}
}

// TestRealtimeParameters: provisioned mode gets one shard; the window and
// sampling rate reach their properties.
func TestRealtimeParameters(t *testing.T) {
	s := realtimeStack(t, map[string]string{"RealtimeStreamMode": "PROVISIONED", "RealtimeWindowSeconds": "120", "RealtimeSamplingRate": "25"})
	if c := get(s.Resource("RealtimeStream"), "Properties", "ShardCount"); js(c) != "1" {
		t.Errorf("ShardCount %v", c)
	}
	if w := get(s.Resource("RealtimeEventSource"), "Properties", "TumblingWindowInSeconds"); js(w) != "120" {
		t.Errorf("window %v", w)
	}
	if r := get(s.Resource("RealtimeLogConfig"), "Properties", "SamplingRate"); js(r) != "25" {
		t.Errorf("sampling %v", r)
	}
	var b []byte
	b, _ = json.Marshal(s.Raw["Outputs"])
	if !strings.Contains(string(b), "RealtimeLogConfigArn") {
		t.Error("no output names the configuration to attach")
	}
}

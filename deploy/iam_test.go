package deploy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/goformation/v7/cloudformation/s3"
)

type s3Bucket = s3.Bucket

// statements returns a policy document's statements as generic JSON.
func statements(doc any) []map[string]any {
	b, _ := json.Marshal(doc)
	var d struct {
		Statement json.RawMessage
	}
	json.Unmarshal(b, &d)
	var many []map[string]any
	if json.Unmarshal(d.Statement, &many) == nil {
		return many
	}
	var one map[string]any
	if json.Unmarshal(d.Statement, &one) == nil && one != nil {
		return []map[string]any{one}
	}
	return nil
}

// An identityPolicy is one IAM policy document attached to an identity.
type identityPolicy struct {
	where string // resource and policy name
	doc   any
}

// identityPolicies returns every identity policy of a resolved stack:
// roles' inline policies, IAM policies and managed policies, and the
// Policies of SAM functions.
func identityPolicies(s *Stack) []identityPolicy {
	var out []identityPolicy
	for name, r := range s.Raw["Resources"].(map[string]any) {
		typ, _ := get(r, "Type").(string)
		switch typ {
		case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
			for _, p := range get(r, "Properties", "Policies").([]any) {
				out = append(out, identityPolicy{name + "/" + get(p, "PolicyName").(string), get(p, "PolicyDocument")})
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy":
			out = append(out, identityPolicy{name, get(r, "Properties", "PolicyDocument")})
		case "AWS::Serverless::Function":
			if p := get(r, "Properties", "Policies"); p != nil {
				out = append(out, identityPolicy{name + "/Policies", map[string]any{"Statement": p}})
			}
		}
	}
	return out
}

// sensitive reports an action on S3, Secrets Manager or KMS, or any
// action at all.
func sensitive(action string) bool {
	a := strings.ToLower(action)
	return a == "*" || strings.HasPrefix(a, "s3:") || strings.HasPrefix(a, "secretsmanager:") || strings.HasPrefix(a, "kms:")
}

// No identity policy statement grants S3, Secrets Manager or KMS actions
// on a wildcard resource, and none grants a service's every action: every
// statement of every policy of every role, in every scenario.
func TestNoWildcardGrants(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		policies := identityPolicies(s)
		if len(policies) == 0 {
			t.Fatal("no identity policy found")
		}
		for _, p := range policies {
			for _, st := range statements(p.doc) {
				if st["Effect"] != "Allow" {
					continue
				}
				if st["NotAction"] != nil || st["NotResource"] != nil {
					t.Errorf("%s: NotAction/NotResource in an Allow: %s", p.where, js(st))
				}
				for _, a := range list(st["Action"]) {
					if a == "*" || strings.HasSuffix(a, ":*") {
						t.Errorf("%s: grants every action of a service: %s", p.where, a)
					}
				}
				if !slices.ContainsFunc(list(st["Action"]), sensitive) {
					continue
				}
				res := list(st["Resource"])
				if len(res) == 0 {
					t.Errorf("%s: no Resource: %s", p.where, js(st))
				}
				for _, r := range res {
					if r == "*" || strings.HasPrefix(r, "arn:aws:s3:::*") || strings.HasSuffix(r, ":*") ||
						strings.Contains(r, ":secret:*") || strings.Contains(r, ":key/*") {
						t.Errorf("%s: %v on a wildcard resource %q", p.where, st["Action"], r)
					}
				}
			}
		}
	})
	// And in the template as written, whatever the conditions.
	raw, _ := json.Marshal(load(t).Raw["Resources"])
	if strings.Contains(string(raw), `"Resource":"*"`) {
		t.Error(`the template has a statement with "Resource": "*"`)
	}
}

// The ingest role's grants, exactly: read the log prefix, write the
// dataset and state prefixes, read the one Slack secret.
func TestIngestRolePolicy(t *testing.T) {
	type grant struct {
		Actions   []string
		Resources []string
		Condition any
	}
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		role, err := s.CFN.GetIAMRoleWithName("IngestRole")
		if err != nil {
			t.Fatal(err)
		}
		if len(role.ManagedPolicyArns) > 0 || len(role.Policies) != 1 {
			t.Fatalf("managed policies %v, %d inline policies: want one inline policy", role.ManagedPolicyArns, len(role.Policies))
		}
		trust := statements(role.AssumeRolePolicyDocument)
		if len(trust) != 1 || !jsonEq(trust[0]["Principal"], map[string]any{"Service": "lambda.amazonaws.com"}) || trust[0]["Action"] != "sts:AssumeRole" {
			t.Errorf("trust policy %s", js(trust))
		}
		logs, out := logBucket(s), outputBucket(s)
		lp, op, sp := s.Params["LogPrefix"], s.Params["OutputPrefix"], s.Params["StatePrefix"]
		prefixCond := func(p ...string) any {
			var l []any
			for _, x := range p {
				l = append(l, x+"*")
			}
			if len(l) == 1 {
				return map[string]any{"StringLike": map[string]any{"s3:prefix": l[0]}}
			}
			return map[string]any{"StringLike": map[string]any{"s3:prefix": l}}
		}
		want := map[string]grant{
			"WriteOwnLogs":       {[]string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{"{IngestLogGroup.Arn}"}, nil},
			"ConsumeIngestQueue": {[]string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}, []string{"{IngestQueue.Arn}"}, nil},
			"ReadCloudFrontLogs": {[]string{"s3:GetObject"}, []string{"arn:aws:s3:::" + logs + "/" + lp + "*"}, nil},
			"ListCloudFrontLogs": {[]string{"s3:ListBucket"}, []string{"arn:aws:s3:::" + logs}, prefixCond(lp)},
			"WriteDataset":       {[]string{"s3:AbortMultipartUpload", "s3:PutObject"}, []string{"arn:aws:s3:::" + out + "/" + op + "*"}, nil},
			"AlertState":         {[]string{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"}, []string{"arn:aws:s3:::" + out + "/" + sp + "*"}, nil},
			"ListOutput":         {[]string{"s3:ListBucket"}, []string{"arn:aws:s3:::" + out}, prefixCond(op, sp)},
		}
		if key := s.Params["LogBucketKmsKeyArn"]; key != "" {
			want["DecryptCloudFrontLogs"] = grant{[]string{"kms:Decrypt"}, []string{key},
				map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + Region + ".amazonaws.com"}}}
		}
		if arn := s.Params["SlackSecretArn"]; arn != "" {
			want["ReadSlackSecret"] = grant{[]string{"secretsmanager:GetSecretValue"}, []string{arn}, nil}
			if key := s.Params["SlackSecretKmsKeyArn"]; key != "" {
				want["DecryptSlackSecret"] = grant{[]string{"kms:Decrypt"}, []string{key},
					map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + Region + ".amazonaws.com"}}}
			}
		}
		got := map[string]grant{}
		for _, st := range statements(role.Policies[0].PolicyDocument) {
			if st["Effect"] != "Allow" {
				t.Errorf("unexpected statement %s", js(st))
			}
			got[st["Sid"].(string)] = grant{sorted(list(st["Action"])), sorted(list(st["Resource"])), st["Condition"]}
		}
		if !jsonEq(got, want) {
			g, _ := json.MarshalIndent(got, "", "  ")
			w, _ := json.MarshalIndent(want, "", "  ")
			t.Errorf("ingest role grants\n got %s\nwant %s", g, w)
		}
	})
}

// An SSE-KMS log bucket's key (LogBucketKmsKeyArn): without it the role
// has no KMS permission at all; with it, kms:Decrypt on exactly that key,
// and only through S3 in the stack's Region. The key of a bucket the stack
// creates (SSE-S3) is refused.
func TestLogBucketKmsKey(t *testing.T) {
	tmpl := load(t)
	kmsGrants := func(t *testing.T, params map[string]string) []map[string]any {
		t.Helper()
		s, err := tmpl.Resolve(params)
		if err != nil {
			t.Fatalf("resolve: %v", err)
		}
		var out []map[string]any
		for _, p := range identityPolicies(s) {
			for _, st := range statements(p.doc) {
				for _, a := range list(st["Action"]) {
					if strings.HasPrefix(strings.ToLower(a), "kms:") || a == "*" {
						out = append(out, st)
						break
					}
				}
			}
		}
		return out
	}
	for _, params := range []map[string]string{
		{},                                // the stack's own bucket
		{"LogBucketName": "acme-cf-logs"}, // an existing SSE-S3 bucket
		{"LogBucketName": "acme-cf-logs", "LogBucketKmsKeyArn": ""},
	} {
		if got := kmsGrants(t, params); len(got) != 0 {
			t.Errorf("%v: KMS permissions %s, want none", params, js(got))
		}
	}
	got := kmsGrants(t, map[string]string{"LogBucketName": "acme-cf-logs", "LogBucketKmsKeyArn": logKey})
	want := map[string]any{
		"Sid": "DecryptCloudFrontLogs", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": logKey,
		"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + Region + ".amazonaws.com"}},
	}
	if len(got) != 1 || !jsonEq(got[0], want) {
		t.Errorf("KMS permissions %s, want only %s", js(got), js(want))
	}
	if _, err := tmpl.Resolve(map[string]string{"LogBucketKmsKeyArn": logKey}); err == nil || !strings.Contains(err.Error(), "LogBucketKmsKeyArn") {
		t.Errorf("a key for the stack's own bucket: err = %v, want it refused", err)
	}
	if _, err := tmpl.Resolve(map[string]string{"LogBucketName": "acme-cf-logs", "LogBucketKmsKeyArn": "alias/cloudfront-logs"}); err == nil || !strings.Contains(err.Error(), "LogBucketKmsKeyArn") {
		t.Errorf("a key alias: err = %v, want it refused (a key ARN is needed for the policy)", err)
	}
}

// Resource policies that let an AWS service in (S3, EventBridge, log
// delivery) say from where: aws:SourceAccount or aws:SourceArn.
func TestServicePrincipalsConditioned(t *testing.T) {
	eachScenario(t, func(t *testing.T, sc scenario, s *Stack) {
		for name, r := range s.Raw["Resources"].(map[string]any) {
			typ, _ := get(r, "Type").(string)
			if typ != "AWS::S3::BucketPolicy" && typ != "AWS::SQS::QueuePolicy" {
				continue
			}
			for _, st := range statements(get(r, "Properties", "PolicyDocument")) {
				if st["Effect"] != "Allow" {
					continue
				}
				if get(st, "Principal", "Service") == nil {
					t.Errorf("%s: Allow to a principal other than a service: %s", name, js(st))
					continue
				}
				c := js(st["Condition"])
				if !strings.Contains(c, "aws:SourceAccount") && !strings.Contains(c, "aws:SourceArn") {
					t.Errorf("%s: service statement without aws:SourceAccount / aws:SourceArn: %s", name, js(st))
				}
			}
		}
	})
}

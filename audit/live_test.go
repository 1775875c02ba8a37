package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cfwatch/cfwatch/internal/mototest"
)

// TestLiveMoto reads distributions from moto_server's CloudFront. moto 5.2
// has no cache policy APIs: managed IDs are answered by the table, a
// custom policy ID is reported unknown.
func TestLiveMoto(t *testing.T) {
	srv := mototest.Start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	ctx := context.Background()
	cf := cloudfront.NewFromConfig(srv.Config(), func(o *cloudfront.Options) { o.BaseEndpoint = aws.String(srv.Endpoint) })
	create := func(ref, cachePolicy string, methods []cftypes.Method) string {
		t.Helper()
		out, err := cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
			CallerReference: aws.String(ref),
			Comment:         aws.String("audit test"),
			Enabled:         aws.Bool(true),
			Origins: &cftypes.Origins{Quantity: aws.Int32(2), Items: []cftypes.Origin{
				{Id: aws.String("static"), DomainName: aws.String("site.s3.us-east-1.amazonaws.com"), S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}},
				{Id: aws.String("app"), DomainName: aws.String("abc.us-east-1.awsapprunner.com"), CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly}},
			}},
			DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
				TargetOriginId:       aws.String("static"),
				ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
				CachePolicyId:        aws.String(IDCachingOptimized),
			},
			CacheBehaviors: &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{{
				PathPattern:           aws.String("/api/*"),
				TargetOriginId:        aws.String("app"),
				ViewerProtocolPolicy:  cftypes.ViewerProtocolPolicyRedirectToHttps,
				AllowedMethods:        &cftypes.AllowedMethods{Quantity: aws.Int32(int32(len(methods))), Items: methods, CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"}}},
				CachePolicyId:         aws.String(cachePolicy),
				OriginRequestPolicyId: aws.String(IDAllViewer),
			}}},
			Logging: &cftypes.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(true), Bucket: aws.String("logs.s3.amazonaws.com"), Prefix: aws.String("cf/")},
		}})
		if err != nil {
			t.Fatalf("CreateDistribution: %v", err)
		}
		return *out.Distribution.Id
	}
	all := []cftypes.Method{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
	good := create("good", IDCachingDisabled, all)
	bad := create("bad", IDCachingOptimized, []cftypes.Method{"GET", "HEAD"})
	custom := create("custom", "0c1d2e3f-aaaa-4bbb-8ccc-9ddddddddddd", all)

	for _, tc := range []struct {
		id    string
		want  []string
		check string
	}{
		{good, nil, "CachingDisabled"},
		{bad, []string{"config-auth-cached", "config-methods-restricted"}, ""},
		{custom, nil, "could not be read"},
	} {
		d, err := LoadLive(ctx, LiveOptions{DistributionID: tc.id, Endpoint: srv.Endpoint})
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.id, err, srv.Log())
		}
		rep := Audit(&Config{Distributions: []*Distribution{d}}, Options{})
		got := firedRules(rep)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: fired %v, want %v", tc.id, got, tc.want)
		}
		if tc.check != "" {
			found := false
			for _, c := range rep.Distributions[0].Checks {
				if c.Rule == "config-auth-cached" && strings.Contains(c.Value+c.Note, tc.check) {
					found = true
					if tc.id == custom && c.Result != ResultUnknown {
						t.Errorf("custom policy: %+v, want unknown", c)
					}
				}
			}
			if !found {
				t.Errorf("%s: no config-auth-cached check mentioning %q: %+v", tc.id, tc.check, rep.Distributions[0].Checks)
			}
		}
	}
	// The command: --distribution with --endpoint-url.
	out, stderr, code := run(t, "--distribution", bad, "--endpoint-url", srv.Endpoint, "--format", "json")
	if code != 1 || !strings.Contains(out, `"distribution": "`+bad+`"`) {
		t.Errorf("exit %d: %s %s", code, out, stderr)
	}
}

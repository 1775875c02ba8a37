package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	wafv2types "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
	"gopkg.in/yaml.v3"
)

// LiveOptions say which distribution to read and where.
type LiveOptions struct {
	DistributionID string
	Endpoint       string // BaseEndpoint for CloudFront and WAFv2; "" = AWS
	Region         string // default us-east-1 (CloudFront's and WAF's CLOUDFRONT scope)
}

// LoadLive reads a distribution's settings with the CloudFront API
// (GetDistributionConfig, and GetCachePolicy, GetOriginRequestPolicy,
// GetResponseHeadersPolicy for the policies that are not AWS managed) and
// its WAFv2 web ACL (GetWebACL). A policy or web ACL that cannot be read is
// reported unknown by the rules, with the API's error.
func LoadLive(ctx context.Context, o LiveOptions) (*Distribution, error) {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(o.Region))
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	cf := cloudfront.NewFromConfig(awsCfg, func(op *cloudfront.Options) {
		if o.Endpoint != "" {
			op.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	out, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(o.DistributionID)})
	if err != nil {
		return nil, fmt.Errorf("GetDistributionConfig: %w", err)
	}
	dc, err := toNode(out.DistributionConfig)
	if err != nil {
		return nil, fmt.Errorf("GetDistributionConfig: %w", err)
	}
	r := apiResolver{pool: map[policyKey]*Policy{}, errs: map[policyKey]string{}, webACLs: map[string]*WebACL{}}
	behaviors := append(items(get(dc, "CacheBehaviors")), get(dc, "DefaultCacheBehavior"))
	for _, b := range behaviors {
		for _, k := range []PolicyKind{CachePolicyKind, OriginRequestPolicyKind, ResponseHeadersPolicyKind} {
			id, _ := scalarStr(get(b, k.Setting()))
			key := policyKey{k, id}
			if id == "" || managedPolicy(k, id) != nil || r.pool[key] != nil || r.errs[key] != "" {
				continue
			}
			p, err := livePolicy(ctx, cf, k, id)
			if err != nil {
				r.errs[key] = err.Error()
				continue
			}
			r.pool[key] = p
		}
	}
	if acl, _ := scalarStr(get(dc, "WebACLId")); acl != "" {
		w, err := liveWebACL(ctx, awsCfg, o.Endpoint, acl)
		if err == nil {
			r.webACLs[acl] = w
		} else {
			r.errs[policyKey{-1, acl}] = err.Error()
		}
	}
	d := &Distribution{ID: o.DistributionID}
	parseDistConfig(dc, r, d)
	// Lines of the API's JSON mean nothing to the user.
	d.Line = 0
	for _, b := range d.Behaviors {
		b.Line, b.Lines = 0, nil
	}
	for _, o := range d.Origins {
		o.Line = 0
	}
	d.Logging.Line = 0
	return d, nil
}

// toNode turns an SDK value into the node tree the parsers read (the
// SDK's field names are the API's).
func toNode(v any) (*yaml.Node, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	return deref(&n), nil
}

func livePolicy(ctx context.Context, cf *cloudfront.Client, k PolicyKind, id string) (*Policy, error) {
	var cfg any
	switch k {
	case CachePolicyKind:
		out, err := cf.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("GetCachePolicy %s: %w", id, err)
		}
		cfg = out.CachePolicy.CachePolicyConfig
	case OriginRequestPolicyKind:
		out, err := cf.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("GetOriginRequestPolicy %s: %w", id, err)
		}
		cfg = out.OriginRequestPolicy.OriginRequestPolicyConfig
	case ResponseHeadersPolicyKind:
		out, err := cf.GetResponseHeadersPolicy(ctx, &cloudfront.GetResponseHeadersPolicyInput{Id: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("GetResponseHeadersPolicy %s: %w", id, err)
		}
		cfg = out.ResponseHeadersPolicy.ResponseHeadersPolicyConfig
	}
	n, err := toNode(cfg)
	if err != nil {
		return nil, err
	}
	p := parsePolicyConfig(k, n, apiResolver{})
	p.ID, p.Source = id, "read live"
	return p, nil
}

// liveWebACL reads a WAFv2 web ACL from its ARN
// (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID).
func liveWebACL(ctx context.Context, awsCfg aws.Config, endpoint, arn string) (*WebACL, error) {
	parts := strings.Split(arn, "/")
	if !strings.HasPrefix(arn, "arn:") || len(parts) < 4 {
		return nil, fmt.Errorf("web ACL %s: not a WAFv2 ARN (a WAF Classic web ACL is not read)", arn)
	}
	name, id := parts[len(parts)-2], parts[len(parts)-1]
	waf := wafv2.NewFromConfig(awsCfg, func(op *wafv2.Options) {
		op.Region = "us-east-1"
		if endpoint != "" {
			op.BaseEndpoint = aws.String(endpoint)
		}
	})
	out, err := waf.GetWebACL(ctx, &wafv2.GetWebACLInput{Name: aws.String(name), Id: aws.String(id), Scope: wafv2types.ScopeCloudfront})
	if err != nil {
		return nil, fmt.Errorf("GetWebACL %s: %w", arn, err)
	}
	n, err := toNode(out.WebACL)
	if err != nil {
		return nil, err
	}
	return parseWebACL(n, name), nil
}

func createFile(name string) (*os.File, error) { return os.Create(name) }

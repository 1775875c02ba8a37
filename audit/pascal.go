package audit

import (
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The CloudFront API's DistributionConfig and CloudFormation's
// AWS::CloudFront::Distribution DistributionConfig share their names; the
// API wraps lists in {Quantity, Items}, which items() reads too. A resolver
// supplies what differs: how a value that is not a literal is resolved.
type resolver interface {
	// str returns the value of n, or ok=false and why it is unknown.
	str(n *yaml.Node) (val string, ok bool, why string)
	policy(k PolicyKind, n *yaml.Node) *PolicyRef
	origin(o *Origin, domain *yaml.Node)
	webACL(n *yaml.Node) WebACLRef
	logging(d *Distribution, lg *yaml.Node)
}

var (
	reAPIGW     = regexp.MustCompile(`(?i)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)
	reLambdaURL = regexp.MustCompile(`(?i)\.lambda-url\.[a-z0-9-]+\.on\.aws$`)
	reS3        = regexp.MustCompile(`(?i)(^|\.)s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$`)
	reS3Website = regexp.MustCompile(`(?i)\.s3-website[.-][a-z0-9-]+\.amazonaws\.com$`)
)

// originKindOfDomain classifies a literal origin domain name.
func originKindOfDomain(domain string) (kind, why string) {
	d := strings.TrimSuffix(strings.TrimSpace(domain), ".")
	switch {
	case reAPIGW.MatchString(d):
		return OriginAPIGateway, "domain *.execute-api.*.amazonaws.com"
	case reLambdaURL.MatchString(d):
		return OriginLambdaURL, "domain *.lambda-url.*.on.aws"
	case reS3Website.MatchString(d):
		return OriginS3, "domain is an S3 website endpoint"
	case reS3.MatchString(d):
		return OriginS3, "domain *.s3.*amazonaws.com"
	}
	return OriginCustom, "custom domain"
}

func parseDistConfig(dc *yaml.Node, r resolver, d *Distribution) {
	if d.Line == 0 {
		d.Line = line(dc)
	}
	d.Aliases = strs(get(dc, "Aliases"))
	for _, on := range items(get(dc, "Origins")) {
		o := &Origin{Line: keyLine(on, "Id")}
		o.ID, _, _ = r.str(get(on, "Id"))
		if s3 := get(on, "S3OriginConfig"); s3 != nil {
			o.Kind, o.Why = OriginS3, "S3OriginConfig"
		}
		r.origin(o, get(on, "DomainName"))
		if oac := get(on, "OriginAccessControlId"); !isNull(oac) {
			if v, ok, _ := r.str(oac); !ok || v != "" {
				o.OAC = exprString(oac)
				o.Line = keyLine(on, "OriginAccessControlId")
			}
		}
		d.Origins = append(d.Origins, o)
	}
	for _, bn := range items(get(dc, "CacheBehaviors")) {
		b := parseBehavior(bn, r, false)
		b.Line = keyLine(bn, "PathPattern")
		d.Behaviors = append(d.Behaviors, b)
	}
	if dn := get(dc, "DefaultCacheBehavior"); dn != nil {
		b := parseBehavior(dn, r, true)
		b.Line = keyLine(dc, "DefaultCacheBehavior")
		d.Behaviors = append(d.Behaviors, b)
	}
	r.logging(d, get(dc, "Logging"))
	if get(dc, "Logging") != nil {
		d.Logging.Line = keyLine(dc, "Logging")
	}
	for _, en := range items(get(dc, "CustomErrorResponses")) {
		e := ErrorResponse{Line: keyLine(en, "ErrorCode")}
		if c, ok := intOf(get(en, "ErrorCode")); ok {
			e.ErrorCode = int(c)
		}
		e.ResponseCode, _, _ = r.str(get(en, "ResponseCode"))
		e.PagePath, _, _ = r.str(get(en, "ResponsePagePath"))
		d.ErrorResponses = append(d.ErrorResponses, e)
	}
	if w := get(dc, "WebACLId"); w != nil {
		d.WebACL = r.webACL(w)
		d.WebACL.Line = keyLine(dc, "WebACLId")
	}
}

// apiLogging reads the API's Logging {Enabled, IncludeCookies, Bucket}.
func apiLogging(d *Distribution, lg *yaml.Node) {
	d.Logging.Setting = "Logging"
	d.Logging.Line = line(lg)
	if lg == nil {
		f := false
		d.Logging.Enabled = &f
		return
	}
	if e, ok := boolOf(get(lg, "Enabled")); ok {
		d.Logging.Enabled = &e
	} else {
		bucket, _ := scalarStr(get(lg, "Bucket"))
		e := bucket != ""
		d.Logging.Enabled = &e
	}
	if c, ok := boolOf(get(lg, "IncludeCookies")); ok {
		d.Logging.IncludeCookies = &c
	} else {
		f := false
		d.Logging.IncludeCookies = &f
	}
}

func parseBehavior(bn *yaml.Node, r resolver, def bool) *Behavior {
	b := &Behavior{Default: def, Line: line(bn)}
	setStr := func(key string, dst *string) *yaml.Node {
		n := get(bn, key)
		if n == nil {
			return nil
		}
		b.setLine(key, keyLine(bn, key))
		v, ok, why := r.str(n)
		if !ok {
			b.setUnknown(key, why)
		}
		*dst = v
		return n
	}
	if !def {
		setStr("PathPattern", &b.PathPattern)
	}
	setStr("TargetOriginId", &b.TargetOriginID)
	if setStr("ViewerProtocolPolicy", &b.ViewerProtocolPolicy) == nil {
		b.ViewerProtocolPolicy = "allow-all"
	}
	if am := get(bn, "AllowedMethods"); am != nil {
		b.setLine("AllowedMethods", keyLine(bn, "AllowedMethods"))
		if fn, _ := intrinsic(am); fn != "" {
			b.setUnknown("AllowedMethods", exprString(am))
		}
		for _, m := range items(am) {
			if v, ok, why := r.str(m); ok {
				b.AllowedMethods = append(b.AllowedMethods, strings.ToUpper(v))
			} else {
				b.setUnknown("AllowedMethods", why)
			}
		}
	} else {
		b.AllowedMethods = []string{"GET", "HEAD"}
	}
	for _, k := range []PolicyKind{CachePolicyKind, OriginRequestPolicyKind, ResponseHeadersPolicyKind} {
		n := get(bn, k.Setting())
		if isNull(n) {
			continue
		}
		if v, ok, _ := r.str(n); ok && v == "" {
			continue
		}
		b.setLine(k.Setting(), keyLine(bn, k.Setting()))
		ref := r.policy(k, n)
		switch k {
		case CachePolicyKind:
			b.CachePolicy = ref
		case OriginRequestPolicyKind:
			b.OriginRequestPolicy = ref
		case ResponseHeadersPolicyKind:
			b.ResponseHeadersPolicy = ref
		}
	}
	if fv := get(bn, "ForwardedValues"); fv != nil && b.CachePolicy == nil {
		b.setLine("ForwardedValues", keyLine(bn, "ForwardedValues"))
		f := &Forwarded{}
		if q := get(fv, "QueryString"); q != nil {
			b.setLine("ForwardedValues.QueryString", keyLine(fv, "QueryString"))
			if v, ok := boolOf(q); ok {
				f.QueryString = &v
			} else {
				b.setUnknown("ForwardedValues.QueryString", exprString(q))
			}
		}
		if c := get(fv, "Cookies"); c != nil {
			b.setLine("ForwardedValues.Cookies", keyLine(fv, "Cookies"))
			fw, ok, why := r.str(get(c, "Forward"))
			if !ok {
				b.setUnknown("ForwardedValues.Cookies", why)
				f.Cookies = NameSet{Behavior: "unknown"}
			} else {
				f.Cookies = NameSet{Behavior: fw, Names: strs(get(c, "WhitelistedNames"))}
			}
		} else {
			f.Cookies = none
		}
		if h := get(fv, "Headers"); h != nil {
			b.setLine("ForwardedValues.Headers", keyLine(fv, "Headers"))
			f.Headers = strs(h)
		}
		b.Legacy = f
	}
	for _, t := range []struct {
		key string
		dst **int64
	}{{"MinTTL", &b.MinTTL}, {"DefaultTTL", &b.DefaultTTL}, {"MaxTTL", &b.MaxTTL}} {
		if n := get(bn, t.key); n != nil {
			b.setLine(t.key, keyLine(bn, t.key))
			if v, ok := intOf(n); ok {
				*t.dst = &v
			} else if s, ok, why := r.str(n); ok {
				if v, err := strconv.ParseInt(s, 10, 64); err == nil {
					*t.dst = &v
				}
			} else {
				b.setUnknown(t.key, why)
			}
		}
	}
	return b
}

// parsePolicyConfig reads a CachePolicyConfig, OriginRequestPolicyConfig or
// ResponseHeadersPolicyConfig (API or CloudFormation shape).
func parsePolicyConfig(k PolicyKind, cfg *yaml.Node, r resolver) *Policy {
	p := &Policy{Kind: k}
	p.Name, _, _ = r.str(get(cfg, "Name"))
	set := func(n *yaml.Node, behaviorKey, listKey string) NameSet {
		if n == nil {
			return none
		}
		bv, ok, _ := r.str(get(n, behaviorKey))
		if !ok {
			return NameSet{Behavior: "unknown"}
		}
		return NameSet{Behavior: bv, Names: strs(get(n, listKey))}
	}
	switch k {
	case CachePolicyKind:
		ttl := func(key string) int64 {
			v, _ := intOf(get(cfg, key))
			return v
		}
		p.MinTTL, p.DefaultTTL, p.MaxTTL = ttl("MinTTL"), ttl("DefaultTTL"), ttl("MaxTTL")
		params := get(cfg, "ParametersInCacheKeyAndForwardedToOrigin")
		p.Headers = set(get(params, "HeadersConfig"), "HeaderBehavior", "Headers")
		p.Cookies = set(get(params, "CookiesConfig"), "CookieBehavior", "Cookies")
		p.QueryStrings = set(get(params, "QueryStringsConfig"), "QueryStringBehavior", "QueryStrings")
	case OriginRequestPolicyKind:
		p.Headers = set(get(cfg, "HeadersConfig"), "HeaderBehavior", "Headers")
		p.Cookies = set(get(cfg, "CookiesConfig"), "CookieBehavior", "Cookies")
		p.QueryStrings = set(get(cfg, "QueryStringsConfig"), "QueryStringBehavior", "QueryStrings")
	case ResponseHeadersPolicyKind:
		cors := get(cfg, "CorsConfig")
		p.CORS = cors != nil && len(allStrings(get(cors, "AccessControlAllowOrigins"), nil)) > 0
	}
	return p
}

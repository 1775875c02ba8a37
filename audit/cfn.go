package audit

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// cfnResolver resolves a CloudFormation template's values: literals, and
// Ref/GetAtt to resources of the same template. Anything else (parameters,
// conditions, imports, other stacks) is unknown, never guessed.
type cfnResolver struct {
	file      string
	resources *yaml.Node // the Resources mapping
	params    *yaml.Node
	distID    string // the distribution being read
}

func loadCloudFormation(f parsedFile) ([]*Distribution, error) {
	res := get(f.root, "Resources")
	if res != nil && res.Kind != yaml.MappingNode {
		//lint:ignore ST1005 a CloudFormation key
		return nil, &InputError{File: f.name, Line: line(res), Err: fmt.Errorf("Resources is not a mapping")}
	}
	r := &cfnResolver{file: f.name, resources: res, params: get(f.root, "Parameters")}
	var out []*Distribution
	for i := 0; res != nil && i+1 < len(res.Content); i += 2 {
		id, rn := res.Content[i].Value, deref(res.Content[i+1])
		if t, _ := scalarStr(get(rn, "Type")); t != "AWS::CloudFront::Distribution" {
			continue
		}
		d := &Distribution{Resource: id, File: f.name, Line: res.Content[i].Line}
		dc := path(rn, "Properties", "DistributionConfig")
		if dc == nil {
			return nil, &InputError{File: f.name, Line: d.Line, Err: fmt.Errorf("resource %s: no Properties.DistributionConfig", id)}
		}
		if fn, _ := intrinsic(dc); fn != "" {
			return nil, &InputError{File: f.name, Line: line(dc), Err: fmt.Errorf("resource %s: DistributionConfig is %s, which the audit cannot resolve", id, exprString(dc))}
		}
		rc := *r
		rc.distID = id
		parseDistConfig(dc, &rc, d)
		out = append(out, d)
	}
	return out, nil
}

func (r *cfnResolver) resource(id string) (typ string, n *yaml.Node) {
	n = get(r.resources, id)
	typ, _ = scalarStr(get(n, "Type"))
	return typ, n
}

// target returns the logical ID a Ref or GetAtt names, and the attribute.
func (r *cfnResolver) target(n *yaml.Node) (fn, id, attr string) {
	fn, arg := intrinsic(n)
	switch fn {
	case "Ref":
		id, _ = scalarStr(arg)
	case "Fn::GetAtt":
		if s, ok := scalarStr(arg); ok {
			id, attr, _ = strings.Cut(s, ".")
		} else if parts := strs(arg); len(parts) == 2 {
			id, attr = parts[0], parts[1]
		}
	}
	return fn, id, attr
}

func (r *cfnResolver) str(n *yaml.Node) (string, bool, string) {
	if n == nil || isNull(n) {
		return "", true, ""
	}
	if s, ok := scalarStr(n); ok {
		return s, true, ""
	}
	fn, arg := intrinsic(n)
	switch fn {
	case "Ref":
		if s, _ := scalarStr(arg); s == "AWS::NoValue" {
			return "", true, ""
		}
	case "Fn::Sub":
		if s, ok := scalarStr(arg); ok && !strings.Contains(s, "${") {
			return s, true, ""
		}
	}
	return "", false, r.why(n)
}

// why says why the value n is unknown.
func (r *cfnResolver) why(n *yaml.Node) string {
	fn, id, _ := r.target(n)
	expr := exprString(n)
	switch {
	case fn == "Ref" && get(r.params, id) != nil:
		return expr + ": a stack parameter, known only at deploy"
	case fn == "Fn::If":
		return expr + ": depends on a condition"
	case fn == "Fn::ImportValue":
		return expr + ": another stack's export"
	case fn != "":
		return expr + ": not resolvable from the template"
	}
	return expr
}

var policyTypes = [...]string{"AWS::CloudFront::CachePolicy", "AWS::CloudFront::OriginRequestPolicy", "AWS::CloudFront::ResponseHeadersPolicy"}

func (r *cfnResolver) policy(k PolicyKind, n *yaml.Node) *PolicyRef {
	if id, ok := scalarStr(n); ok {
		return resolvePolicyID(k, id, nil)
	}
	ref := &PolicyRef{Value: exprString(n)}
	fn, id, attr := r.target(n)
	typ, rn := r.resource(id)
	switch {
	case (fn == "Ref" || (fn == "Fn::GetAtt" && attr == "Id")) && typ == policyTypes[k]:
		cfgKey := strings.TrimPrefix(policyTypes[k], "AWS::CloudFront::") + "Config"
		cfg := path(rn, "Properties", cfgKey)
		p := parsePolicyConfig(k, cfg, r)
		p.ID = id
		p.Source = fmt.Sprintf("template resource %s (%s:%d)", id, r.file, line(rn))
		ref.Policy = p
	case rn != nil:
		ref.Unknown = fmt.Sprintf("%s is a %s, not a %s", id, typ, k)
	default:
		ref.Unknown = r.why(n)
	}
	return ref
}

var reSubRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}`)

func (r *cfnResolver) origin(o *Origin, domain *yaml.Node) {
	o.Domain = exprString(domain)
	if s, ok := scalarStr(domain); ok {
		if o.Kind != "" {
			return
		}
		o.Kind, o.Why = originKindOfDomain(s)
		if o.Kind == OriginCustom && r.isAPIGatewayDomainName(s) {
			o.Kind, o.Why = OriginAPIGateway, "the template's API Gateway custom domain name"
		}
		return
	}
	if o.Kind != "" {
		return
	}
	// An expression: classify it by what it refers to and by the literal
	// text of Fn::Sub and Fn::Join.
	kinds := map[string]string{}
	r.walkRefs(domain, func(id string) {
		typ, _ := r.resource(id)
		switch typ {
		case "AWS::S3::Bucket":
			kinds[OriginS3] = "refers to the S3 bucket " + id
		case "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi", "AWS::Serverless::HttpApi", "AWS::Serverless::Api",
			"AWS::ApiGatewayV2::DomainName", "AWS::ApiGateway::DomainName":
			kinds[OriginAPIGateway] = "refers to the API Gateway resource " + id
		case "AWS::Lambda::Url":
			kinds[OriginLambdaURL] = "refers to the Lambda function URL " + id
		}
	})
	for _, s := range allStrings(domain, nil) {
		switch {
		case strings.Contains(s, ".execute-api."):
			kinds[OriginAPIGateway] = "domain *.execute-api.*"
		case strings.Contains(s, ".lambda-url."):
			kinds[OriginLambdaURL] = "domain *.lambda-url.*"
		case strings.Contains(s, ".s3.") || strings.Contains(s, ".s3-"):
			kinds[OriginS3] = "domain *.s3.*"
		}
	}
	if fn, _ := intrinsic(domain); fn == "Fn::If" {
		o.Kind, o.Why = OriginUnknown, r.why(domain)
		return
	}
	if len(kinds) == 1 {
		for k, why := range kinds {
			o.Kind, o.Why = k, why
		}
		return
	}
	o.Kind, o.Why = OriginUnknown, "the domain "+exprString(domain)+" cannot be resolved from the template"
}

func (r *cfnResolver) isAPIGatewayDomainName(domain string) bool {
	for i := 0; r.resources != nil && i+1 < len(r.resources.Content); i += 2 {
		rn := r.resources.Content[i+1]
		typ, _ := scalarStr(get(rn, "Type"))
		if typ != "AWS::ApiGatewayV2::DomainName" && typ != "AWS::ApiGateway::DomainName" {
			continue
		}
		if dn, _ := scalarStr(path(rn, "Properties", "DomainName")); strings.EqualFold(dn, domain) {
			return true
		}
	}
	return false
}

// walkRefs calls fn with every logical ID that n refers to (Ref, GetAtt,
// ${X} in Fn::Sub).
func (r *cfnResolver) walkRefs(n *yaml.Node, fn func(string)) {
	n = deref(n)
	if n == nil {
		return
	}
	if f, id, _ := r.target(n); (f == "Ref" || f == "Fn::GetAtt") && id != "" {
		fn(id)
		return
	}
	if f, arg := intrinsic(n); f == "Fn::Sub" {
		s, ok := scalarStr(arg)
		if !ok && len(items(arg)) > 0 {
			s, _ = scalarStr(items(arg)[0])
		}
		for _, m := range reSubRef.FindAllStringSubmatch(s, -1) {
			fn(m[1])
		}
	}
	for _, c := range n.Content {
		r.walkRefs(c, fn)
	}
}

func (r *cfnResolver) webACL(n *yaml.Node) WebACLRef {
	w := WebACLRef{Value: exprString(n)}
	if s, ok := scalarStr(n); ok {
		if s != "" {
			w.Unknown = "the web ACL " + s + " is not defined in the template"
		}
		return w
	}
	_, id, _ := r.target(n)
	typ, rn := r.resource(id)
	if typ != "AWS::WAFv2::WebACL" {
		w.Unknown = r.why(n)
		return w
	}
	w.ACL = parseWebACL(get(rn, "Properties"), id)
	return w
}

func (r *cfnResolver) logging(d *Distribution, lg *yaml.Node) {
	d.Logging.Setting = "DistributionConfig.Logging"
	if lg != nil {
		d.Logging.Line = line(lg)
		t := true
		d.Logging.Enabled = &t
		if isNull(get(lg, "Bucket")) {
			f := false
			d.Logging.Enabled = &f
		}
		c, ok := boolOf(get(lg, "IncludeCookies"))
		if !ok && get(lg, "IncludeCookies") != nil {
			d.Logging.Unknown = r.why(get(lg, "IncludeCookies"))
		}
		d.Logging.IncludeCookies = &c
		return
	}
	// Standard logging (v2) is an AWS::Logs::DeliverySource of the
	// distribution with LogType ACCESS_LOGS.
	for i := 0; r.resources != nil && i+1 < len(r.resources.Content); i += 2 {
		rn := r.resources.Content[i+1]
		if typ, _ := scalarStr(get(rn, "Type")); typ != "AWS::Logs::DeliverySource" {
			continue
		}
		props := get(rn, "Properties")
		if lt, _ := scalarStr(get(props, "LogType")); lt != "ACCESS_LOGS" {
			continue
		}
		var refs []string
		r.walkRefs(get(props, "ResourceArn"), func(id string) { refs = append(refs, id) })
		if slices.Contains(refs, r.distID) {
			t := true
			d.Logging.Enabled = &t
			d.Logging.Setting = "AWS::Logs::DeliverySource " + r.resources.Content[i].Value
			d.Logging.Line = r.resources.Content[i].Line
			d.Logging.Unknown = "cookie logging of standard logging (v2) is not a template setting"
			return
		}
	}
	f := false
	d.Logging.Enabled = &f
	d.Logging.Line = d.Line
}

// parseWebACL reads a WAFv2 web ACL (CloudFormation Properties or the API's
// WebACL; the names are the same).
func parseWebACL(props *yaml.Node, name string) *WebACL {
	acl := &WebACL{Name: name}
	if n, ok := scalarStr(get(props, "Name")); ok {
		acl.Name = n
	}
	for _, rn := range items(get(props, "Rules")) {
		rule := WAFRule{Line: keyLine(rn, "Name")}
		rule.Name, _ = scalarStr(get(rn, "Name"))
		if p, ok := intOf(get(rn, "Priority")); ok {
			rule.Priority = int(p)
		}
		st := get(rn, "Statement")
		rule.StatementStrings = withDecoded(allStrings(st, nil))
		if mg := get(st, "ManagedRuleGroupStatement"); mg != nil {
			rule.Vendor, _ = scalarStr(get(mg, "VendorName"))
			rule.Group, _ = scalarStr(get(mg, "Name"))
			for _, ex := range items(get(mg, "ExcludedRules")) {
				if n, ok := scalarStr(get(ex, "Name")); ok {
					rule.Excluded = append(rule.Excluded, n)
				}
			}
			for _, ov := range items(get(mg, "RuleActionOverrides")) {
				act := get(ov, "ActionToUse")
				if get(act, "Block") == nil && act != nil {
					if n, ok := scalarStr(get(ov, "Name")); ok {
						rule.Excluded = append(rule.Excluded, n)
					}
				}
			}
			if sd := get(mg, "ScopeDownStatement"); sd != nil {
				rule.HasScopeDown = true
				rule.ScopeDown = withDecoded(allStrings(sd, nil))
			}
		}
		if oa := get(rn, "OverrideAction"); oa != nil && get(oa, "Count") != nil {
			rule.OverrideCount = true
		}
		if get(get(rn, "Action"), "Allow") != nil {
			rule.IsAllow = true
		}
		acl.Rules = append(acl.Rules, rule)
	}
	return acl
}

// withDecoded adds the text of base64 values: the API's JSON (and so the
// live mode) carries ByteMatchStatement.SearchString as base64.
func withDecoded(ss []string) []string {
	for _, s := range ss {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) > 0 && utf8.Valid(b) {
			ss = append(ss, string(b))
		}
	}
	return ss
}

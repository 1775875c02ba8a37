package audit

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Terraform JSON (terraform show -json): a plan's planned_values (and
// resource_changes) or a state's values, root and child modules. Resources
// of the aws provider use the snake_case names of the provider's docs;
// nested blocks are lists.

type tfResource struct {
	addr, typ string
	values    *yaml.Node
}

func tfModules(m *yaml.Node, out []tfResource) []tfResource {
	for _, r := range items(get(m, "resources")) {
		addr, _ := scalarStr(get(r, "address"))
		typ, _ := scalarStr(get(r, "type"))
		if mode, _ := scalarStr(get(r, "mode")); mode == "data" {
			typ = "data." + typ
		}
		out = append(out, tfResource{addr, typ, get(r, "values")})
	}
	for _, c := range items(get(m, "child_modules")) {
		out = tfModules(c, out)
	}
	return out
}

func loadTerraform(f parsedFile) ([]*Distribution, error) {
	var res []tfResource
	if pv := get(f.root, "planned_values"); pv != nil {
		res = tfModules(get(pv, "root_module"), nil)
	} else {
		res = tfModules(get(get(f.root, "values"), "root_module"), nil)
	}
	if len(res) == 0 {
		for _, rc := range items(get(f.root, "resource_changes")) {
			addr, _ := scalarStr(get(rc, "address"))
			typ, _ := scalarStr(get(rc, "type"))
			res = append(res, tfResource{addr, typ, path(rc, "change", "after")})
		}
	}
	// after_unknown: values known only after apply, by address.
	unknown := map[string]*yaml.Node{}
	for _, rc := range items(get(f.root, "resource_changes")) {
		addr, _ := scalarStr(get(rc, "address"))
		unknown[addr] = path(rc, "change", "after_unknown")
	}
	r := &tfResolver{file: f.name, res: res, cfgRefs: tfConfigRefs(f.root)}
	var out []*Distribution
	for _, tr := range res {
		if tr.typ != "aws_cloudfront_distribution" {
			continue
		}
		r.addr, r.unknownVals = tr.addr, unknown[tr.addr]
		d := &Distribution{Resource: tr.addr, File: f.name, Line: line(tr.values)}
		d.ID, _ = scalarStr(get(tr.values, "id"))
		dc, err := r.translate(tr.values)
		if err != nil {
			return nil, &InputError{File: f.name, Line: d.Line, Err: fmt.Errorf("%s: %w", tr.addr, err)}
		}
		parseDistConfig(dc, r, d)
		out = append(out, d)
	}
	return out, nil
}

// tfConfigRefs maps "address.attribute path" of the configuration's
// expressions to the resources they reference, for values a plan leaves
// unknown (a policy created in the same plan).
func tfConfigRefs(root *yaml.Node) map[string][]string {
	out := map[string][]string{}
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		n = deref(n)
		if n == nil {
			return
		}
		if refs := get(n, "references"); refs != nil && n.Kind == yaml.MappingNode {
			out[prefix] = strs(refs)
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(prefix+"."+n.Content[i].Value, n.Content[i+1])
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(fmt.Sprintf("%s.%d", prefix, i), c)
			}
		}
	}
	var mods func(m *yaml.Node, modPrefix string)
	mods = func(m *yaml.Node, modPrefix string) {
		for _, r := range items(get(m, "resources")) {
			addr, _ := scalarStr(get(r, "address"))
			walk(modPrefix+addr, get(r, "expressions"))
		}
		mc := get(m, "module_calls")
		for i := 0; mc != nil && i+1 < len(mc.Content); i += 2 {
			mods(get(mc.Content[i+1], "module"), modPrefix+"module."+mc.Content[i].Value+".")
		}
	}
	mods(get(get(root, "configuration"), "root_module"), "")
	return out
}

type tfResolver struct {
	file        string
	res         []tfResource
	cfgRefs     map[string][]string
	addr        string
	unknownVals *yaml.Node
}

// translate turns aws_cloudfront_distribution values into the API's
// DistributionConfig shape, keeping the source nodes (and lines).
func (r *tfResolver) translate(v *yaml.Node) (*yaml.Node, error) {
	m := newMap(v)
	m.put("Aliases", get(v, "aliases"))
	var origins []*yaml.Node
	for _, o := range items(get(v, "origin")) {
		om := newMap(o)
		om.put("Id", get(o, "origin_id"))
		om.put("DomainName", get(o, "domain_name"))
		if s3 := items(get(o, "s3_origin_config")); len(s3) > 0 {
			om.put("S3OriginConfig", s3[0])
		}
		om.put("OriginAccessControlId", get(o, "origin_access_control_id"))
		origins = append(origins, om.node)
	}
	m.put("Origins", seq(origins))
	var behaviors []*yaml.Node
	for i, b := range items(get(v, "ordered_cache_behavior")) {
		behaviors = append(behaviors, r.behavior(b, fmt.Sprintf("ordered_cache_behavior.%d", i)))
	}
	m.put("CacheBehaviors", seq(behaviors))
	if def := items(get(v, "default_cache_behavior")); len(def) > 0 {
		m.put("DefaultCacheBehavior", r.behavior(def[0], "default_cache_behavior.0"))
	}
	if lc := items(get(v, "logging_config")); len(lc) > 0 {
		lm := newMap(lc[0])
		lm.put("Bucket", get(lc[0], "bucket"))
		lm.put("IncludeCookies", get(lc[0], "include_cookies"))
		m.put("Logging", lm.node)
	}
	var errs []*yaml.Node
	for _, e := range items(get(v, "custom_error_response")) {
		em := newMap(e)
		em.put("ErrorCode", get(e, "error_code"))
		em.put("ResponseCode", get(e, "response_code"))
		em.put("ResponsePagePath", get(e, "response_page_path"))
		errs = append(errs, em.node)
	}
	m.put("CustomErrorResponses", seq(errs))
	m.put("WebACLId", get(v, "web_acl_id"))
	return m.node, nil
}

func (r *tfResolver) behavior(b *yaml.Node, where string) *yaml.Node {
	bm := newMap(b)
	for api, tf := range map[string]string{"PathPattern": "path_pattern", "TargetOriginId": "target_origin_id", "ViewerProtocolPolicy": "viewer_protocol_policy",
		"AllowedMethods": "allowed_methods", "CachePolicyId": "cache_policy_id", "OriginRequestPolicyId": "origin_request_policy_id",
		"ResponseHeadersPolicyId": "response_headers_policy_id", "MinTTL": "min_ttl", "DefaultTTL": "default_ttl", "MaxTTL": "max_ttl"} {
		n := get(b, tf)
		if n == nil && strings.HasSuffix(api, "PolicyId") {
			// Unknown in the plan: follow the configuration's reference.
			if refs := r.cfgRefs[r.addr+"."+where+"."+tf]; len(refs) > 0 {
				n = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!tfref", Value: refs[len(refs)-1], Line: line(b)}
			}
		}
		if s, ok := scalarStr(n); ok && s == "" {
			continue
		}
		bm.put(api, n)
	}
	cp, _ := scalarStr(get(b, "cache_policy_id"))
	if fv := items(get(b, "forwarded_values")); len(fv) > 0 && cp == "" {
		fm := newMap(fv[0])
		fm.put("QueryString", get(fv[0], "query_string"))
		fm.put("Headers", get(fv[0], "headers"))
		if ck := items(get(fv[0], "cookies")); len(ck) > 0 {
			cm := newMap(ck[0])
			cm.put("Forward", get(ck[0], "forward"))
			cm.put("WhitelistedNames", get(ck[0], "whitelisted_names"))
			fm.put("Cookies", cm.node)
		}
		bm.put("ForwardedValues", fm.node)
	}
	return bm.node
}

type mapBuilder struct{ node *yaml.Node }

func newMap(src *yaml.Node) mapBuilder {
	return mapBuilder{&yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line(src)}}
}

func (m mapBuilder) put(key string, v *yaml.Node) {
	if v == nil {
		return
	}
	m.node.Content = append(m.node.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: v.Line}, v)
}

func seq(ns []*yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: ns}
	if len(ns) > 0 {
		n.Line = ns[0].Line
	}
	return n
}

func (r *tfResolver) find(typ, idOrAddr string) *tfResource {
	for i, tr := range r.res {
		if tr.typ != typ {
			continue
		}
		id, _ := scalarStr(get(tr.values, "id"))
		arn, _ := scalarStr(get(tr.values, "arn"))
		if tr.addr == idOrAddr || (id != "" && id == idOrAddr) || (arn != "" && arn == idOrAddr) {
			return &r.res[i]
		}
	}
	return nil
}

func (r *tfResolver) str(n *yaml.Node) (string, bool, string) {
	if n == nil {
		return "", true, ""
	}
	if s, ok := scalarStr(n); ok {
		return s, true, ""
	}
	if n.Tag == "!tfref" {
		return "", false, n.Value + " (known after apply)"
	}
	return "", false, exprString(n)
}

var tfPolicyTypes = [...]string{"aws_cloudfront_cache_policy", "aws_cloudfront_origin_request_policy", "aws_cloudfront_response_headers_policy"}

func (r *tfResolver) policy(k PolicyKind, n *yaml.Node) *PolicyRef {
	key := n.Value
	if n.Tag == "!tfref" {
		key = strings.TrimSuffix(n.Value, ".id")
	}
	tr := r.find(tfPolicyTypes[k], key)
	if tr == nil {
		tr = r.find("data."+tfPolicyTypes[k], key)
	}
	if tr == nil {
		if n.Tag == "!tfref" {
			return &PolicyRef{Value: n.Value, Unknown: "known after apply, and not in the plan"}
		}
		return resolvePolicyID(k, n.Value, nil)
	}
	name, _ := scalarStr(get(tr.values, "name"))
	if strings.HasPrefix(tr.typ, "data.") {
		if p := managedByName(k, name); p != nil {
			return &PolicyRef{Value: tr.addr, Policy: p}
		}
	}
	p := tfPolicy(k, tr.values)
	p.Name, p.ID = name, tr.addr
	if id, _ := scalarStr(get(tr.values, "id")); id != "" {
		p.ID = id
	}
	p.Source = fmt.Sprintf("%s (%s:%d)", tr.addr, r.file, line(tr.values))
	return &PolicyRef{Value: n.Value, Policy: p}
}

func tfPolicy(k PolicyKind, v *yaml.Node) *Policy {
	p := &Policy{Kind: k}
	first := func(n *yaml.Node) *yaml.Node {
		if it := items(n); len(it) > 0 {
			return it[0]
		}
		return nil
	}
	set := func(cfg *yaml.Node, behavior, list string) NameSet {
		if cfg == nil {
			return none
		}
		b, _ := scalarStr(get(cfg, behavior))
		var names []string
		if l := first(get(cfg, list)); l != nil {
			names = strs(get(l, "items"))
		}
		return NameSet{Behavior: b, Names: names}
	}
	switch k {
	case CachePolicyKind:
		p.MinTTL, _ = intOf(get(v, "min_ttl"))
		p.DefaultTTL, _ = intOf(get(v, "default_ttl"))
		p.MaxTTL, _ = intOf(get(v, "max_ttl"))
		params := first(get(v, "parameters_in_cache_key_and_forwarded_to_origin"))
		p.Headers = set(first(get(params, "headers_config")), "header_behavior", "headers")
		p.Cookies = set(first(get(params, "cookies_config")), "cookie_behavior", "cookies")
		p.QueryStrings = set(first(get(params, "query_strings_config")), "query_string_behavior", "query_strings")
	case OriginRequestPolicyKind:
		p.Headers = set(first(get(v, "headers_config")), "header_behavior", "headers")
		p.Cookies = set(first(get(v, "cookies_config")), "cookie_behavior", "cookies")
		p.QueryStrings = set(first(get(v, "query_strings_config")), "query_string_behavior", "query_strings")
	case ResponseHeadersPolicyKind:
		p.CORS = first(get(v, "cors_config")) != nil
	}
	return p
}

func (r *tfResolver) origin(o *Origin, domain *yaml.Node) {
	o.Domain, _ = scalarStr(domain)
	if o.Kind != "" {
		return
	}
	if o.Domain == "" {
		o.Kind, o.Why = OriginUnknown, "domain_name known after apply"
		return
	}
	o.Kind, o.Why = originKindOfDomain(o.Domain)
	if o.Kind == OriginCustom {
		for _, tr := range r.res {
			if tr.typ == "aws_apigatewayv2_domain_name" || tr.typ == "aws_api_gateway_domain_name" {
				if dn, _ := scalarStr(get(tr.values, "domain_name")); strings.EqualFold(dn, o.Domain) {
					o.Kind, o.Why = OriginAPIGateway, "the API Gateway custom domain name "+tr.addr
				}
			}
		}
	}
}

func (r *tfResolver) webACL(n *yaml.Node) WebACLRef {
	v, _ := scalarStr(n)
	w := WebACLRef{Value: v}
	if v == "" {
		return w
	}
	tr := r.find("aws_wafv2_web_acl", v)
	if tr == nil {
		w.Unknown = "the web ACL " + v + " is not in the Terraform input"
		return w
	}
	acl := &WebACL{Name: tr.addr}
	for _, rn := range items(get(tr.values, "rule")) {
		rule := WAFRule{Line: line(rn)}
		rule.Name, _ = scalarStr(get(rn, "name"))
		if p, ok := intOf(get(rn, "priority")); ok {
			rule.Priority = int(p)
		}
		st := firstItem(get(rn, "statement"))
		rule.StatementStrings = allStrings(st, nil)
		if mg := firstItem(get(st, "managed_rule_group_statement")); mg != nil {
			rule.Vendor, _ = scalarStr(get(mg, "vendor_name"))
			rule.Group, _ = scalarStr(get(mg, "name"))
			for _, ov := range items(get(mg, "rule_action_override")) {
				act := firstItem(get(ov, "action_to_use"))
				if len(items(get(act, "block"))) == 0 {
					if nm, ok := scalarStr(get(ov, "name")); ok {
						rule.Excluded = append(rule.Excluded, nm)
					}
				}
			}
			if sd := items(get(mg, "scope_down_statement")); len(sd) > 0 {
				rule.HasScopeDown = true
				rule.ScopeDown = allStrings(sd[0], nil)
			}
		}
		if oa := firstItem(get(rn, "override_action")); oa != nil && len(items(get(oa, "count"))) > 0 {
			rule.OverrideCount = true
		}
		if a := firstItem(get(rn, "action")); a != nil && len(items(get(a, "allow"))) > 0 {
			rule.IsAllow = true
		}
		acl.Rules = append(acl.Rules, rule)
	}
	w.ACL = acl
	return w
}

func firstItem(n *yaml.Node) *yaml.Node {
	if it := items(n); len(it) > 0 {
		return it[0]
	}
	return nil
}

func (r *tfResolver) logging(d *Distribution, lg *yaml.Node) {
	d.Logging.Setting = "logging_config"
	f := false
	if lg == nil {
		// Standard logging v2: aws_cloudwatch_log_delivery_source of the distribution.
		arn := ""
		for _, tr := range r.res {
			if tr.addr == r.addr {
				arn, _ = scalarStr(get(tr.values, "arn"))
			}
		}
		for _, tr := range r.res {
			if tr.typ != "aws_cloudwatch_log_delivery_source" {
				continue
			}
			lt, _ := scalarStr(get(tr.values, "log_type"))
			ra, _ := scalarStr(get(tr.values, "resource_arn"))
			if lt == "ACCESS_LOGS" && arn != "" && ra == arn {
				t := true
				d.Logging.Enabled = &t
				d.Logging.Setting = tr.addr
				d.Logging.Unknown = "cookie logging of standard logging (v2) is not in the Terraform input"
				return
			}
		}
		d.Logging.Enabled = &f
		return
	}
	t := true
	d.Logging.Enabled = &t
	c, _ := boolOf(get(lg, "IncludeCookies"))
	d.Logging.IncludeCookies = &c
	d.Logging.Setting = "logging_config"
}

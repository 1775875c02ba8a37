package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
)

// maxInputBytes bounds what one input file may hold: templates and plans
// are a few MB at most.
const maxInputBytes = 64 << 20

// An InputError is an input that cannot be read or is not a kind the audit
// knows; the command exits 2 on it.
type InputError struct {
	File string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

type parsedFile struct {
	name string
	root *yaml.Node
	kind string
}

// policyKey indexes policies by kind and ID.
type policyKey struct {
	kind PolicyKind
	id   string
}

// LoadFiles reads the named inputs (distribution configs, CloudFormation
// templates, Terraform JSON, and policy JSON from get-cache-policy and the
// like, whose policies then resolve the distribution configs' IDs).
func LoadFiles(names []string) (*Config, error) {
	var files []parsedFile
	for _, name := range names {
		data, err := readFile(name)
		if err != nil {
			return nil, &InputError{File: name, Err: err}
		}
		f, err := parseInput(name, data)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return load(files)
}

func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputBytes {
		return nil, fmt.Errorf("larger than %d MB", maxInputBytes>>20)
	}
	return data, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func parseInput(name string, data []byte) (parsedFile, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return parsedFile{}, &InputError{File: name, Err: errors.New("empty file")}
		}
		ie := &InputError{File: name, Err: fmt.Errorf("not JSON or YAML: %w", err)}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			fmt.Sscan(m[1], &ie.Line)
		}
		return parsedFile{}, ie
	}
	root := deref(&doc)
	kind := detectKind(root)
	if kind == "" {
		return parsedFile{}, &InputError{File: name, Line: line(root), Err: errors.New("not a CloudFront distribution config (aws cloudfront get-distribution[-config]), a CloudFormation/SAM template, Terraform JSON (terraform show -json) or a CloudFront policy (get-cache-policy, get-origin-request-policy, get-response-headers-policy)")}
	}
	return parsedFile{name: name, root: root, kind: kind}, nil
}

func detectKind(root *yaml.Node) string {
	if root == nil || root.Kind != yaml.MappingNode {
		return ""
	}
	switch {
	case get(root, "DistributionConfig") != nil, get(get(root, "Distribution"), "DistributionConfig") != nil:
		return KindDistributionConfig
	case get(root, "Origins") != nil && get(root, "DefaultCacheBehavior") != nil:
		return KindDistributionConfig
	case get(root, "CachePolicy") != nil, get(root, "OriginRequestPolicy") != nil, get(root, "ResponseHeadersPolicy") != nil:
		return KindPolicy
	case get(root, "Resources") != nil || get(root, "AWSTemplateFormatVersion") != nil:
		return KindCloudFormation
	case get(root, "format_version") != nil || get(root, "planned_values") != nil || get(root, "values") != nil:
		return KindTerraform
	}
	return ""
}

func load(files []parsedFile) (*Config, error) {
	cfg := &Config{}
	pool := map[policyKey]*Policy{}
	for _, f := range files {
		if f.kind != KindPolicy {
			continue
		}
		for _, k := range []PolicyKind{CachePolicyKind, OriginRequestPolicyKind, ResponseHeadersPolicyKind} {
			wrap := []string{"CachePolicy", "OriginRequestPolicy", "ResponseHeadersPolicy"}[k]
			pn := get(f.root, wrap)
			if pn == nil {
				continue
			}
			id, _ := scalarStr(get(pn, "Id"))
			p := parsePolicyConfig(k, get(pn, wrap+"Config"), apiResolver{})
			p.ID, p.Source = id, f.name
			pool[policyKey{k, id}] = p
		}
		cfg.Inputs = append(cfg.Inputs, Input{File: f.name, Kind: f.kind})
	}
	for _, f := range files {
		var ds []*Distribution
		var err error
		switch f.kind {
		case KindPolicy:
			continue
		case KindDistributionConfig:
			ds = loadDistributionConfig(f, pool)
		case KindCloudFormation:
			ds, err = loadCloudFormation(f)
		case KindTerraform:
			ds, err = loadTerraform(f)
		}
		if err != nil {
			return nil, err
		}
		if len(ds) == 0 {
			return nil, &InputError{File: f.name, Err: fmt.Errorf("no CloudFront distribution in this %s input", f.kind)}
		}
		cfg.Inputs = append(cfg.Inputs, Input{File: f.name, Kind: f.kind})
		cfg.Distributions = append(cfg.Distributions, ds...)
	}
	return cfg, nil
}

var reDistID = regexp.MustCompile(`\bE[A-Z0-9]{8,}\b`)

func loadDistributionConfig(f parsedFile, pool map[policyKey]*Policy) []*Distribution {
	d := &Distribution{File: f.name}
	dc := get(f.root, "DistributionConfig")
	if dist := get(f.root, "Distribution"); dist != nil {
		d.ID, _ = scalarStr(get(dist, "Id"))
		dc = get(dist, "DistributionConfig")
	}
	if dc == nil {
		dc = f.root
	}
	if d.ID == "" {
		d.ID = reDistID.FindString(f.name)
	}
	parseDistConfig(dc, apiResolver{pool: pool}, d)
	return []*Distribution{d}
}

// apiResolver reads the CloudFront API's JSON, where every value is a
// literal; policy IDs resolve to policies given as inputs, else to AWS's
// managed ones.
type apiResolver struct {
	pool map[policyKey]*Policy
	// webACLs holds web ACLs read live, by the distribution's WebACLId.
	webACLs map[string]*WebACL
	// errs holds why a policy (or, with kind -1, a web ACL) could not be read.
	errs map[policyKey]string
}

func (apiResolver) str(n *yaml.Node) (string, bool, string) {
	if n == nil || isNull(n) {
		return "", true, ""
	}
	if s, ok := scalarStr(n); ok {
		return s, true, ""
	}
	return "", false, exprString(n)
}

func (r apiResolver) policy(k PolicyKind, n *yaml.Node) *PolicyRef {
	id, _ := scalarStr(n)
	ref := resolvePolicyID(k, id, r.pool)
	if e := r.errs[policyKey{k, id}]; e != "" && ref.Policy == nil {
		ref.Unknown = "not an AWS managed policy, and it could not be read: " + e
	}
	return ref
}

func resolvePolicyID(k PolicyKind, id string, pool map[policyKey]*Policy) *PolicyRef {
	ref := &PolicyRef{Value: id}
	if p := pool[policyKey{k, id}]; p != nil {
		ref.Policy = p
	} else if p := managedPolicy(k, id); p != nil {
		ref.Policy = p
	} else {
		ref.Unknown = unknownPolicyNote(k, id)
	}
	return ref
}

func (apiResolver) origin(o *Origin, domain *yaml.Node) {
	o.Domain, _ = scalarStr(domain)
	if o.Kind == "" {
		o.Kind, o.Why = originKindOfDomain(o.Domain)
	}
}

func (r apiResolver) webACL(n *yaml.Node) WebACLRef {
	v, _ := scalarStr(n)
	w := WebACLRef{Value: v}
	if v == "" {
		return w
	}
	if acl := r.webACLs[v]; acl != nil {
		w.ACL = acl
	} else if e := r.errs[policyKey{-1, v}]; e != "" {
		w.Unknown = "the web ACL could not be read: " + e
	} else {
		w.Unknown = "the web ACL's rules are not in the input (audit --distribution reads them)"
	}
	return w
}

func (apiResolver) logging(d *Distribution, lg *yaml.Node) { apiLogging(d, lg) }

package audit

import (
	"slices"
	"strings"
)

// A Config is every distribution read from the inputs, with the policies
// they use resolved as far as the inputs allow.
type Config struct {
	Distributions []*Distribution
	Inputs        []Input
}

// An Input is one file (or the live API) that was read.
type Input struct {
	File string `json:"file"`
	Kind string `json:"kind"` // distribution-config, cloudformation, terraform, live, policy
}

// Input kinds.
const (
	KindDistributionConfig = "distribution-config"
	KindCloudFormation     = "cloudformation"
	KindTerraform          = "terraform"
	KindLive               = "live"
	KindPolicy             = "policy"
)

// A Distribution is one CloudFront distribution's settings.
type Distribution struct {
	ID       string // E…, when known
	Resource string // template logical ID or Terraform address
	File     string
	Line     int
	Aliases  []string

	Origins   []*Origin
	Behaviors []*Behavior // in CloudFront's order, the default last

	Logging        Logging
	ErrorResponses []ErrorResponse
	WebACL         WebACLRef
}

// Name is how findings name the distribution.
func (d *Distribution) Name() string {
	switch {
	case d.ID != "" && d.Resource != "":
		return d.ID + " (" + d.Resource + ")"
	case d.ID != "":
		return d.ID
	case d.Resource != "":
		return d.Resource
	}
	return "distribution in " + d.File
}

// Origin kinds.
const (
	OriginS3         = "s3"
	OriginAPIGateway = "api-gateway"
	OriginLambdaURL  = "lambda-url"
	OriginCustom     = "custom"
	OriginUnknown    = "unknown"
)

// An Origin is one of the distribution's origins.
type Origin struct {
	ID     string
	Domain string // as written; an expression when not a literal
	Kind   string
	Why    string // how Kind was decided
	OAC    string // origin access control ID or expression; "" = none
	Line   int
}

// A Behavior is a cache behavior; Default marks the default one.
type Behavior struct {
	PathPattern          string
	Default              bool
	Line                 int
	TargetOriginID       string
	ViewerProtocolPolicy string
	AllowedMethods       []string

	CachePolicy           *PolicyRef // nil = not set
	OriginRequestPolicy   *PolicyRef
	ResponseHeadersPolicy *PolicyRef
	Legacy                *Forwarded // ForwardedValues, when no cache policy

	// Legacy TTLs; nil when not set.
	MinTTL, DefaultTTL, MaxTTL *int64

	Lines   map[string]int    // setting → line
	Unknown map[string]string // setting → why its value is unknown
}

// Pattern is the path pattern as a finding names it.
func (b *Behavior) Pattern() string {
	if b.Default {
		return "Default (*)"
	}
	return b.PathPattern
}

func (b *Behavior) line(setting string) int {
	if l, ok := b.Lines[setting]; ok && l > 0 {
		return l
	}
	return b.Line
}

func (b *Behavior) unknown(setting string) (string, bool) {
	w, ok := b.Unknown[setting]
	return w, ok
}

func (b *Behavior) setLine(setting string, line int) {
	if b.Lines == nil {
		b.Lines = map[string]int{}
	}
	b.Lines[setting] = line
}

func (b *Behavior) setUnknown(setting, why string) {
	if b.Unknown == nil {
		b.Unknown = map[string]string{}
	}
	b.Unknown[setting] = why
}

// Forwarded is a behavior's legacy ForwardedValues.
type Forwarded struct {
	QueryString *bool
	Cookies     NameSet // none, whitelist or all
	Headers     []string
}

// A NameSet is which cookies, headers or query strings a policy includes.
// Behavior is CloudFront's: none, whitelist, allExcept, all, allViewer,
// allViewerAndWhitelistCloudFront; "unknown" when it cannot be read.
type NameSet struct {
	Behavior string
	Names    []string
}

func (s NameSet) has(name string, fold bool) bool {
	switch s.Behavior {
	case "all", "allViewer", "allViewerAndWhitelistCloudFront":
		return true
	case "allExcept":
		return !containsName(s.Names, name, fold)
	case "whitelist":
		return containsName(s.Names, name, fold)
	}
	return false
}

func containsName(names []string, name string, fold bool) bool {
	return slices.ContainsFunc(names, func(n string) bool {
		if fold {
			return strings.EqualFold(n, name) || n == "*"
		}
		return n == name || (strings.ContainsAny(n, "*?") && matchGlob(n, name))
	})
}

func (s NameSet) String() string {
	switch s.Behavior {
	case "whitelist", "allExcept":
		return s.Behavior + " [" + strings.Join(s.Names, ", ") + "]"
	case "":
		return "none"
	}
	return s.Behavior
}

// PolicyKind is cache, origin request or response headers policy.
type PolicyKind int

// Policy kinds.
const (
	CachePolicyKind PolicyKind = iota
	OriginRequestPolicyKind
	ResponseHeadersPolicyKind
)

func (k PolicyKind) String() string {
	switch k {
	case CachePolicyKind:
		return "cache policy"
	case OriginRequestPolicyKind:
		return "origin request policy"
	}
	return "response headers policy"
}

// Setting is the behavior's setting that references a policy of kind k.
func (k PolicyKind) Setting() string {
	switch k {
	case CachePolicyKind:
		return "CachePolicyId"
	case OriginRequestPolicyKind:
		return "OriginRequestPolicyId"
	}
	return "ResponseHeadersPolicyId"
}

// A Policy is a cache, origin request or response headers policy.
type Policy struct {
	Kind    PolicyKind
	ID      string
	Name    string
	Managed bool
	Source  string // where its settings come from
	Note    string

	MinTTL, DefaultTTL, MaxTTL int64 // cache policies

	// Cache policy: the cache key (also forwarded to the origin).
	// Origin request policy: what is forwarded.
	Headers, Cookies, QueryStrings NameSet

	CORS bool // response headers policy: adds Access-Control-Allow-Origin
}

// Label is "Name (ID)".
func (p *Policy) Label() string {
	switch {
	case p.Name != "" && p.ID != "":
		return p.Name + " (" + p.ID + ")"
	case p.Name != "":
		return p.Name
	}
	return p.ID
}

// A PolicyRef is a behavior's reference to a policy.
type PolicyRef struct {
	Value   string  // the ID or the expression as written
	Policy  *Policy // nil when unknown
	Unknown string  // why Policy is nil
}

func (r *PolicyRef) String() string {
	if r == nil {
		return "none"
	}
	if r.Policy != nil {
		return r.Policy.Label()
	}
	return r.Value + " (" + r.Unknown + ")"
}

// Logging is the distribution's standard logging.
type Logging struct {
	Enabled        *bool
	IncludeCookies *bool
	Line           int
	Setting        string // how the input names it
	Unknown        string
}

// An ErrorResponse is a custom error response.
type ErrorResponse struct {
	ErrorCode    int
	ResponseCode string
	PagePath     string
	Line         int
}

// WebACLRef is the distribution's web ACL.
type WebACLRef struct {
	Value   string // ID/ARN or expression; "" = none
	ACL     *WebACL
	Unknown string
	Line    int
}

// A WebACL is the part of a WAFv2 web ACL the audit reads.
type WebACL struct {
	Name  string
	Rules []WAFRule
}

// A WAFRule is a web ACL rule.
type WAFRule struct {
	Name             string
	Priority         int
	Line             int
	Vendor, Group    string   // managed rule group statement
	OverrideCount    bool     // OverrideAction Count: the group only counts
	Excluded         []string // ExcludedRules and RuleActionOverrides that do not block
	ScopeDown        []string // the strings in the scope-down statement
	HasScopeDown     bool
	AllowStrings     []string // Action Allow: strings its statement matches
	IsAllow          bool
	StatementStrings []string
}

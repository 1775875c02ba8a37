package audit

import (
	"fmt"
	"strings"
)

// logToConfig maps a log rule to the audit rules whose setting causes it.
var logToConfig = map[string][]string{
	"method-rejected":             {"config-methods-restricted"},
	"auth-cache-hit":              {"config-auth-cached"},
	"auth-403-burst":              {"config-cookies-not-forwarded", "config-query-not-forwarded", "config-api-behavior-missing", "config-waf-blocks-auth"},
	"auth-cookie-missing":         {"config-cookies-not-forwarded", "config-logging-off"},
	"api-origin-forbidden":        {"config-host-to-apigw", "config-oac-lambda-url-post"},
	"auth-insecure-scheme":        {"config-viewer-http-allowed"},
	"cors-preflight-rejected":     {"config-origin-header-dropped", "config-methods-restricted"},
	"api-routed-to-static-origin": {"config-api-behavior-missing"},
	"post-signature-rejected":     {"config-oac-lambda-url-post"},
	"auth-html-response":          {"config-error-pages-mask-api"},
	"edge-refusals-on-auth":       {"config-waf-blocks-auth"},
}

// Confirm says whether cfg's settings confirm the cause of a log finding of
// ruleID seen on host and path: confirmed when an audit rule that causes it
// fires on the behavior serving path, with a sentence such as "confirmed:
// /api/* uses cache policy CachingOptimized (…)". host picks the
// distribution by alias when cfg has several ("" = all).
func Confirm(cfg *Config, ruleID, host, path string) (confirmed bool, text string) {
	rules, ok := logToConfig[ruleID]
	if !ok {
		return false, "no distribution setting explains " + ruleID
	}
	if path == "" {
		path = "/api/auth/session"
	}
	var dists []*Distribution
	for _, d := range cfg.Distributions {
		if host == "" || len(cfg.Distributions) == 1 || containsFold(d.Aliases, host) {
			dists = append(dists, d)
		}
	}
	if len(dists) == 0 {
		return false, "not confirmed: no distribution in the settings serves " + host
	}
	prefix := "/" + strings.Trim(path, "/")
	if i := strings.Index(prefix, "/auth/"); i >= 0 {
		prefix = prefix[:i+len("/auth")]
	}
	for _, d := range dists {
		rep := Audit(&Config{Distributions: []*Distribution{d}}, Options{AuthPrefix: prefix})
		b, _ := d.behaviorFor(path)
		for _, f := range rep.Findings {
			if !contains(rules, f.Rule) {
				continue
			}
			if b != nil && f.PathPattern != "" && f.PathPattern != b.Pattern() {
				continue
			}
			subject := f.PathPattern
			if subject == "" {
				subject = d.Name()
			}
			return true, fmt.Sprintf("confirmed: %s %s (%s): %s", subject, describeSetting(f), f.Rule, f.Fix)
		}
	}
	return false, "not confirmed by the settings: " + strings.Join(rules, ", ") + " found nothing for " + path
}

func describeSetting(f Finding) string {
	switch f.Setting {
	case "CachePolicyId":
		return "uses cache policy " + strings.SplitN(f.Value, ":", 2)[0]
	case "OriginRequestPolicyId":
		return "forwards " + f.Value
	}
	return "has " + f.Setting + " = " + f.Value
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

func containsFold(ss []string, s string) bool {
	for _, v := range ss {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

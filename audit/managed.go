package audit

// AWS managed CloudFront policies, by ID.
//
// Sources (checked against AWS's pages, see /work/notes/aws-facts.md §3):
//   - cache policies: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
//   - origin request policies: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html
//   - response headers policies: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
//
// The names in the API and in CloudFormation carry a "Managed-" prefix
// (Managed-CachingDisabled), except UseOriginCacheControlHeaders and
// UseOriginCacheControlHeaders-QueryStrings; the table uses the names of
// AWS's pages.

// IDs the rules recommend.
const (
	IDCachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	IDCachingOptimized          = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	IDAllViewer                 = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	IDAllViewerAndCFHeaders     = "33f36d7e-f396-46d9-90e0-52428a34d9dc"
	IDAllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	IDCORSWithPreflight         = "5cc3b908-e619-4b99-88e5-2cf7f45965bd"

	// seedWrongCachingDisabled is the ID seed 000 gives for CachingDisabled;
	// it is not an AWS managed policy.
	seedWrongCachingDisabled = "413fd16d-10f9-4f9f-b0b4-56bc1b56aab4"
)

var (
	none = NameSet{Behavior: "none"}
	all  = NameSet{Behavior: "all"}
)

func wl(names ...string) NameSet { return NameSet{Behavior: "whitelist", Names: names} }

// managedPolicy returns the AWS managed policy of kind k with this ID, or nil.
// It builds a fresh value on every call, so callers may keep it.
func managedPolicy(k PolicyKind, id string) *Policy {
	switch k {
	case CachePolicyKind:
		return managedCache(id)
	case OriginRequestPolicyKind:
		return managedOriginRequest(id)
	case ResponseHeadersPolicyKind:
		return managedResponseHeaders(id)
	}
	return nil
}

func managedCache(id string) *Policy {
	p := &Policy{Kind: CachePolicyKind, ID: id, Managed: true, Source: "AWS managed cache policy"}
	hostKey := wl("Host", "Origin", "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")
	switch id {
	case "2e54312d-136d-493c-8eb9-b001f22f67d2":
		p.Name, p.MinTTL, p.DefaultTTL, p.MaxTTL = "Amplify", 2, 2, 600
		p.Headers, p.Cookies, p.QueryStrings = wl("Authorization", "CloudFront-Viewer-Country", "Host"), all, all
	case IDCachingDisabled:
		p.Name, p.MinTTL, p.DefaultTTL, p.MaxTTL = "CachingDisabled", 0, 0, 0
		p.Headers, p.Cookies, p.QueryStrings = none, none, none
	case IDCachingOptimized:
		p.Name, p.MinTTL, p.DefaultTTL, p.MaxTTL = "CachingOptimized", 1, 86400, 31536000
		p.Headers, p.Cookies, p.QueryStrings = none, none, none
	case "b2884449-e4de-46a7-ac36-70bc7f1ddd6d":
		p.Name, p.MinTTL, p.DefaultTTL, p.MaxTTL = "CachingOptimizedForUncompressedObjects", 1, 86400, 31536000
		p.Headers, p.Cookies, p.QueryStrings = none, none, none
	case "08627262-05a9-4f76-9ded-b50ca2e3a84f":
		p.Name, p.MinTTL, p.DefaultTTL, p.MaxTTL = "Elemental-MediaPackage", 0, 86400, 31536000
		p.Headers, p.Cookies, p.QueryStrings = wl("Origin"), none, wl("aws.manifestfilter", "start", "end", "m")
	case "83da9c7e-98b4-4e11-a168-04f0df8e2c65":
		p.Name, p.MinTTL, p.DefaultTTL, p.MaxTTL = "UseOriginCacheControlHeaders", 0, 0, 31536000
		p.Headers, p.Cookies, p.QueryStrings = hostKey, all, none
	case "4cc15a8a-d715-48a4-82b8-cc0b614638fe":
		p.Name, p.MinTTL, p.DefaultTTL, p.MaxTTL = "UseOriginCacheControlHeaders-QueryStrings", 0, 0, 31536000
		p.Headers, p.Cookies, p.QueryStrings = hostKey, all, all
	default:
		return nil
	}
	return p
}

func managedOriginRequest(id string) *Policy {
	p := &Policy{Kind: OriginRequestPolicyKind, ID: id, Managed: true, Source: "AWS managed origin request policy"}
	switch id {
	case IDAllViewer:
		p.Name = "AllViewer"
		p.Headers, p.Cookies, p.QueryStrings = NameSet{Behavior: "allViewer"}, all, all
	case IDAllViewerAndCFHeaders:
		p.Name = "AllViewerAndCloudFrontHeaders-2022-06"
		p.Headers, p.Cookies, p.QueryStrings = NameSet{Behavior: "allViewerAndWhitelistCloudFront"}, all, all
		p.Note = "this is AllViewerAndCloudFrontHeaders-2022-06, not AllViewer (seed 000 gives it as AllViewer; AllViewer is " + IDAllViewer + ")"
	case IDAllViewerExceptHostHeader:
		p.Name = "AllViewerExceptHostHeader"
		p.Headers, p.Cookies, p.QueryStrings = NameSet{Behavior: "allExcept", Names: []string{"Host"}}, all, all
	case "59781a5b-3903-41f3-afcb-af62929ccde1":
		p.Name = "CORS-CustomOrigin"
		p.Headers, p.Cookies, p.QueryStrings = wl("Origin"), none, none
	case "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf":
		p.Name = "CORS-S3Origin"
		p.Headers, p.Cookies, p.QueryStrings = wl("Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method"), none, none
	case "775133bc-15f2-49f9-abea-afb2e0bf67d2":
		p.Name = "Elemental-MediaTailor-PersonalizedManifests"
		p.Headers, p.Cookies, p.QueryStrings = wl("Origin", "Access-Control-Request-Headers", "Access-Control-Request-Method", "User-Agent", "X-Forwarded-For"), none, all
	case "bf0718e1-ba1e-49d1-88b1-f726733018ae":
		// AWS lists HostHeaderOnly (document history, 29 August 2025); the
		// ID is the one public configurations use (aws-facts.md §3.2).
		p.Name = "HostHeaderOnly"
		p.Headers, p.Cookies, p.QueryStrings = wl("Host"), none, none
	case "acba4595-bd28-49b8-b9fe-13317c0390fa":
		p.Name = "UserAgentRefererHeaders"
		p.Headers, p.Cookies, p.QueryStrings = wl("User-Agent", "Referer"), none, none
	default:
		return nil
	}
	return p
}

func managedResponseHeaders(id string) *Policy {
	p := &Policy{Kind: ResponseHeadersPolicyKind, ID: id, Managed: true, Source: "AWS managed response headers policy"}
	switch id {
	case "e61eb60c-9c35-4d20-a928-2b84e02af89c":
		p.Name, p.CORS = "CORS-and-SecurityHeadersPolicy", true
	case IDCORSWithPreflight:
		p.Name, p.CORS = "CORS-With-Preflight", true
	case "eaab4381-ed33-4a86-88ca-d9558dc6cd63":
		p.Name, p.CORS = "CORS-with-preflight-and-SecurityHeadersPolicy", true
	case "67f7725c-6f97-4210-82d7-5512b31e9d03":
		p.Name = "SecurityHeadersPolicy"
	case "60669652-455b-4ae9-85a4-c4c02393f86c":
		p.Name, p.CORS = "SimpleCORS", true
	default:
		return nil
	}
	return p
}

// managedByName finds a managed policy by its name, with or without the
// "Managed-" prefix (Terraform and CDK refer to them by name).
func managedByName(k PolicyKind, name string) *Policy {
	var ids []string
	switch k {
	case CachePolicyKind:
		ids = []string{"2e54312d-136d-493c-8eb9-b001f22f67d2", IDCachingDisabled, IDCachingOptimized, "b2884449-e4de-46a7-ac36-70bc7f1ddd6d", "08627262-05a9-4f76-9ded-b50ca2e3a84f", "83da9c7e-98b4-4e11-a168-04f0df8e2c65", "4cc15a8a-d715-48a4-82b8-cc0b614638fe"}
	case OriginRequestPolicyKind:
		ids = []string{IDAllViewer, IDAllViewerAndCFHeaders, IDAllViewerExceptHostHeader, "59781a5b-3903-41f3-afcb-af62929ccde1", "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", "775133bc-15f2-49f9-abea-afb2e0bf67d2", "bf0718e1-ba1e-49d1-88b1-f726733018ae", "acba4595-bd28-49b8-b9fe-13317c0390fa"}
	case ResponseHeadersPolicyKind:
		ids = []string{"e61eb60c-9c35-4d20-a928-2b84e02af89c", IDCORSWithPreflight, "eaab4381-ed33-4a86-88ca-d9558dc6cd63", "67f7725c-6f97-4210-82d7-5512b31e9d03", "60669652-455b-4ae9-85a4-c4c02393f86c"}
	}
	for _, id := range ids {
		p := managedPolicy(k, id)
		if p.Name == name || "Managed-"+p.Name == name {
			return p
		}
	}
	return nil
}

// unknownPolicyNote says what an ID that is neither managed nor defined in
// the input is, naming the seed's known mistakes.
func unknownPolicyNote(k PolicyKind, id string) string {
	switch {
	case id == seedWrongCachingDisabled:
		return "not an AWS managed policy (the seed's typo for CachingDisabled " + IDCachingDisabled + "?)"
	case managedPolicy(CachePolicyKind, id) != nil && k != CachePolicyKind:
		return "the AWS managed cache policy " + managedPolicy(CachePolicyKind, id).Name + ", used as a " + k.String()
	case managedPolicy(OriginRequestPolicyKind, id) != nil && k != OriginRequestPolicyKind:
		return "the AWS managed origin request policy " + managedPolicy(OriginRequestPolicyKind, id).Name + ", used as a " + k.String()
	}
	return "not an AWS managed policy and not defined in the input: its settings are unknown"
}

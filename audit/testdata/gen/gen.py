#!/usr/bin/env python3
"""Writes the audit's fixtures: each variant of the seed's good designs
(000: App Runner + S3; 001: API Gateway + S3) as a distribution config
(aws cloudfront get-distribution-config), a CloudFormation template in YAML
(short-form tags) and in JSON (long form, as cdk synth writes it).
Shapes: CloudFront API reference (DistributionConfig) and CloudFormation's
AWS::CloudFront::* resource reference. Run from audit/testdata."""
import copy, json, os

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CORS_WITH_PREFLIGHT = "5cc3b908-e619-4b99-88e5-2cf7f45965bd"
ALL7 = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
RISKY = ["EC2MetaDataSSRF_COOKIE", "SizeRestrictions_Cookie_HEADER", "CrossSiteScripting_COOKIE",
         "GenericRFI_QUERYARGUMENTS", "EC2MetaDataSSRF_QUERYARGUMENTS", "SizeRestrictions_QUERYSTRING",
         "SizeRestrictions_BODY", "NoUserAgent_HEADER"]


class Tag:
    """A CloudFormation intrinsic: YAML short form or JSON long form."""
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg


def Ref(x): return Tag("Ref", x)
def GetAtt(x): return Tag("GetAtt", x)
def Sub(x): return Tag("Sub", x)


def base(design):
    """The neutral model of a distribution, later rendered per input kind."""
    app = {"Id": "app", "DomainName": "abcdefgh12.us-east-1.awsapprunner.com", "Custom": True}
    if design == "001":
        app = {"Id": "api", "DomainName": "API_GW", "Custom": True}
    return {
        "design": design,
        "Aliases": ["www.example.com"],
        "Origins": [
            {"Id": "static", "DomainName": "S3", "S3": True, "OAC": True},
            app,
        ],
        "Behaviors": [{
            "PathPattern": "/api/*",
            "TargetOriginId": app["Id"],
            "ViewerProtocolPolicy": "https-only" if design == "001" else "redirect-to-https",
            "AllowedMethods": list(ALL7),
            "CachePolicyId": CACHING_DISABLED if design == "000" else "CUSTOM_NO_CACHE",
            "OriginRequestPolicyId": ALL_VIEWER if design == "000" else "CUSTOM_ORP",
        }],
        "Default": {
            "TargetOriginId": "static",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"],
            "CachePolicyId": CACHING_OPTIMIZED,
        },
        "Logging": {"IncludeCookies": True},
        "CustomORP": {"Headers": ["Accept", "Accept-Language"], "Cookies": "all", "Query": "all", "CookieNames": []},
        "WebACL": None,
        "ErrorResponses": [],
    }


def variants():
    v = {}
    v["pass-000"] = base("000")
    v["pass-001"] = base("001")

    d = base("000"); d["Behaviors"] = []; v["fail-api-behavior-missing"] = d
    d = base("000"); d["Behaviors"][0]["TargetOriginId"] = "static"; v["fail-api-behavior-to-s3"] = d

    d = base("000"); d["Behaviors"][0]["CachePolicyId"] = CACHING_OPTIMIZED; v["fail-auth-cached"] = d
    d = base("000"); d["Behaviors"][0]["CachePolicyId"] = "413fd16d-10f9-4f9f-b0b4-56bc1b56aab4"; v["fail-auth-cached-seed-typo"] = d
    d = base("000"); b = d["Behaviors"][0]; del b["CachePolicyId"]; del b["OriginRequestPolicyId"]
    b["Legacy"] = {"QueryString": True, "Cookies": "all", "Headers": ["Origin", "Accept"]}
    v["fail-auth-cached-legacy-ttl"] = d
    d = base("000"); b = d["Behaviors"][0]; del b["CachePolicyId"]; del b["OriginRequestPolicyId"]
    b["Legacy"] = {"QueryString": True, "Cookies": "all", "Headers": ["Origin", "Accept"]}; b["TTL"] = 0
    v["pass-legacy-no-cache"] = d

    d = base("000"); d["Behaviors"][0]["AllowedMethods"] = ["GET", "HEAD"]; v["fail-methods-restricted"] = d

    d = base("001"); d["CustomORP"]["Cookies"] = "whitelist"
    d["CustomORP"]["CookieNames"] = ["__Secure-next-auth.session-token", "__Host-next-auth.csrf-token", "__Secure-next-auth.callback-url"]
    v["fail-cookies-allowlist"] = d
    d = base("001"); d["CustomORP"]["Cookies"] = "none"; v["fail-cookies-none"] = d
    d = base("000"); b = d["Behaviors"][0]; del b["CachePolicyId"]; del b["OriginRequestPolicyId"]
    b["Legacy"] = {"QueryString": True, "Cookies": "whitelist", "CookieNames": ["__Secure-next-auth.*", "__Host-next-auth.*"], "Headers": ["Origin"]}; b["TTL"] = 0
    v["pass-cookies-wildcard-allowlist"] = d

    d = base("001"); d["CustomORP"]["Query"] = "none"; v["fail-query-not-forwarded"] = d

    d = base("001"); d["Behaviors"][0]["OriginRequestPolicyId"] = ALL_VIEWER; v["fail-host-to-apigw"] = d
    d = base("001"); d["Behaviors"][0]["OriginRequestPolicyId"] = "33f36d7e-f396-46d9-90e0-52428a34d9dc"; v["fail-host-to-apigw-seed-allviewer"] = d
    d = base("001"); d["Behaviors"][0]["OriginRequestPolicyId"] = ALL_VIEWER_EXCEPT_HOST; v["pass-apigw-except-host"] = d

    d = base("000"); d["Behaviors"][0]["ViewerProtocolPolicy"] = "allow-all"; v["fail-viewer-http-allowed"] = d

    d = base("001"); d["Aliases"] = ["api.example.com"]; v["fail-origin-header-dropped"] = d
    d = base("001"); d["Aliases"] = ["api.example.com"]; d["Behaviors"][0]["ResponseHeadersPolicyId"] = CORS_WITH_PREFLIGHT
    v["pass-origin-header-cors-policy"] = d

    d = base("000"); d["Logging"] = None; v["fail-logging-off"] = d
    d = base("000"); d["Logging"] = {"IncludeCookies": False}; v["fail-logging-no-cookies"] = d

    d = base("000"); d["Origins"][1] = {"Id": "fn", "DomainName": "LAMBDA_URL", "Custom": True, "OAC": True}
    d["Behaviors"][0]["TargetOriginId"] = "fn"; d["Behaviors"][0]["OriginRequestPolicyId"] = ALL_VIEWER_EXCEPT_HOST
    v["fail-oac-lambda-url-post"] = d
    d = copy.deepcopy(d); d["Origins"][1]["OAC"] = False; v["pass-lambda-url-no-oac"] = d

    d = base("000"); d["ErrorResponses"] = [{"ErrorCode": 403, "ResponseCode": "200", "ResponsePagePath": "/index.html"}]
    v["fail-error-pages-mask-api"] = d
    d = base("000"); d["ErrorResponses"] = [{"ErrorCode": 404, "ResponseCode": "404", "ResponsePagePath": "/404.html"}]
    v["pass-error-pages-404"] = d

    d = base("000"); d["Default"]["OriginRequestPolicyId"] = ALL_VIEWER; v["fail-cookies-to-static"] = d

    d = base("000"); d["WebACL"] = {"overrides": []}; v["fail-waf-blocks-auth"] = d
    d = base("000"); d["WebACL"] = {"overrides": RISKY}; v["pass-waf-overrides"] = d
    return v


def domain(o, kind):
    dn = o["DomainName"]
    if dn == "S3":
        return "site-bucket.s3.us-east-1.amazonaws.com" if kind == "api" else GetAtt("SiteBucket.RegionalDomainName")
    if dn == "API_GW":
        return "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com" if kind == "api" else Sub("${HttpApi}.execute-api.${AWS::Region}.amazonaws.com")
    if dn == "LAMBDA_URL":
        return "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws" if kind == "api" else Tag("Select", [2, Tag("Split", ["/", GetAtt("FnUrl.FunctionUrl")])])
    return dn


def items(lst, kind):
    return {"Quantity": len(lst), "Items": lst} if kind == "api" else lst


def behavior(b, kind, default):
    out = {}
    if not default:
        out["PathPattern"] = b["PathPattern"]
    out["TargetOriginId"] = b["TargetOriginId"]
    out["ViewerProtocolPolicy"] = b["ViewerProtocolPolicy"]
    if kind == "api":
        out["AllowedMethods"] = {"Quantity": len(b["AllowedMethods"]), "Items": b["AllowedMethods"],
                                 "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
        out["Compress"] = True
    else:
        out["AllowedMethods"] = b["AllowedMethods"]
        out["CachedMethods"] = ["GET", "HEAD"]
        out["Compress"] = True
    for key in ("CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId"):
        if key not in b:
            continue
        val = b[key]
        if val == "CUSTOM_NO_CACHE":
            val = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad" if kind == "api" else Ref("ApiNoCachePolicy")
        elif val == "CUSTOM_ORP":
            val = "0c1d2e3f-1111-4222-8333-944455566677" if kind == "api" else Ref("ApiOriginRequestPolicy")
        out[key] = val
    if "Legacy" in b:
        lg = b["Legacy"]
        ck = {"Forward": lg["Cookies"]}
        if lg["Cookies"] == "whitelist":
            ck["WhitelistedNames"] = items(lg["CookieNames"], kind)
        out["ForwardedValues"] = {"QueryString": lg["QueryString"], "Cookies": ck, "Headers": items(lg["Headers"], kind)}
        if "TTL" in b:
            out["MinTTL"] = out["DefaultTTL"] = out["MaxTTL"] = b["TTL"]
    return out


def dist_config(m, kind):
    origins = []
    for o in m["Origins"]:
        oo = {"Id": o["Id"], "DomainName": domain(o, kind)}
        if o.get("S3"):
            oo["S3OriginConfig"] = {"OriginAccessIdentity": ""}
        else:
            oo["CustomOriginConfig"] = {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}
        if o.get("OAC"):
            oo["OriginAccessControlId"] = ("E2ABCDEFOAC123" if o.get("S3") else "E3LAMBDAOAC456") if kind == "api" else GetAtt(("SiteOAC" if o.get("S3") else "FnOAC") + ".Id")
        elif kind == "api":
            oo["OriginAccessControlId"] = ""
        origins.append(oo)
    dc = {}
    if kind == "api":
        dc["CallerReference"] = "cfwatch-fixture"
    dc["Aliases"] = items(m["Aliases"], kind)
    dc["Origins"] = items(origins, kind)
    dc["DefaultCacheBehavior"] = behavior(m["Default"], kind, True)
    dc["CacheBehaviors"] = items([behavior(b, kind, False) for b in m["Behaviors"]], kind)
    if m["ErrorResponses"] or kind == "api":
        dc["CustomErrorResponses"] = items([dict(e, ResponseCode=e["ResponseCode"] if kind == "api" else int(e["ResponseCode"])) for e in m["ErrorResponses"]], kind)
    if kind == "api":
        dc["Comment"] = "fixture " + m["design"]
        lg = m["Logging"]
        dc["Logging"] = {"Enabled": lg is not None, "IncludeCookies": bool(lg and lg["IncludeCookies"]),
                         "Bucket": "logs-bucket.s3.amazonaws.com" if lg else "", "Prefix": "cf/" if lg else ""}
        dc["WebACLId"] = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abcd" if m["WebACL"] else ""
        dc["HttpVersion"] = "http2"
        dc["Enabled"] = True
    else:
        if m["Logging"] is not None:
            dc["Logging"] = {"Bucket": GetAtt("LogBucket.RegionalDomainName"), "IncludeCookies": m["Logging"]["IncludeCookies"], "Prefix": "cf/"}
        if m["WebACL"] is not None:
            dc["WebACLId"] = GetAtt("WebACL.Arn")
        dc["Enabled"] = True
        dc["HttpVersion"] = "http2"
    return dc


def template(m):
    res = {}
    res["SiteBucket"] = {"Type": "AWS::S3::Bucket"}
    res["LogBucket"] = {"Type": "AWS::S3::Bucket"}
    res["SiteOAC"] = {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {"OriginAccessControlConfig": {
        "Name": "site", "OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"}}}
    if m["design"] == "001":
        res["HttpApi"] = {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "next", "ProtocolType": "HTTP"}}
        res["ApiNoCachePolicy"] = {"Type": "AWS::CloudFront::CachePolicy", "Properties": {"CachePolicyConfig": {
            "Name": "api-no-cache", "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 0,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": False,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"}}}}}
        orp = m["CustomORP"]
        ck = {"CookieBehavior": orp["Cookies"]}
        if orp["CookieNames"]:
            ck["Cookies"] = orp["CookieNames"]
        res["ApiOriginRequestPolicy"] = {"Type": "AWS::CloudFront::OriginRequestPolicy", "Properties": {"OriginRequestPolicyConfig": {
            "Name": "api-forward",
            "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": orp["Headers"]},
            "CookiesConfig": ck,
            "QueryStringsConfig": {"QueryStringBehavior": orp["Query"]}}}}
    if any(o["DomainName"] == "LAMBDA_URL" for o in m["Origins"]):
        res["Fn"] = {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "nodejs22.x", "Handler": "index.handler", "Role": GetAtt("FnRole.Arn"), "Code": {"ZipFile": "exports.handler=async()=>({})"}}}
        res["FnUrl"] = {"Type": "AWS::Lambda::Url", "Properties": {"TargetFunctionArn": GetAtt("Fn.Arn"), "AuthType": "AWS_IAM"}}
        res["FnOAC"] = {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {"OriginAccessControlConfig": {
            "Name": "fn", "OriginAccessControlOriginType": "lambda", "SigningBehavior": "always", "SigningProtocol": "sigv4"}}}
    if m["WebACL"] is not None:
        mg = {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}
        if m["WebACL"]["overrides"]:
            mg["RuleActionOverrides"] = [{"Name": n, "ActionToUse": {"Count": {}}} for n in m["WebACL"]["overrides"]]
        res["WebACL"] = {"Type": "AWS::WAFv2::WebACL", "Properties": {
            "Name": "site", "Scope": "CLOUDFRONT", "DefaultAction": {"Allow": {}},
            "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "site"},
            "Rules": [{"Name": "core", "Priority": 0, "OverrideAction": {"None": {}},
                       "Statement": {"ManagedRuleGroupStatement": mg},
                       "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "core"}}]}}
    res["Dist"] = {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": dist_config(m, "cfn")}}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Description": "cfwatch audit fixture (seed " + m["design"] + ")", "Resources": res}


def to_json(x):
    if isinstance(x, Tag):
        fn = "Ref" if x.fn == "Ref" else "Fn::" + x.fn
        arg = x.arg
        if x.fn == "GetAtt":
            arg = x.arg.split(".", 1)
        return {fn: to_json(arg)}
    if isinstance(x, dict):
        return {k: to_json(v) for k, v in x.items()}
    if isinstance(x, list):
        return [to_json(v) for v in x]
    return x


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if v == "" or any(c in v for c in ":#{}[],&*!|>'\"%@`") or v in ("true", "false", "null", "yes", "no") or v[0] in "-?" or v.strip() != v:
        return json.dumps(v)
    return v


def to_yaml(x, indent=0):
    pad = "  " * indent
    out = []
    if isinstance(x, dict):
        if not x:
            return [pad + "{}"]
        for k, v in x.items():
            if isinstance(v, Tag):
                out.append(pad + k + ": " + tag_inline(v))
            elif isinstance(v, (dict, list)) and v:
                out.append(pad + k + ":")
                out.extend(to_yaml(v, indent + 1))
            elif isinstance(v, dict):
                out.append(pad + k + ": {}")
            elif isinstance(v, list):
                out.append(pad + k + ": []")
            else:
                out.append(pad + k + ": " + scalar(v))
        return out
    if isinstance(x, list):
        for v in x:
            if isinstance(v, dict) and v:
                sub = to_yaml(v, indent + 1)
                out.append(pad + "- " + sub[0].lstrip())
                out.extend(sub[1:])
            elif isinstance(v, Tag):
                out.append(pad + "- " + tag_inline(v))
            else:
                out.append(pad + "- " + scalar(v))
        return out
    return [pad + scalar(x)]


def tag_inline(t):
    if isinstance(t.arg, list):
        return "!" + t.fn + " [" + ", ".join(tag_inline(a) if isinstance(a, Tag) else scalar(a) for a in t.arg) + "]"
    return "!" + t.fn + " " + scalar(t.arg)


def tf_behavior(b, default, m):
    out = {}
    if not default:
        out["path_pattern"] = b["PathPattern"]
    out["target_origin_id"] = b["TargetOriginId"]
    out["viewer_protocol_policy"] = b["ViewerProtocolPolicy"]
    out["allowed_methods"] = b["AllowedMethods"]
    out["cached_methods"] = ["GET", "HEAD"]
    out["compress"] = True
    for key, tf in (("CachePolicyId", "cache_policy_id"), ("OriginRequestPolicyId", "origin_request_policy_id"), ("ResponseHeadersPolicyId", "response_headers_policy_id")):
        val = b.get(key, "")
        if val == "CUSTOM_NO_CACHE":
            val = "c0ffee00-0000-4000-8000-000000000001"
        elif val == "CUSTOM_ORP":
            val = "c0ffee00-0000-4000-8000-000000000002"
        out[tf] = val
    out["forwarded_values"] = []
    out["min_ttl"], out["default_ttl"], out["max_ttl"] = 0, 0, 0
    if "Legacy" in b:
        lg = b["Legacy"]
        out["forwarded_values"] = [{"query_string": lg["QueryString"], "headers": lg["Headers"], "query_string_cache_keys": [],
                                    "cookies": [{"forward": lg["Cookies"], "whitelisted_names": lg.get("CookieNames", [])}]}]
        ttl = b.get("TTL")
        out["min_ttl"], out["default_ttl"], out["max_ttl"] = (0, 86400, 31536000) if ttl is None else (ttl, ttl, ttl)
    return out


def tf_state(m):
    res = []
    def add(typ, name, values):
        res.append({"address": f"{typ}.{name}", "mode": "managed", "type": typ, "name": name,
                    "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1, "values": values})
    if m["design"] == "001":
        add("aws_cloudfront_cache_policy", "api_no_cache", {"id": "c0ffee00-0000-4000-8000-000000000001", "name": "api-no-cache",
            "min_ttl": 0, "default_ttl": 0, "max_ttl": 0, "parameters_in_cache_key_and_forwarded_to_origin": [{
                "enable_accept_encoding_gzip": False, "enable_accept_encoding_brotli": False,
                "headers_config": [{"header_behavior": "none", "headers": []}],
                "cookies_config": [{"cookie_behavior": "none", "cookies": []}],
                "query_strings_config": [{"query_string_behavior": "none", "query_strings": []}]}]})
        orp = m["CustomORP"]
        add("aws_cloudfront_origin_request_policy", "api_forward", {"id": "c0ffee00-0000-4000-8000-000000000002", "name": "api-forward",
            "headers_config": [{"header_behavior": "whitelist", "headers": [{"items": orp["Headers"]}]}],
            "cookies_config": [{"cookie_behavior": orp["Cookies"], "cookies": [{"items": orp["CookieNames"]}] if orp["CookieNames"] else []}],
            "query_strings_config": [{"query_string_behavior": orp["Query"], "query_strings": []}]})
    acl_arn = ""
    if m["WebACL"] is not None:
        acl_arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abcd"
        mg = {"vendor_name": "AWS", "name": "AWSManagedRulesCommonRuleSet", "version": "",
              "rule_action_override": [{"name": n, "action_to_use": [{"count": [{"custom_request_handling": []}]}]} for n in m["WebACL"]["overrides"]],
              "scope_down_statement": []}
        add("aws_wafv2_web_acl", "site", {"arn": acl_arn, "id": "abcd", "name": "site", "scope": "CLOUDFRONT",
            "rule": [{"name": "core", "priority": 0, "override_action": [{"none": [{}], "count": []}], "action": [],
                      "statement": [{"managed_rule_group_statement": [mg]}]}]})
    origins = []
    for o in m["Origins"]:
        oo = {"origin_id": o["Id"], "domain_name": domain(o, "api"), "origin_access_control_id": "",
              "s3_origin_config": [{"origin_access_identity": ""}] if o.get("S3") else [],
              "custom_origin_config": [] if o.get("S3") else [{"http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only", "origin_ssl_protocols": ["TLSv1.2"]}]}
        if o.get("OAC"):
            oo["origin_access_control_id"] = "E2ABCDEFOAC123" if o.get("S3") else "E3LAMBDAOAC456"
        origins.append(oo)
    lg = m["Logging"]
    add("aws_cloudfront_distribution", "site", {
        "id": "E1TFFIXTURE0001", "arn": "arn:aws:cloudfront::123456789012:distribution/E1TFFIXTURE0001",
        "aliases": m["Aliases"], "enabled": True, "http_version": "http2",
        "origin": origins,
        "default_cache_behavior": [tf_behavior(m["Default"], True, m)],
        "ordered_cache_behavior": [tf_behavior(b, False, m) for b in m["Behaviors"]],
        "logging_config": [{"bucket": "logs-bucket.s3.amazonaws.com", "include_cookies": lg["IncludeCookies"], "prefix": "cf/"}] if lg else [],
        "custom_error_response": [{"error_code": e["ErrorCode"], "response_code": int(e["ResponseCode"]), "response_page_path": e["ResponsePagePath"], "error_caching_min_ttl": 10} for e in m["ErrorResponses"]],
        "web_acl_id": acl_arn,
    })
    return {"format_version": "1.0", "terraform_version": "1.9.8", "values": {"root_module": {"child_modules": [{"address": "module.cdn", "resources": [
        dict(r, address="module.cdn." + r["address"]) for r in res]}]}}}


def main():
    for sub in ("distconfig", "cfn-yaml", "cfn-json", "terraform"):
        os.makedirs(sub, exist_ok=True)
    for name, m in variants().items():
        with open(f"distconfig/{name}.json", "w") as f:
            json.dump({"ETag": "E2QWRUHAPOMQZL", "DistributionConfig": dist_config(m, "api")}, f, indent=4)
            f.write("\n")
        if m["design"] == "001":
            orp = m["CustomORP"]
            ck = {"CookieBehavior": orp["Cookies"]}
            if orp["CookieNames"]:
                ck["Cookies"] = items(orp["CookieNames"], "api")
            pol = {"ETag": "E1POLICYETAG", "OriginRequestPolicy": {"Id": "0c1d2e3f-1111-4222-8333-944455566677",
                   "LastModifiedTime": "2026-01-01T00:00:00Z", "OriginRequestPolicyConfig": {
                       "Name": "api-forward",
                       "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": items(orp["Headers"], "api")},
                       "CookiesConfig": ck,
                       "QueryStringsConfig": {"QueryStringBehavior": orp["Query"]}}}}
            with open(f"distconfig/{name}.policy.json", "w") as f:
                json.dump(pol, f, indent=4)
                f.write("\n")
        with open(f"terraform/{name}.json", "w") as f:
            json.dump(tf_state(m), f, indent=2)
            f.write("\n")
        t = template(m)
        with open(f"cfn-json/{name}.json", "w") as f:
            json.dump(to_json(t), f, indent=1)
            f.write("\n")
        with open(f"cfn-yaml/{name}.yaml", "w") as f:
            f.write("\n".join(to_yaml(t)) + "\n")


main()

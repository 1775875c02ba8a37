package detectors

import (
	"fmt"
	"strings"
)

// RuleEdgeFunctionError: Lambda@Edge or CloudFront Functions failing or
// throttled.
const RuleEdgeFunctionError = "edge-function-error"

// edge-function-error counters of failing requests.
const (
	evLambdaExecution  = 0 // LambdaExecutionError and other Lambda…Error
	evLambdaValidation = 1 // LambdaValidationError
	evLambdaThrottled  = 2 // LambdaLimitExceeded
	evFunctionError    = 3 // FunctionExecutionError and other Function…Error
	evFunctionThrottle = 4 // FunctionThrottledError
	evEdgeAuth         = 5 // on the auth prefix
)

var ruleEdgeFunctionErrorDef = rule{
	id:       RuleEdgeFunctionError,
	severity: SeverityWarning,
	scope:    ScopeAll,
	doc:      "Lambda@Edge (Lambda*Error, LambdaLimitExceeded) or CloudFront Functions (FunctionExecutionError, FunctionThrottledError) failing or throttled, read from any of the three result types; critical on API and auth paths (/api/* or /*; its requests)",
	settings: func(c *Config) Threshold { return c.EdgeFunctionError },
	series:   edgeFunctionSeries,
	fails:    func(x *request) bool { return EdgeFunctionFailure(x.rec) },
	tally:    edgeFunctionTally,
	evidence: [numEv]string{"LambdaExecutionError", "LambdaValidationError", "LambdaLimitExceeded", "FunctionExecutionError", "FunctionThrottledError", "auth"},
	explain:  edgeFunctionExplain,
	failsSQL: EdgeFunctionFailureSQL(),
}

// edgeFunctionSeries: one series per API behavior ("/api/*", the auth
// prefix included) and one for the default behavior ("/*").
func edgeFunctionSeries(e *Engine, r *rule, h *hostState, x *request) *series {
	slot := x.pc.api + 1 // -1 (static) is slot 0
	p := e.seriesSlot(h, r, slot)
	if *p == nil {
		*p = e.newSeries(r, e.apiLabel(x.pc.api), "requests")
		(*p).sub = x.pc.api
	}
	return *p
}

func edgeFunctionTally(x *request, ev *[numEv]int64) {
	rec := x.rec
	switch Classify(rec) {
	case ReasonLambdaEdgeThrottled:
		ev[evLambdaThrottled]++
	case ReasonFunctionThrottled:
		ev[evFunctionThrottle]++
	case ReasonFunctionError:
		ev[evFunctionError]++
	default:
		if rec.EdgeDetailedResultType == "LambdaValidationError" || rec.EdgeResponseResultType == "LambdaValidationError" {
			ev[evLambdaValidation]++
		} else {
			ev[evLambdaExecution]++
		}
	}
	if x.pc.ep != epNone {
		ev[evEdgeAuth]++
	}
}

func edgeFunctionExplain(e *Engine, f *Finding, c *cand, ev [numEv]int64) {
	if c.s != nil && c.s.sub >= 0 {
		f.Severity = SeverityCritical
	}
	lambda := ev[evLambdaExecution] + ev[evLambdaValidation] + ev[evLambdaThrottled]
	fn := ev[evFunctionError] + ev[evFunctionThrottle]
	auth := ""
	if ev[evEdgeAuth] > 0 {
		auth = fmt.Sprintf("; %s of them on NextAuth's endpoints under %s, so sign-in fails", fmtCount(ev[evEdgeAuth]), e.authPrefix)
	}
	f.Cause = fmt.Sprintf("%s to %s failed in a function CloudFront runs before the origin (%s)%s: the origin was not the cause",
		ofText(f), f.Group, counts(ev, c.r.evidence[:5], 0), auth)
	var rm []string
	if lambda > 0 {
		rm = append(rm, "Lambda@Edge: its logs are in CloudWatch Logs in the Region of the edge location that served the request (x-edge-location; IAD is us-east-1, FRA eu-central-1…), log group /aws/lambda/us-east-1.FUNCTION_NAME, and its errors in the CloudFront console's Monitoring, Lambda@Edge errors.")
		if ev[evLambdaExecution] > 0 {
			rm = append(rm, "LambdaExecutionError: the function threw, timed out (5 s for viewer triggers, 30 s for origin triggers) or did not return; fix the function, or raise its timeout for an origin trigger.")
		}
		if ev[evLambdaValidation] > 0 {
			rm = append(rm, "LambdaValidationError: the function returned a response CloudFront refuses (a malformed object, a read-only or disallowed header changed, a body over the size limit, a bad status): check the returned object against the Lambda@Edge event structure and restrictions.")
		}
		if ev[evLambdaThrottled] > 0 {
			rm = append(rm, "LambdaLimitExceeded: the function was throttled by Lambda's quotas in that Region (concurrent executions, 1,000 per Region by default, shared with the account's other functions): request an increase of the Lambda concurrent executions quota in the Regions that serve this traffic, or make the function faster.")
		}
	}
	if fn > 0 {
		rm = append(rm, "CloudFront Functions: their logs are in CloudWatch Logs in us-east-1, log group /aws/cloudfront/function/FUNCTION_NAME (console.log output and errors); test the function with the CloudFront console's Test tab on a failing request.")
		if ev[evFunctionError] > 0 {
			rm = append(rm, "FunctionExecutionError: the function threw or returned an invalid event object; fix it and publish it again to LIVE.")
		}
		if ev[evFunctionThrottle] > 0 {
			rm = append(rm, "FunctionThrottledError: the function exceeded its compute utilization (the FunctionComputeUtilization metric reaches 100): make it do less per request (no large loops or regexes over the whole request), or move the work to Lambda@Edge.")
		}
	}
	f.Remedy = strings.Join(rm, " ")
}

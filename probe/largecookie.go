package probe

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cfwatch/cfwatch/detectors"
)

// Extra cookie sizes large-cookie sends with the session request: 12 KB (a
// session JWT in three or four chunks) and 19 KB (just under CloudFront's
// 20,480-byte limit with the other headers).
const (
	padSmall = 12 * 1024
	padLarge = 19 * 1024
	// cloudFrontLimit is CloudFront's "maximum length of a request,
	// including headers and query strings, but not including the body".
	cloudFrontLimit = 20480
	bisectSteps     = 3
)

// padCookies returns cookies that add about n bytes to the Cookie header,
// in chunks of at most 4,000 bytes like NextAuth's session-token.0, .1, ….
func padCookies(n int) []*http.Cookie {
	var out []*http.Cookie
	for i := 0; n > 0; i++ {
		name := "cfwatch-probe-pad." + strconv.Itoa(i)
		v := min(4000, n-len("; =")-len(name))
		if v < 1 {
			break
		}
		out = append(out, &http.Cookie{Name: name, Value: strings.Repeat("x", v)})
		n -= len("; =") + len(name) + v
	}
	return out
}

func (p *prober) checkLargeCookie(ctx context.Context, c *Check) {
	if p.session == nil {
		c.skip("needs an answered session request (the session check failed)")
		return
	}
	base := p.session.HeaderBytes
	lim := &SizeLimit{LargestAnswered: base}
	c.SizeLimit = lim
	var refused *Exchange
	try := func(extra int) bool {
		r := c.add(p.do(ctx, p.sessionRequest(padCookies(extra), true)))
		ex := r.ex
		if ex.Status >= 200 && ex.Status < 300 && !edgeError(ex) {
			lim.LargestAnswered = max(lim.LargestAnswered, ex.HeaderBytes)
			return true
		}
		if lim.SmallestRefused == 0 || ex.HeaderBytes < lim.SmallestRefused {
			lim.SmallestRefused, lim.RefusedStatus, lim.RefusedBy = ex.HeaderBytes, ex.Status, ex.AnsweredBy
			cp := *ex
			refused = &cp
		}
		return false
	}
	bisect := func(lo, hi int) {
		for range bisectSteps {
			mid := (lo + hi) / 2
			if try(mid) {
				lo = mid
			} else {
				hi = mid
			}
		}
	}
	okSmall := try(padSmall)
	okLarge := false
	switch {
	case !okSmall:
		bisect(0, padSmall)
	default:
		okLarge = try(padLarge)
		if !okLarge {
			bisect(padSmall, padLarge)
		} else {
			// Where it stops: one request just over CloudFront's limit.
			try(cloudFrontLimit - base + 512)
		}
	}
	lim.Limit = limitName(refused)
	if okSmall && okLarge {
		if lim.SmallestRefused > 0 {
			c.pass("12 KB and 19 KB of extra cookies answered (%d bytes of headers); refused at %d bytes (%s)", lim.LargestAnswered, lim.SmallestRefused, lim.Limit)
		} else {
			c.pass("12 KB and 19 KB of extra cookies answered; still answered at %d bytes of headers", lim.LargestAnswered)
			c.note("a request over CloudFront's 20,480-byte limit was answered: is the site served through CloudFront?")
		}
		return
	}
	what := fmt.Sprintf("%d", lim.RefusedStatus)
	if lim.RefusedStatus == 0 {
		what = "no answer (" + refused.Error + ")"
	}
	if refused != nil && refused.Signature != "" {
		what += " " + refused.Signature
	}
	size := "19 KB"
	if !okSmall {
		size = "12 KB"
	}
	p.fail(c, RuleAuthCookieOversize, p.authGroup(),
		fmt.Sprintf("refused with %s of extra cookies: answered up to %d bytes of headers, refused from %d (%s by %s)", size, lim.LargestAnswered, lim.SmallestRefused, what, lim.RefusedBy),
		fmt.Sprintf("The session request stopped being answered between %d and %d bytes of request headers (%s). NextAuth's session cookie grows with the JWT (split into .0, .1, … chunks of 4 KB); once a user's cookies pass this size every request of that user fails, and over 20 KB CloudFront does not even log it.", lim.LargestAnswered, lim.SmallestRefused, lim.Limit))
	if okSmall {
		c.Severity = detectors.SeverityWarning
	} else {
		c.Severity = detectors.SeverityCritical
	}
}

// limitName names the limit a refusal matches.
func limitName(ex *Exchange) string {
	if ex == nil {
		return ""
	}
	switch {
	case ex.Status == 0:
		return "the connection was closed: a limit of the origin or a proxy"
	case ex.AnsweredBy == byS3:
		return "S3's 8 KB request header limit (RequestHeaderSectionTooLarge)"
	case ex.AnsweredBy == byAPIGateway:
		return "API Gateway's request header limit (about 10 KB)"
	case ex.AnsweredBy == byCloudFront && ex.HeaderBytes > cloudFrontLimit:
		return "CloudFront's 20,480-byte request limit"
	case ex.AnsweredBy == byCloudFront:
		return "a limit at CloudFront below 20,480 bytes (a CloudFront Function, Lambda@Edge or WAF size rule)"
	case ex.Status == http.StatusRequestHeaderFieldsTooLarge:
		return "the origin server's header limit (431; Node.js allows 16 KB by default)"
	default:
		return fmt.Sprintf("the origin's header limit (%d)", ex.Status)
	}
}

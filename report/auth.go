package report

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// The NextAuth endpoints the report follows one by one, in this order.
var authEndpointNames = [...]string{"callback/*", "session", "csrf", "signin/*", "signout"}

const numAuthEndpoints = len(authEndpointNames)

// authClass says what a path is to NextAuth: whether it lies under the
// prefix (cleaned: "/api/auth", never "/api/auth/" or "/api/auth/*"), and
// which endpoint it is (-1 for none of authEndpointNames).
func authClass(p, prefix string) (under bool, ep int) {
	if strings.IndexByte(p, '%') >= 0 || strings.Contains(p, "//") || strings.Contains(p, "/.") {
		p = cleanPath(p)
	}
	if !strings.HasPrefix(p, prefix) {
		return false, -1
	}
	rest := p[len(prefix):]
	if rest != "" && rest[0] != '/' {
		return false, -1 // "/api/authx"
	}
	rest = strings.Trim(rest, "/")
	name, arg, hasArg := strings.Cut(rest, "/")
	oneArg := hasArg && arg != "" && !strings.Contains(arg, "/")
	switch {
	case name == "callback" && oneArg:
		return true, 0
	case name == "session" && !hasArg:
		return true, 1
	case name == "csrf" && !hasArg:
		return true, 2
	case name == "signin" && (!hasArg || oneArg):
		return true, 3
	case name == "signout" && !hasArg:
		return true, 4
	}
	return true, -1
}

// cleanPath undoes CloudFront's %XX escaping (twice for double encoding)
// and resolves empty, "." and ".." segments, so that "/api//auth/%73ession"
// counts as the session endpoint.
func cleanPath(p string) string {
	d := logparse.Decode(p)
	if !strings.HasPrefix(d, "/") {
		return d
	}
	return path.Clean(d)
}

// endpointCounts are one NextAuth endpoint's requests and failures.
type endpointCounts struct {
	requests, errors4xx, errors5xx int64
	codes                          map[int]int64 // failures by status
}

func (c *endpointCounts) add(status int) { c.addN(status, 1) }

// addN counts n requests answered status.
func (c *endpointCounts) addN(status int, n int64) {
	c.requests += n
	switch status / 100 {
	case 4:
		c.errors4xx += n
	case 5:
		c.errors5xx += n
	default:
		return
	}
	if c.codes == nil {
		c.codes = make(map[int]int64, 2)
	}
	c.codes[status] += n
}

func (c *endpointCounts) failures() int64 { return c.errors4xx + c.errors5xx }

// An AuthEndpoint is the health of one NextAuth endpoint over a window.
type AuthEndpoint struct {
	Endpoint    string           `json:"endpoint"` // "callback/*", "session", "csrf", "signin/*", "signout"
	Path        string           `json:"path"`     // with the prefix: "/api/auth/callback/*"
	Requests    int64            `json:"requests"`
	Failures    int64            `json:"failures"` // answered 4xx or 5xx
	Errors4xx   int64            `json:"errors_4xx"`
	Errors5xx   int64            `json:"errors_5xx"`
	FailureRate float64          `json:"failure_rate"` // failures / requests, 0 without requests
	Codes       map[string]int64 `json:"codes"`        // failures by status code
	// Series is the endpoint's requests and failures per interval of the
	// report's series (absent in the baseline).
	Series *EndpointSeries `json:"series,omitempty"`
}

// EndpointSeries holds one endpoint's counts per interval, index for index
// with the report's series.points.
type EndpointSeries struct {
	Requests []int64 `json:"requests"`
	Failures []int64 `json:"failures"`
}

// topCodes returns the failing codes, most frequent first.
func (e *AuthEndpoint) topCodes() []codeCount {
	out := make([]codeCount, 0, len(e.Codes))
	for k, n := range e.Codes {
		out = append(out, codeCount{k, n})
	}
	slices.SortFunc(out, func(a, b codeCount) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.code, b.code)
	})
	return out
}

type codeCount struct {
	code string
	n    int64
}

// authEndpoints turns the counters into report rows.
func authEndpoints(prefix string, counts *[numAuthEndpoints]endpointCounts) []AuthEndpoint {
	out := make([]AuthEndpoint, numAuthEndpoints)
	for i, c := range counts {
		e := AuthEndpoint{Endpoint: authEndpointNames[i], Path: prefix + "/" + authEndpointNames[i],
			Requests: c.requests, Failures: c.failures(), Errors4xx: c.errors4xx, Errors5xx: c.errors5xx,
			Codes: map[string]int64{}}
		if c.requests > 0 {
			e.FailureRate = float64(e.Failures) / float64(c.requests)
		}
		for code, n := range c.codes {
			e.Codes[strconv.Itoa(code)] = n
		}
		out[i] = e
	}
	return out
}

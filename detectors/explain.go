package detectors

import (
	"fmt"
	"strings"
)

// Wording the rules' explanations share (each rule's own is in its file).

// ofText is a finding's "412 of 1,530 callback requests".
func ofText(f *Finding) string {
	return fmt.Sprintf("%s of %s %s", fmtCount(f.Count), fmtCount(f.Denominator), f.DenominatorLabel)
}

// cookieAdvice is the advice for cookies the browser does not keep or send,
// to follow a colon.
func cookieAdvice(host string) string {
	return fmt.Sprintf("set NEXTAUTH_URL (AUTH_URL for Auth.js v5) to the public URL https://%s so NextAuth issues Secure cookies for that host; keep NextAuth's default cookie options (Secure, SameSite=Lax, no hand-set domain), using SameSite=None; Secure only when sign-in crosses sites; serve sign-in on one host name over https; check third-party cookie blocking when the auth endpoints are on another domain.", host)
}

// counts lists the non-zero counters ev[from+i] as "name ×n".
func counts(ev [numEv]int64, names []string, from int) string {
	var parts []string
	for i, name := range names {
		if from+i < numEv && ev[from+i] > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%s", name, fmtCount(ev[from+i])))
		}
	}
	if len(parts) == 0 {
		return "no detail"
	}
	return strings.Join(parts, ", ")
}

func addEvidence(m map[string]int64, k string, v int64) map[string]int64 {
	if v == 0 {
		return m
	}
	if m == nil {
		m = make(map[string]int64)
	}
	m[k] = v
	return m
}

// Package suggest finds what a user probably meant: the valid name
// nearest to a mistyped one.
package suggest

import "strings"

// Nearest returns the candidate closest to s by edit distance, if it is
// close enough to be what was meant: at most a third of the candidate's
// length away (and at least one edit allowed). Hyphens and underscores are
// the same to it, and case does not count. Of candidates equally close, the
// first wins.
func Nearest(s string, candidates []string) (string, bool) {
	ns := normalize(s)
	best, bestD := "", -1
	for _, c := range candidates {
		if d := Distance(ns, normalize(c)); bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(1, len(best)/3) {
		return "", false
	}
	return best, true
}

func normalize(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", "_")) }

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

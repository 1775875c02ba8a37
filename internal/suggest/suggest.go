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

// Distance is the edit distance between a and b, in bytes: insertions,
// deletions, substitutions and transpositions of adjacent bytes ("sinec"
// is one edit from "since"), each substring edited once (optimal string
// alignment).
func Distance(a, b string) int {
	prev2 := make([]int, len(b)+1) // row i-2
	prev := make([]int, len(b)+1)  // row i-1
	cur := make([]int, len(b)+1)   // row i
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
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

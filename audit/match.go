package audit

import "strings"

// matchGlob reports whether CloudFront's path pattern matches path: '*'
// matches any run of characters, '/' included, '?' exactly one, and the
// match is case-sensitive.
func matchGlob(pattern, path string) bool {
	// Iterative matcher with one backtrack point (the last '*').
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(path) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == path[s]):
			p++
			s++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case star >= 0:
			p = star + 1
			mark++
			s = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchPath applies a behavior's PathPattern the way CloudFront does: the
// leading '/' is optional.
func matchPath(pattern, path string) bool {
	if !strings.HasPrefix(pattern, "/") && !strings.HasPrefix(pattern, "*") {
		pattern = "/" + pattern
	}
	return matchGlob(pattern, path)
}

// behaviorFor returns the behavior CloudFront uses for path: the first
// cache behavior in order whose pattern matches, else the default. unknown
// is set when a behavior before the match has a pattern that cannot be
// read.
func (d *Distribution) behaviorFor(path string) (b *Behavior, unknown string) {
	for _, b := range d.Behaviors {
		if b.Default {
			return b, unknown
		}
		if why, ok := b.unknown("PathPattern"); ok {
			if unknown == "" {
				unknown = "the path pattern of a behavior before it is " + why
			}
			continue
		}
		if matchPath(b.PathPattern, path) {
			return b, unknown
		}
	}
	return nil, unknown
}

func (d *Distribution) origin(id string) *Origin {
	for _, o := range d.Origins {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// probePaths are the requests the audit routes for a prefix: NextAuth's
// endpoints under the auth prefix, one path under an API prefix.
func probePaths(prefix string, auth bool) []string {
	prefix = "/" + strings.Trim(prefix, "/")
	if !auth {
		return []string{prefix + "/x"}
	}
	var out []string
	for _, e := range []string{"session", "csrf", "providers", "signin/credentials", "callback/credentials", "signout", "_log"} {
		out = append(out, prefix+"/"+e)
	}
	return out
}

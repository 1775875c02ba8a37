package alert

import (
	"fmt"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/visible"
	"github.com/cfwatch/cfwatch/logparse"
)

// Margin is how far before first_seen and after last_seen the suggested
// report command and Athena query look.
const Margin = 15 * time.Minute

// SourcePlaceholder stands for the log location in the report command when
// it is not known.
const SourcePlaceholder = "s3://LOG_BUCKET/PREFIX/"

// ReportCommand returns the cfwatch report command that audits f's window
// (first_seen − 15m to last_seen + 15m) on f's host in the raw logs at
// sources (s3://bucket/prefix URLs or local paths; none gives
// SourcePlaceholder), every value quoted for a POSIX shell:
//
//	cfwatch report --source s3://logs/cf/ --from 2026-11-20T13:47:00Z --until 2026-11-20T16:13:00Z --host app.example.com
//
// The host is left out for auth-insecure-scheme, whose requests may come
// through the distribution's own name.
func ReportCommand(f detectors.Finding, sources ...string) string {
	var b strings.Builder
	b.WriteString("cfwatch report")
	n := 0
	for _, s := range sources {
		if s != "" {
			b.WriteString(" --source " + shellQuote(s))
			n++
		}
	}
	if n == 0 {
		b.WriteString(" --source " + SourcePlaceholder)
	}
	from, until := window(f)
	fmt.Fprintf(&b, " --from %s --until %s", from.Format(time.RFC3339), until.Format(time.RFC3339))
	if f.Rule != detectors.RuleAuthInsecureScheme && f.Host != "" && f.Host != "*" {
		b.WriteString(" --host " + shellQuote(f.Host))
	}
	return b.String()
}

// window is f's time span, with the findings folded into it, widened by
// Margin, to whole minutes.
func window(f detectors.Finding) (from, until time.Time) {
	first, last := f.FirstSeen.UTC(), f.LastSeen.UTC()
	for _, r := range f.Related {
		if !r.FirstSeen.IsZero() && (first.IsZero() || r.FirstSeen.Before(first)) {
			first = r.FirstSeen.UTC()
		}
		if r.LastSeen.After(last) {
			last = r.LastSeen.UTC()
		}
	}
	if first.IsZero() {
		first = last
	}
	if last.Before(first) {
		last = first
	}
	from = first.Add(-Margin).Truncate(time.Minute)
	until = last.Add(Margin)
	if t := until.Truncate(time.Minute); !t.Equal(until) {
		until = t.Add(time.Minute)
	}
	return from, until
}

// LogSource returns where the raw logs of the object origin live, for
// `report --source`: s3://bucket/prefix/ with the key's file name and any
// CloudFront partition folders (DISTID/YYYY/MM/DD/HH, DistributionId=…/
// year=…) removed, or the directory of a local file when Bucket is empty.
func LogSource(o Origin) string {
	if o.Key == "" {
		return ""
	}
	if o.Bucket == "" {
		return path.Dir(o.Key) + "/"
	}
	dirs := strings.Split(o.Key, "/")
	dirs = dirs[:len(dirs)-1]
	k, ok := logparse.ParseKey(o.Key)
	for i, d := range dirs {
		if strings.Contains(d, "=") || (ok && k.DistributionID != "" && d == k.DistributionID) {
			dirs = dirs[:i]
			break
		}
	}
	prefix := strings.Join(dirs, "/")
	if prefix != "" {
		prefix += "/"
	}
	return "s3://" + o.Bucket + "/" + prefix
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// characters that are safe unquoted. A value with characters that
// visible.NeedsEscape names (or invalid UTF-8) is written in ANSI-C
// quoting, $'…' (bash, zsh, ksh, and POSIX since 2024), with those
// characters as escapes: the command stays one that runs, and it shows no
// raw control character wherever it is pasted or logged.
func shellQuote(s string) string {
	safe, plain := s != "", true
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				plain = false
			}
		}
		if visible.NeedsEscape(r) {
			plain = false
		}
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-./:=@%+,", r)) {
			safe = false
		}
	}
	switch {
	case safe:
		return s
	case plain:
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case visible.NeedsEscape(r) && r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		case visible.NeedsEscape(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case visible.NeedsEscape(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String()
}

// AthenaQuery returns an Athena SQL query over the dataset's table (""
// means dataset.DefaultTable) that lists f's failing requests: it fixes the
// distribution, day and hour partitions so that Athena reads only the files
// of f's window (an hour wider on each side, as CloudFront's files can hold
// records a little outside their hour), bounds request_time exactly, and
// filters the host, the endpoint group and what the rule counts as a
// failure (for method-rejected on the default behavior, on the finding's
// pages) — for a finding with others folded into it (Finding.Related), any
// of their groups and failures —, and leaves out the detectors' ignore_paths (glob patterns, see
// detectors.Config.IgnorePaths), which no finding counts. Every value is a
// quoted SQL literal; nothing from a request is pasted in as SQL.
func AthenaQuery(f detectors.Finding, table string, ignorePaths ...string) string {
	if table == "" {
		table = dataset.DefaultTable
	}
	from, until := window(f)
	var where []string
	dist := f.DistributionID
	if dist == "" {
		dist = dataset.UnknownDistribution
	}
	where = append(where, "distribution = "+sqlString(dist))
	where = append(where, dataset.PartitionPredicate(dataset.HourRange{First: from.Add(-time.Hour), Last: until.Add(time.Hour)}))
	where = append(where, fmt.Sprintf("request_time BETWEEN %s AND %s", dataset.SQLTimestamp(from), dataset.SQLTimestamp(until)))
	if f.Rule != detectors.RuleAuthInsecureScheme && f.Host != "" && f.Host != "*" {
		where = append(where, "coalesce(x_host_header, cs_host) = "+sqlString(f.Host))
	}
	own := failFilter(f.Rule, f.Group)
	if f.Rule == detectors.RuleMethodRejected && f.Group == "/*" && len(f.Paths) > 0 {
		// On the default behavior only the pages the finding names count.
		paths := make([]string, len(f.Paths))
		for i, p := range f.Paths {
			paths[i] = sqlString(p)
		}
		own = append(own, "coalesce(cs_uri_stem_decoded, cs_uri_stem) IN ("+strings.Join(paths, ", ")+")")
	}
	terms := [][]string{own}
	seen := map[string]bool{f.Rule + "\x00" + f.Group: true}
	for _, r := range f.Related {
		if k := r.Rule + "\x00" + r.Group; !seen[k] {
			seen[k] = true
			terms = append(terms, failFilter(r.Rule, r.Group))
		}
	}
	if len(terms) == 1 {
		where = append(where, own...)
	} else {
		ors := make([]string, len(terms))
		for i, t := range terms {
			ors[i] = "(" + strings.Join(t, " AND ") + ")"
			if len(t) == 0 {
				ors[i] = "1 = 1"
			}
		}
		where = append(where, "(\n    "+strings.Join(ors, "\n    OR ")+")")
	}
	for _, g := range ignorePaths {
		where = append(where, "NOT (coalesce(cs_uri_stem_decoded, cs_uri_stem) LIKE "+sqlGlob(g)+" ESCAPE '\\')")
	}
	return fmt.Sprintf(`SELECT request_time, cs_method, coalesce(x_host_header, cs_host) AS host, cs_uri_stem, sc_status,
       x_edge_result_type, x_edge_detailed_result_type, cs_protocol, c_ip, x_edge_request_id
FROM %s
WHERE %s
ORDER BY request_time
LIMIT 200`, sqlIdent(table), strings.Join(where, "\n  AND "))
}

// failFilter is the conditions on a failing request of rule in group.
func failFilter(rule, group string) []string {
	var c []string
	if g := groupFilter(group); g != "" {
		c = append(c, g)
	}
	if r := ruleFilter(rule); r != "" {
		c = append(c, r)
	}
	return c
}

// ruleFilter is what the rule counts as a failing request of the
// finding's group, in SQL: the rule's own (detectors.RuleSpec.FailsSQL).
func ruleFilter(rule string) string {
	spec, _ := detectors.RuleSpecFor(rule)
	return spec.FailsSQL
}

// groupFilter matches the endpoint group: "/api/auth/callback/*" is a
// prefix, "/api/items" a path and the paths under it (origin-errors groups
// an API's paths by their first segment), "/*" everything.
func groupFilter(group string) string {
	if group == "" || group == "/*" {
		return ""
	}
	if prefix, ok := strings.CutSuffix(group, "*"); ok {
		return "cs_uri_stem LIKE " + sqlLike(prefix) + "%' ESCAPE '\\'"
	}
	return "(cs_uri_stem LIKE " + sqlLike(group) + "' ESCAPE '\\' OR cs_uri_stem LIKE " + sqlLike(group+"/") + "%' ESCAPE '\\')"
}

// sqlLike opens a LIKE pattern literal (the caller closes the quote) that
// matches s literally: LIKE's wildcards and the escape character are
// escaped, quotes doubled, and characters that could not be shown safely in
// a Slack code block (backquotes, and the control, bidi and zero-width
// characters visible.NeedsEscape names) matched by '_'.
func sqlLike(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '%' || r == '_' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\'':
			b.WriteString("''")
		case r == '`' || visible.NeedsEscape(r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sqlGlob is the LIKE pattern literal (for ESCAPE '\') of an ignore_paths
// glob: '*' is '%', '?' is '_', LIKE's own wildcards and escape character
// escaped, quotes doubled, and characters that could not be shown safely
// in a Slack code block matched by '_'.
func sqlGlob(g string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range detectors.LikePattern(g) {
		switch {
		case r == '\'':
			b.WriteString("''")
		case r == '`' || r < 0x20 || r == 0x7f:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// sqlString is s as a SQL string literal (dataset.SQLString). Backquotes
// and the characters visible.NeedsEscape names, which are unsafe in a Slack
// code block and never part of a host name or distribution ID, become
// U+FFFD, which matches nothing.
func sqlString(s string) string {
	return dataset.SQLString(strings.Map(func(r rune) rune {
		if r == '`' || visible.NeedsEscape(r) {
			return '\uFFFD' // cannot match: such values are not valid host names or IDs
		}
		return r
	}, s))
}

// sqlIdent quotes a table name, "db.table" as two identifiers.
func sqlIdent(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = dataset.SQLIdent(p)
	}
	return strings.Join(parts, ".")
}

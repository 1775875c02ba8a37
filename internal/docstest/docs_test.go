package docstest

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/cfwatch/cfwatch/internal/testenv"
)

// page is one Markdown file: its lines outside fenced code blocks, and the
// anchors its headings give.
type page struct {
	rel     string // slash-separated, relative to the repository root
	lines   []prose
	anchors map[string]bool
}

// prose is a line of a page outside code blocks, with its line number.
type prose struct {
	n    int
	text string
}

var (
	atxHeading = regexp.MustCompile(`^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$`)
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
	// [text](target) or [text](target "title"); images too.
	inlineLink = regexp.MustCompile(`\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	fence      = regexp.MustCompile("^ {0,3}(```+|~~~+)")
)

// loadPages reads README.md and docs/*.md.
func loadPages(t *testing.T) (root string, pages map[string]*page) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	pages = make(map[string]*page)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		p := parse(filepath.ToSlash(rel), string(b))
		pages[p.rel] = p
	}
	return root, pages
}

// parse splits a page into prose lines and collects its headings' anchors
// as GitHub makes them (a second "Usage" is usage-1).
func parse(rel, text string) *page {
	p := &page{rel: rel, anchors: make(map[string]bool)}
	seen := make(map[string]int)
	var inFence string
	for i, line := range strings.Split(text, "\n") {
		if m := fence.FindStringSubmatch(line); m != nil {
			marker := m[1][:3]
			switch {
			case inFence == "":
				inFence = marker
				continue
			case marker == inFence:
				inFence = ""
				continue
			}
		}
		if inFence != "" {
			continue
		}
		p.lines = append(p.lines, prose{n: i + 1, text: line})
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			a := slug(m[2])
			if k := seen[a]; k > 0 {
				seen[a]++
				a += "-" + strconv.Itoa(k)
			} else {
				seen[a] = 1
			}
			p.anchors[a] = true
		}
	}
	return p
}

// slug is GitHub's anchor for a heading: the text without Markdown (links
// keep their text, code spans their content), lower-cased, with every
// character but letters, digits, marks, '-', '_' and spaces dropped, and
// spaces turned into '-'.
func slug(heading string) string {
	s := mdLink.ReplaceAllString(heading, "$1")
	s = strings.ReplaceAll(s, "`", "")
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// links returns a prose line's link targets, outside code spans.
func links(line string) []string {
	var out []string
	for _, m := range inlineLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestLinks: every relative link of README.md and docs/*.md points at a
// file of the repository, and every #anchor at a heading of its page.
func TestLinks(t *testing.T) {
	root, pages := loadPages(t)
	checked := 0
	for _, p := range pages {
		for _, l := range p.lines {
			for _, target := range links(l.text) {
				u, err := url.Parse(target)
				if err != nil {
					t.Errorf("%s:%d: link %q: %v", p.rel, l.n, target, err)
					continue
				}
				if u.Scheme != "" || u.Host != "" {
					continue // external: not checked offline
				}
				checked++
				dest := p.rel
				if u.Path != "" {
					dest = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(p.rel), u.Path)))
					if dest == ".." || strings.HasPrefix(dest, "../") {
						t.Errorf("%s:%d: link %q leaves the repository", p.rel, l.n, target)
						continue
					}
					if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dest))); err != nil {
						t.Errorf("%s:%d: link %q: %s does not exist", p.rel, l.n, target, dest)
						continue
					}
				}
				if u.Fragment == "" {
					continue
				}
				tp, ok := pages[dest]
				if !ok {
					if strings.HasSuffix(dest, ".md") {
						t.Errorf("%s:%d: link %q: anchors are only checked in README.md and docs/*.md", p.rel, l.n, target)
					}
					continue
				}
				if !tp.anchors[u.Fragment] {
					t.Errorf("%s:%d: link %q: %s has no heading with the anchor #%s", p.rel, l.n, target, dest, u.Fragment)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d relative links checked: is the Markdown read at all?", checked)
	}
}

// TestDocsReachable: every page of docs/ is linked from the README, so a
// reader who starts there finds it.
func TestDocsReachable(t *testing.T) {
	_, pages := loadPages(t)
	linked := make(map[string]bool)
	for _, l := range pages["README.md"].lines {
		for _, target := range links(l.text) {
			if u, err := url.Parse(target); err == nil && u.Scheme == "" {
				linked[filepath.ToSlash(filepath.Clean(u.Path))] = true
			}
		}
	}
	for rel := range pages {
		if rel != "README.md" && !linked[rel] {
			t.Errorf("%s is not linked from README.md", rel)
		}
	}
}

// TestNoInternalTerms: the documentation names the NextAuth-behind-CloudFront
// causes in its own words (docs/nextauth-behind-cloudfront.md), not by the
// internal notes it was designed from.
func TestNoInternalTerms(t *testing.T) {
	internal := regexp.MustCompile(`(?i)\bseed (00\d|document|table)|\bthe seed'?s\b|\bseeds? 00\d|[①②③④⑤⑥]|workplace`)
	_, pages := loadPages(t)
	for _, p := range pages {
		for _, l := range p.lines {
			if m := internal.FindString(l.text); m != "" {
				t.Errorf("%s:%d: %q: an internal term; name the cause (docs/nextauth-behind-cloudfront.md)", p.rel, l.n, m)
			}
		}
	}
}

// The anchors the link check relies on are GitHub's.
func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Computing the report with Athena (`--engine athena`)":        "computing-the-report-with-athena---engine-athena",
		"Send CloudFront's logs to the bucket":                        "send-cloudfronts-logs-to-the-bucket",
		"Summary: cause → cfwatch rule":                               "summary-cause--cfwatch-rule",
		"Secure, SameSite or domain mismatch":                         "secure-samesite-or-domain-mismatch",
		"cfwatch version and completion":                              "cfwatch-version-and-completion",
		"JSON output reference (`\"schema\": \"cfwatch.report/v1\"`)": "json-output-reference-schema-cfwatchreportv1",
		"[Linked](x.md) heading_with_underscore":                      "linked-heading_with_underscore",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
	p := parse("x.md", "# Usage\n```\n# not a heading\n```\n## Usage\n")
	if !p.anchors["usage"] || !p.anchors["usage-1"] || p.anchors["not-a-heading"] {
		t.Errorf("anchors %v, want usage and usage-1 only", p.anchors)
	}
}

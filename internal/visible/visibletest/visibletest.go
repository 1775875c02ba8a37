// Package visibletest gives the tests of every renderer the same hostile
// value and the same check that none of its characters came out raw.
package visibletest

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/internal/visible"
)

// Payload returns every character the renderers must not show raw: all C0
// controls, DEL, all C1 controls (as runes), the bidi controls, the
// zero-width and invisible format characters, the line and paragraph
// separators, a tag character, and bytes of invalid UTF-8 (a lone
// continuation byte, a lone lead byte, an overlong encoding of '/', an
// encoded surrogate). It contains no space, no '&', '<', '>', '"', '\”,
// '`', '|', '*', '_' or '\\', so a format's own escaping leaves its visible
// form alone.
func Payload() string {
	var b strings.Builder
	for r := rune(0); r < 0x20; r++ {
		b.WriteRune(r)
	}
	b.WriteRune(0x7f)
	for r := rune(0x80); r <= 0x9f; r++ {
		b.WriteRune(r)
	}
	for _, r := range []rune{
		0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x061c, // bidi
		0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2060, 0xfeff, 0x00ad, // zero-width, invisible
		0x2028, 0x2029, 0xe0041, // separators, a tag character
	} {
		b.WriteRune(r)
	}
	b.WriteString("\x80\xff\xc0\xaf\xed\xa0\x80\xe2\x80") // invalid UTF-8, the last one truncated
	return b.String()
}

// Value returns a hostile value for the field named name: name between
// markers that survive every format's escaping (letters and digits only),
// with Payload inside: "HX" + name + "{" + Payload() + "}XH".
func Value(name string) string { return Begin(name) + Payload() + End }

// Begin is the marker that starts Value(name).
func Begin(name string) string { return "HX" + name + "{" }

// End is the marker that ends every Value.
const End = "}XH"

// Raw returns a description of every rune (or invalid byte) in out that
// visible.NeedsEscape names, except the runes in allow (a format's own
// newlines), each with its offset and some context; nil when there is none.
func Raw(out []byte, allow string) []string {
	var found []string
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRune(out[i:])
		bad := r == utf8.RuneError && size == 1 || visible.NeedsEscape(r) && !strings.ContainsRune(allow, r)
		if bad {
			found = append(found, fmt.Sprintf("raw %U (%q) at byte %d: …%q…", r, out[i:i+size], i, context(out, i)))
		}
		i += size
	}
	return found
}

// Unescaped checks what follows each occurrence of Begin(name) in out, up
// to End, a cut ("…"), or limit bytes: none of it may be a raw character of
// Payload, '\n' and '\t' included (a format's own line breaks cannot fall
// inside a value), and the characters must have been made visible, not
// dropped: a whole value shows the escapes of ESC, U+202E and the byte 0xFF,
// a cut one starts with the escape of U+0000. It returns how many
// occurrences it found and a description of each problem.
func Unescaped(out []byte, name string, limit int) (n int, problems []string) {
	begin := []byte(Begin(name))
	for off := 0; ; {
		i := bytes.Index(out[off:], begin)
		if i < 0 {
			return n, problems
		}
		n++
		start := off + i + len(begin)
		seg := out[start:min(len(out), start+limit)]
		whole := false
		if j := bytes.Index(seg, []byte(End)); j >= 0 {
			seg, whole = seg[:j], true
		}
		if j := bytes.Index(seg, []byte("…")); j >= 0 {
			seg, whole = seg[:j], false
		}
		for _, p := range Raw(seg, "") {
			problems = append(problems, fmt.Sprintf("%s (in %s at byte %d)", p, name, start))
		}
		want := []string{"x00"}
		if whole {
			want = []string{"x00", "x1b", "u202e", "u0085", "xff"}
		} else if len(seg) < 4 {
			want = nil // cut before the first escape
		}
		for _, w := range want {
			if !bytes.Contains(seg, []byte(w)) {
				problems = append(problems, fmt.Sprintf("%s at byte %d: no %q in %q: the characters were not made visible", name, start, w, seg))
			}
		}
		off = start
	}
}

func context(out []byte, i int) []byte {
	return out[max(0, i-30):min(len(out), i+30)]
}

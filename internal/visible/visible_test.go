package visible_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/internal/visible"
	"github.com/cfwatch/cfwatch/internal/visible/visibletest"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"":                                      "",
		"/api/auth/callback/cognito":            "/api/auth/callback/cognito",
		"/api/auth/callback/\x1b[31mred\x1b[0m": `/api/auth/callback/\x1b[31mred\x1b[0m`,
		"a\tb\nc\rd\x00e\x7f":                   `a\tb\nc\rd\x00e\x7f`,
		"\u0085\u009b2J":                        `\u0085\u009b2J`,
		"admin\u202egnp.exe":                    `admin\u202egnp.exe`,
		"\u2066x\u2069":                         `\u2066x\u2069`,
		"a\u200bb\u200dc\u2060d\ufeffe":         `a\u200bb\u200dc\u2060d\ufeffe`,
		"line\u2028para\u2029":                  `line\u2028para\u2029`,
		"tag\U000E0041":                         `tag\U000e0041`,
		"/%FF → \xff, \xc0\xae":                 `/%FF → \xff, \xc0\xae`,
		"\xe2\x80":                              `\xe2\x80`,
		"visible: é ü 日本 \ufffd 🙂 \\x1b":        "visible: é ü 日本 \ufffd 🙂 \\x1b",
	} {
		if got := visible.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEveryCharacter: every character of the hostile payload is escaped,
// the result is printable ASCII where the input was not, and showing it
// again changes nothing.
func TestEveryCharacter(t *testing.T) {
	p := visibletest.Payload()
	out := visible.String(p)
	if raw := visibletest.Raw([]byte(out), ""); raw != nil {
		t.Fatalf("raw characters left: %v", raw)
	}
	for _, c := range []byte(out) {
		if c < 0x20 || c >= 0x7f {
			t.Fatalf("%q is not printable ASCII", out)
		}
	}
	if again := visible.String(out); again != out {
		t.Errorf("not idempotent: %q → %q", out, again)
	}
	// Every rune below U+0020, and C1, is named by NeedsEscape; printable
	// ASCII and ordinary letters are not.
	for r := rune(0); r < 0x100; r++ {
		want := r < 0x20 || r >= 0x7f && r <= 0x9f || r == 0xad
		if got := visible.NeedsEscape(r); got != want {
			t.Errorf("NeedsEscape(%U) = %v", r, got)
		}
	}
}

func TestNoAlloc(t *testing.T) {
	s := "/api/auth/callback/cognito?ü"
	if n := testing.AllocsPerRun(100, func() { _ = visible.String(s); _ = visible.Cut(s, 100) }); n != 0 {
		t.Errorf("%v allocations for a value with nothing to escape", n)
	}
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		in    string
		limit int
		want  string
	}{
		{"abcdef", 10, "abcdef"},
		{"abcdef", 6, "abcdef"},
		{"abcdef", 5, "abcd…"},
		{"abcdef", 1, "…"},
		{"abcdef", 0, "…"},
		{"", 3, ""},
		{"ab\x1bcd", 8, `ab\x1bcd`},
		{"ab\x1bcd", 7, `ab\x1b…`},
		{"ab\x1bcd", 6, `ab…`}, // never inside the escape
		{"ab\x1b", 6, `ab\x1b`},
		{"日本語テキスト", 4, "日本語…"},
		{"a\u202eb", 5, `a…`},
	} {
		got := visible.Cut(c.in, c.limit)
		if got != c.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", c.in, c.limit, got, c.want)
		}
		if n := utf8.RuneCountInString(got); n > max(c.limit, 1) {
			t.Errorf("Cut(%q, %d) = %q: %d runes", c.in, c.limit, got, n)
		}
	}
}

func TestPieces(t *testing.T) {
	var got []string
	var offs []int
	for i, p := range visible.Pieces("a\x1bé\xff") {
		offs, got = append(offs, i), append(got, p)
	}
	want := []string{"a", `\x1b`, "é", `\xff`}
	if strings.Join(got, "|") != strings.Join(want, "|") || len(offs) != 4 || offs[0] != 0 || offs[1] != 1 || offs[2] != 2 || offs[3] != 4 {
		t.Errorf("Pieces = %q at %v, want %q at [0 1 2 4]", got, offs, want)
	}
	for range visible.Pieces("abc") {
		break // stopping early must not panic
	}
}

// TestLogHandler: a JSON log line (which escapes C0 itself, but not C1,
// bidi or zero-width characters) and a text one carry no raw character,
// in the message, keys, strings, errors, lists and groups.
func TestLogHandler(t *testing.T) {
	p := visibletest.Value("v")
	for name, mk := range map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var b bytes.Buffer
		log := slog.New(visible.LogHandler(mk(&b))).With("with", p).WithGroup("g" + p)
		log.Warn("line skipped "+p, "file", p, "err", errors.New(p), "paths", []string{p, "ok"}, "n", 3,
			slog.Group("sub", "x", p), p, "key")
		if raw := visibletest.Raw(b.Bytes(), "\n"); raw != nil {
			t.Errorf("%s: %v", name, raw)
		}
		if n, problems := visibletest.Unescaped(b.Bytes(), "v", 2000); n < 8 || problems != nil {
			t.Errorf("%s: %d values, %v\n%s", name, n, problems, b.Bytes())
		}
		// Without it, the JSON line carries C1 and bidi controls raw: the
		// check above can fail.
		b.Reset()
		slog.New(mk(&b)).Warn("x", "v", p)
		if name == "json" && visibletest.Raw(b.Bytes(), "\n") == nil {
			t.Errorf("the JSON handler alone escapes everything: the test proves nothing")
		}
	}
}

package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2},
		{"since", "sinec", 1}, {"report", "reprot", 1}, {"ab", "ba", 1}, {"ca", "abc", 3}, // transpositions, each edited once
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestNearest(t *testing.T) {
	keys := []string{"auth_prefix", "auth_403_burst", "auth_403_burst.min_count", "auth_403_burst.min_rate", "window", "lookback"}
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"auth-403-burst.min_count", "auth_403_burst.min_count", true}, // hyphens for underscores
		{"AUTH-403-BURST", "auth_403_burst", true},                     // and any case
		{"auth_403_burst.min_cout", "auth_403_burst.min_count", true},  // a typo
		{"windw", "window", true},
		{"lookbakc", "lookback", true},
		{"lookback", "lookback", true},
		{"colour", "", false}, // nothing near
		{"", "", false},
	} {
		got, ok := Nearest(c.in, keys)
		if got != c.want || ok != c.ok {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if _, ok := Nearest("x", nil); ok {
		t.Error("Nearest over no candidates found one")
	}
}

package alert

import (
	"log/slog"
	"strings"
)

// A Secret holds a credential (a bot token or a webhook URL) so that it
// never reaches a log or an error by accident: it prints, marshals and logs
// as "[redacted]". Reveal gives the value to the one place that sends it.
type Secret struct{ v string }

// NewSecret wraps a credential.
func NewSecret(v string) Secret { return Secret{v: strings.TrimSpace(v)} }

// Reveal returns the credential.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether there is no credential.
func (s Secret) IsZero() bool { return s.v == "" }

const redacted = "[redacted]"

func (s Secret) String() string {
	if s.v == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `alert.Secret{"` + s.String() + `"}` }

// LogValue keeps slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON keeps encoding/json from writing the value.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText keeps text encoders from writing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// redactor removes credentials from text that may quote them, such as an
// HTTP client's error naming the webhook URL it failed to reach.
type redactor []string

func newRedactor(secrets ...Secret) redactor {
	var r redactor
	for _, s := range secrets {
		v := s.Reveal()
		if v == "" {
			continue
		}
		r = append(r, v)
		// A webhook URL's secret part is its path; clients may quote it
		// escaped or alone.
		if i := strings.Index(v, "/services/"); i >= 0 {
			r = append(r, v[i:])
		}
	}
	return r
}

func (r redactor) clean(s string) string {
	for _, v := range r {
		s = strings.ReplaceAll(s, v, redacted)
	}
	return s
}

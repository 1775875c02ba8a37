package visible

import (
	"context"
	"log/slog"
)

// LogHandler returns a handler that passes every record on to h with its
// message, its attributes' keys and its string values shown as String shows
// them: errors (by their Error text), strings and lists of strings, in
// groups too. Other values (numbers, times, durations, booleans) cannot
// hold a control character and pass as they are.
//
// A log line is read in a terminal (stderr, `aws logs tail`) or a console:
// a JSON handler escapes C0 controls but not C1 controls, bidi controls or
// zero-width characters, so a value from a log reaches the reader raw
// without this.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ h slog.Handler }

func (l logHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	nr := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(attr(a))
		return true
	})
	return l.h.Handle(ctx, nr)
}

func (l logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = attr(a)
	}
	return logHandler{l.h.WithAttrs(out)}
}

func (l logHandler) WithGroup(name string) slog.Handler {
	return logHandler{l.h.WithGroup(String(name))}
}

func attr(a slog.Attr) slog.Attr {
	return slog.Attr{Key: String(a.Key), Value: value(a.Value)}
}

func value(v slog.Value) slog.Value {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); firstEscape(s) >= 0 {
			return slog.StringValue(String(s))
		}
	case slog.KindGroup:
		as := v.Group()
		out := make([]slog.Attr, len(as))
		for i, a := range as {
			out[i] = attr(a)
		}
		return slog.GroupValue(out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.StringValue(String(x.Error()))
		case []string:
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = String(s)
			}
			return slog.AnyValue(out)
		}
	}
	return v
}

package probe

import "github.com/cfwatch/cfwatch/internal/visible"

// esc makes a value the server chose (a header, a body excerpt) safe to
// print: the shared rule of internal/visible, which every cfwatch output
// uses (control, bidi and zero-width characters and invalid UTF-8 shown as
// escapes).
func esc(s string) string { return visible.String(s) }

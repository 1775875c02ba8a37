package audit

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The inputs are read with yaml.v3's Node API, which reads JSON too and
// keeps every value's line.

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return deref(n.Content[0])
	}
	return n
}

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			if v := deref(n.Content[i+1]); !isNull(v) {
				return v
			}
			return nil
		}
	}
	return nil
}

// path follows keys through nested mappings.
func path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = get(n, k)
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

func isScalar(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && !isCustomTag(n.Tag)
}

func isCustomTag(tag string) bool {
	return strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!")
}

func line(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	return n.Line
}

// items returns the elements of a list, or of the API's {Quantity, Items}.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.MappingNode {
		if it := get(n, "Items"); it != nil {
			n = it
		} else {
			return nil
		}
	}
	if n.Kind != yaml.SequenceNode || isCustomTag(n.Tag) {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, deref(c))
	}
	return out
}

func strs(n *yaml.Node) []string {
	var out []string
	for _, c := range items(n) {
		if isScalar(c) {
			out = append(out, c.Value)
		}
	}
	return out
}

func scalarStr(n *yaml.Node) (string, bool) {
	if !isScalar(n) || isNull(n) {
		return "", false
	}
	return n.Value, true
}

func boolOf(n *yaml.Node) (bool, bool) {
	s, ok := scalarStr(n)
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(s)
	return b, err == nil
}

func intOf(n *yaml.Node) (int64, bool) {
	s, ok := scalarStr(n)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, false
		}
		v = int64(f)
	}
	return v, true
}

// intrinsic returns a CloudFormation intrinsic function's name (Ref,
// Fn::GetAtt, …) and argument, from the long form ({"Ref": x}) or a YAML
// short-form tag (!Ref x).
func intrinsic(n *yaml.Node) (string, *yaml.Node) {
	n = deref(n)
	if n == nil {
		return "", nil
	}
	if isCustomTag(n.Tag) {
		fn := n.Tag[1:]
		if fn != "Ref" && fn != "Condition" {
			fn = "Fn::" + fn
		}
		arg := *n
		arg.Tag = ""
		switch n.Kind {
		case yaml.ScalarNode:
			arg.Tag = "!!str"
		case yaml.SequenceNode:
			arg.Tag = "!!seq"
		case yaml.MappingNode:
			arg.Tag = "!!map"
		}
		return fn, &arg
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, deref(n.Content[1])
		}
	}
	return "", nil
}

// exprString renders a value compactly for a finding: literals as they are,
// intrinsics in YAML short form.
func exprString(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return ""
	}
	if fn, arg := intrinsic(n); fn != "" {
		short := "!" + strings.TrimPrefix(fn, "Fn::")
		if fn == "Fn::GetAtt" {
			if parts := strs(arg); len(parts) > 0 {
				return short + " " + strings.Join(parts, ".")
			}
		}
		return short + " " + exprString(arg)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.SequenceNode:
		parts := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			parts = append(parts, exprString(c))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case yaml.MappingNode:
		parts := make([]string, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			parts = append(parts, n.Content[i].Value+": "+exprString(n.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return ""
}

// allStrings collects every scalar string below n (keys excluded).
func allStrings(n *yaml.Node, out []string) []string {
	n = deref(n)
	if n == nil {
		return out
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return append(out, n.Value)
	case yaml.SequenceNode:
		for _, c := range n.Content {
			out = allStrings(c, out)
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			out = allStrings(n.Content[i], out)
		}
	}
	return out
}

// keyLine returns the line of key in mapping n (where a finding about the
// setting should point), else n's line.
func keyLine(n *yaml.Node, key string) int {
	n = deref(n)
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i].Line
			}
		}
	}
	return line(n)
}
